package dev.vmha.sim;

import dev.vmha.capacity.CapacityPlan;
import dev.vmha.classify.Reachability;
import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.VmLease;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.election.ElectionConfig;
import dev.vmha.election.ElectionEffect;
import dev.vmha.election.ElectionInput;
import dev.vmha.election.ElectionInput.Timer;
import dev.vmha.election.ElectionMachine;
import dev.vmha.election.ElectionState;
import dev.vmha.election.Role;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.StoppedVm;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.FencingRule;
import dev.vmha.lease.LeaseRule;
import dev.vmha.master.MasterConfig;
import dev.vmha.master.MasterEffect;
import dev.vmha.master.MasterInput;
import dev.vmha.master.MasterMachine;
import dev.vmha.master.MasterNotice;
import dev.vmha.master.MasterState;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.RestartOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One simulated host: its hypervisor (the VMs powered on here) and its agent — the real {@link ElectionMachine}
 * and, while this host is master, the real {@link MasterMachine}, with their effects carried out against the
 * simulated network, datastores and clock. The rest of the agent (datastore heartbeat, leases, self-fence, the VM
 * manager) is a model built only from the pure rules: {@link FencingRule} (fence when the heartbeat reaches no
 * datastore), {@link LeaseRule} (repair a corrupt lease), {@link dev.vmha.lease.LeaseTiming#fenceAfter()} (power a VM
 * off whose lease went unrenewed), {@link dev.vmha.lease.LeaseTiming#mayPet} (the process watchdog, which runs apart
 * from the agent), a compare-and-swap on the lease file before every start, and the lease of a VM that stopped given
 * back.
 */
final class SimHost {
  /** How long a capacity planning run takes here (global ms). */
  private static final long PLAN_DELAY_MS = 50;

  /** A lease this agent holds, and when (its own clock) it issued the last renewal that succeeded. */
  private record Held(VmLease lease, Duration lastOk) {}

  private final Simulation w;
  final String id;
  final String address;
  final PingTarget management;
  final HaSettings settings;

  // the machine
  private boolean powered = true;
  private final Map<String, VmSpec> running = new TreeMap<>();

  // the agent: an incarnation's state, dropped with it
  private boolean agentUp;
  private int incarnation;
  private long frozenUntil;
  private boolean downed;
  private ElectionConfig electionConfig;
  private ElectionState<String> election;
  private final Map<Timer, Integer> timers = new EnumMap<>(Timer.class);
  private int peersListed;
  private Optional<MasterState> master = Optional.empty();
  private MasterConfig masterConfig;
  private int masterRun;
  private final Map<String, Reachability> membersSeen = new TreeMap<>();
  private final Map<Integer, String> restartsOut = new TreeMap<>();
  private int restartAttempts;
  private DatastoreView view;
  private long counter;
  private final Map<String, Held> leases = new TreeMap<>();
  private final Set<String> busy = new TreeSet<>();
  private final Set<String> starting = new TreeSet<>();
  private final Map<String, StoppedVm> stopped = new TreeMap<>();
  private boolean fenced;
  private Optional<List<VmSpec>> isolatedStopped = Optional.empty();
  /** When (global ms) the agent last petted the host's watchdog, which runs apart from the agent. */
  private long lastPet;

  SimHost(Simulation w, String id, int port, HaSettings settings) {
    this.w = w;
    this.id = id;
    this.address = "127.0.0.1:" + port;
    this.management = new PingTarget("127.0.0.1", port);
    this.settings = settings;
  }

  // ---- what the world asks of the host

  boolean powered() {
    return powered;
  }

  Set<String> running() {
    return running.keySet();
  }

  Optional<Role> role() {
    return agentUp ? Optional.of(election.phase().role()) : Optional.empty();
  }

  /** Whether another host's failure detector hears this agent now. */
  boolean heardBy(SimHost other) {
    return agentUp && !frozen() && !downed && w.network().connected(other.id, id);
  }

  boolean frozen() {
    return frozenUntil > w.clock().now();
  }

  long frozenUntil() {
    return frozenUntil;
  }

  int incarnation() {
    return incarnation;
  }

  boolean agentUp() {
    return agentUp;
  }

  /** The host starts with these VMs running and their leases held, renewed at {@code renewed}. */
  void boot(List<VmSpec> vms, Map<String, VmLease> held) {
    vms.forEach(v -> running.put(v.name(), v));
    startAgent();
    w.later(after(settings.failureDetectionInterval()), "watchdog", this::watchdog);
    held.forEach((vm, l) -> leases.put(vm, new Held(l, w.clock().localNow(id))));
  }

  void powerLoss() {
    if (!powered) return;
    w.trace(id, "power lost with " + running.keySet());
    powered = false;
    running.clear();
    stopAgent();
  }

  void powerBack() {
    if (powered) return;
    powered = true;
    downed = false;
    w.trace(id, "powered back");
    startAgent();
  }

  void agentRestart(String why) {
    if (!powered || !agentUp) return;
    w.trace(id, "agent restarts: " + why);
    stopAgent();
    int inc = incarnation;
    w.later(Duration.ofSeconds(2).toMillis(), "agent start", () -> {
      if (powered && !agentUp && incarnation == inc) startAgent();
    });
  }

  void freezeUntil(long t) {
    frozenUntil = Math.max(frozenUntil, t);
    w.trace(id, "agent frozen until " + t);
  }

  /** A master removed this host from the cluster: its agent restarts once it hears the cluster again. */
  void downed() {
    downed = true;
  }

  private void stopAgent() {
    agentUp = false;
    incarnation++;
    master = Optional.empty();
    masterRun++;
  }

  private void startAgent() {
    agentUp = true;
    downed = false;
    incarnation++;
    timers.clear();
    peersListed = 0;
    master = Optional.empty();
    restartsOut.clear();
    leases.clear();
    busy.clear();
    starting.clear();
    fenced = false;
    isolatedStopped = Optional.empty();
    lastPet = w.clock().now();
    view = DatastoreView.initial(w.datastores().names());
    electionConfig = ElectionConfig.of(settings, instant());
    ElectionMachine.Step<String> first = ElectionMachine.start(electionConfig);
    election = first.state();
    carryOut(first.effects());
    adopt();
    long phase = (long) (w.random().nextDouble() * settings.failureDetectionInterval().toMillis());
    w.onHost(this, phase, "datastore round", this::round);
  }

  /** A new agent keeps the VMs running here whose lease it holds and renewed recently enough; the others stop. */
  private void adopt() {
    for (String vm : List.copyOf(running.keySet())) {
      Optional<VmLease> l = w.datastores().answers(w.datastores().leaseDatastore())
          ? w.datastores().lease(vm) : Optional.empty();
      if (l.isEmpty() || !l.get().owner().equals(id)) {
        stopVm(vm, "its lease is not this host's (or not readable) when the agent started");
        continue;
      }
      Duration renewed = Duration.between(SimClock.EPOCH, l.get().renewedAt());
      leases.put(vm, new Held(l.get(), renewed));
    }
    checkLeases();
  }

  private Instant instant() {
    return w.clock().instant(id);
  }

  private Duration localNow() {
    return w.clock().localNow(id);
  }

  private long after(Duration local) {
    return w.clock().globalDelay(id, local);
  }

  // ---- the datastore round: heartbeat, scans, leases, fencing, report

  private void round() {
    w.onHost(this, after(settings.failureDetectionInterval()), "datastore round", this::round);
    if (downed && others().stream().anyMatch(o -> o.heardBy(this))) {
      agentRestart("downed by the master: this incarnation cannot rejoin");
      return;
    }
    counter++;
    PowerOnFile powerOn = new PowerOnFile(id, isolatedStopped.isPresent(),
        isolatedStopped.orElseGet(() -> List.copyOf(running.values())), WatchdogFlag.ARMED);
    Map<String, DatastoreScan> scans = new TreeMap<>();
    for (String ds : w.datastores().names()) {
      if (!w.datastores().answers(ds)) continue;
      w.datastores().writeHeartbeat(ds, new HostHeartbeat(id, counter, instant(), address), powerOn);
      scans.put(ds, w.datastores().scan(ds));
    }
    view = view.next(settings.failureDetectionInterval(), scans).ownHeartbeatWritten(!scans.isEmpty());
    releaseStopped();
    // past its fence deadline a lease is not renewed: its VM stops, and the lease stands as the master last saw it
    checkLeases();
    renewLeases();
    pet();
    selfFence();
    electionIn(new ElectionInput.Reported<>(instant(), report()));
  }

  private HostReport report() {
    return new HostReport(id, management, settings.hostMemoryMb(), settings.hostCpus(),
        List.copyOf(running.values()), null, fenced, List.copyOf(stopped.values()), List.copyOf(starting));
  }

  /** The lease of a VM that no longer runs here (its watchdog or a fence stopped it) is given back. */
  private void releaseStopped() {
    for (String vm : List.copyOf(leases.keySet())) {
      if (running.containsKey(vm) || busy.contains(vm)) continue;
      VmLease l = leases.remove(vm).lease();
      w.later(w.ioDelay(), "lease release " + vm, () -> w.datastores().releaseLease(l));
    }
  }

  private void renewLeases() {
    for (Map.Entry<String, Held> e : leases.entrySet()) {
      String vm = e.getKey();
      if (busy.contains(vm)) continue;
      VmLease next = e.getValue().lease().renewed(instant());
      Duration issued = localNow();
      busy.add(vm);
      int inc = incarnation;
      w.later(w.ioDelay(), "lease swap " + vm, () -> {
        SimDatastores.Swap r = w.datastores().swapLease(Optional.of(e.getValue().lease()), next);
        w.onHost(this, inc, 0, "lease renewed " + vm + " " + r, () -> renewed(vm, next, issued, r));
      });
    }
  }

  private void renewed(String vm, VmLease next, Duration issued, SimDatastores.Swap r) {
    busy.remove(vm);
    Held h = leases.get(vm);
    if (h == null) return;
    switch (r) {
      case SWAPPED -> leases.put(vm, new Held(next, issued));
      case CHANGED -> {
        leases.remove(vm);
        stopVm(vm, "its lease was taken by another host");
      }
      case CORRUPT -> {
        if (LeaseRule.mayRepair(true, false, localNow().minus(h.lastOk()), settings.leaseTiming().fenceAfter())) {
          VmLease repaired = h.lease().renewed(instant());
          Duration at = localNow();
          int inc = incarnation;
          busy.add(vm);
          w.later(w.ioDelay(), "lease repair " + vm, () -> {
            boolean ok = w.datastores().repairLease(repaired);
            w.onHost(this, inc, 0, "lease repaired " + vm + " " + ok, () -> {
              busy.remove(vm);
              if (ok && leases.containsKey(vm)) leases.put(vm, new Held(repaired, at));
            });
          });
        }
      }
      case FAILED -> { }
    }
  }

  /** A VM whose lease went unrenewed for the fence deadline is powered off: another host may take it soon. */
  private void checkLeases() {
    Duration fenceAfter = settings.leaseTiming().fenceAfter();
    for (String vm : List.copyOf(leases.keySet())) {
      Duration unrenewed = localNow().minus(leases.get(vm).lastOk());
      if (unrenewed.compareTo(fenceAfter) < 0) continue;
      leases.remove(vm);
      if (running.containsKey(vm)) {
        String why = "lease not renewed for " + unrenewed.toMillis() + " ms";
        w.emit(id, new HaEvent.VmLeaseFenced(instant(), id, vm, why));
        stopVm(vm, why);
      }
    }
  }

  /** The watchdog is petted only while every lease here was renewed within the pet deadline. */
  private void pet() {
    Duration longest = leases.values().stream().map(h -> localNow().minus(h.lastOk())).max(Duration::compareTo)
        .orElse(Duration.ZERO);
    if (settings.leaseTiming().mayPet(longest)) lastPet = w.clock().now();
  }

  /**
   * The host's watchdog process, every interval whatever the agent does: unpetted for its timeout, it stops every VM
   * here (as the process watchdog kills the VM processes).
   */
  private void watchdog() {
    w.later(after(settings.failureDetectionInterval()), "watchdog", this::watchdog);
    if (!powered || w.clock().now() - lastPet < after(settings.watchdog().timeout())) return;
    List<String> names = List.copyOf(running.keySet());
    lastPet = w.clock().now();
    if (names.isEmpty()) return;
    names.forEach(vm -> stopVm(vm, "the watchdog fired"));
    w.emit(id, new HaEvent.WatchdogFired(instant(), id, settings.watchdog().type(), names,
        "not petted for " + settings.watchdog().timeout().toMillis() + " ms"));
  }

  private void selfFence() {
    Optional<String> why = FencingRule.mustFence(true, view.sinceOwnWrite(), Duration.ZERO, settings.hostTimeout());
    if (why.isPresent() && !fenced) {
      fenced = true;
      List<String> names = List.copyOf(running.keySet());
      names.forEach(vm -> stopVm(vm, "host fenced: " + why.get()));
      w.emit(id, new HaEvent.HostSelfFenced(instant(), id, why.get(), names));
    } else if (why.isEmpty() && fenced) {
      fenced = false;
      w.emit(id, new HaEvent.HostUnfenced(instant(), id, "its heartbeat reaches a datastore again"));
    }
  }

  private void stopVm(String vm, String why) {
    VmSpec spec = running.remove(vm);
    if (spec == null) return;
    stopped.put(vm, new StoppedVm(spec, why));
    w.trace(id, "stopped " + vm + ": " + why);
  }

  /**
   * A restart request from the master at {@code from}: take the VM's lease ({@code grant}: the expired lease the
   * master saw), then start it; {@code answer} gets empty when it runs here, else why not.
   */
  void powerOn(VmSpec vm, Optional<VmLease> grant, String from, Consumer<Optional<String>> answer) {
    String name = vm.name();
    if (running.containsKey(name)) {
      answer.accept(Optional.empty());
      return;
    }
    if (fenced) {
      answer.accept(Optional.of(id + " is fenced"));
      return;
    }
    if (busy.contains(name)) {
      answer.accept(Optional.of("the lease of " + name + " is being written at " + id));
      return;
    }
    Held h = leases.get(name);
    Optional<VmLease> expected = h != null ? Optional.of(h.lease()) : grant;
    VmLease next = expected.map(l -> l.takenBy(id, instant())).orElseGet(() -> VmLease.first(name, id, instant()));
    Duration issued = localNow();
    busy.add(name);
    starting.add(name);
    int inc = incarnation;
    w.later(w.ioDelay(), "lease take " + name, () -> {
      SimDatastores.Swap r = w.datastores().swapLease(expected, next);
      w.onHost(this, inc, 0, "lease taken " + name + " " + r, () -> {
        busy.remove(name);
        starting.remove(name);
        if (r != SimDatastores.Swap.SWAPPED) {
          answer.accept(Optional.of("its lease could not be taken at " + id + ": " + r));
          return;
        }
        leases.put(name, new Held(next, issued));
        w.starting(from, id, name);
        running.put(name, vm);
        w.invariants().poweredOn();
        stopped.remove(name);
        w.trace(id, "started " + name + " for " + from);
        answer.accept(Optional.empty());
      });
    });
  }

  /** An operator's power-off, carried out here. */
  void powerOff(String vm) {
    stopVm(vm, "powered off by an operator");
    leases.remove(vm);
    stopped.remove(vm);
  }

  // ---- the election machine and its effects

  void electionIn(ElectionInput<String> in) {
    ElectionMachine.Step<String> s = ElectionMachine.step(election, in, electionConfig);
    election = s.state();
    carryOut(s.effects());
  }

  private void carryOut(List<ElectionEffect<String>> effects) {
    for (ElectionEffect<String> e : effects) carryOut(e);
  }

  private void carryOut(ElectionEffect<String> e) {
    if (e instanceof ElectionEffect.Emit<String> x) w.emit(id, x.event());
    else if (e instanceof ElectionEffect.Schedule<String> x) schedule(x.timer(), x.after(), false);
    else if (e instanceof ElectionEffect.Repeat<String> x) schedule(x.timer(), x.every(), true);
    else if (e instanceof ElectionEffect.Cancel<String> x) timers.merge(x.timer(), 1, Integer::sum);
    else if (e instanceof ElectionEffect.AskView<String>) {
      local("view", () -> electionIn(new ElectionInput.ViewRead<>(instant(), view)));
    } else if (e instanceof ElectionEffect.SendBallot<String> x) {
      for (SimHost p : others()) w.send(this, p, "ballot", () -> p.electionIn(
          new ElectionInput.BallotHeard<>(p.instant(), x.rank())));
    } else if (e instanceof ElectionEffect.SendMasterBeat<String> x) {
      for (SimHost p : others()) w.send(this, p, "master beat", () -> p.electionIn(
          new ElectionInput.MasterBeatHeard<>(p.instant(), x.rank(), id, x.list())));
    } else if (e instanceof ElectionEffect.ReportTo<String> x) {
      SimHost m = w.host(x.coordinator());
      w.send(this, m, "report", () -> m.masterIn(new MasterInput.Beat(x.report())));
    } else if (e instanceof ElectionEffect.ReportToOwn<String> x) {
      local("own report", () -> masterIn(new MasterInput.Beat(x.report())));
    } else if (e instanceof ElectionEffect.StartCoordinator<String> x) {
      startMaster(x.knownSilence(), x.replica());
    } else if (e instanceof ElectionEffect.StopCoordinator<String>) {
      master = Optional.empty();
      masterRun++;
    } else if (e instanceof ElectionEffect.PingIsolationAddress<String> x) {
      boolean ok = w.network().reachesGateway(id);
      w.onHost(this, ok ? 1 : after(x.timeout()), "isolation ping", () -> electionIn(
          new ElectionInput.IsolationPinged<>(instant(), x.address(), ok)));
    } else if (e instanceof ElectionEffect.ApplyIsolationResponse<String> x) {
      applyIsolationResponse(x.responseFor(settings::isolationResponseFor));
    } else if (e instanceof ElectionEffect.DeclareIsolated<String> x) {
      isolatedStopped = Optional.of(x.stopped());
    } else if (e instanceof ElectionEffect.ClearIsolationFlag<String>) {
      isolatedStopped = Optional.empty();
    }
    // Log and ReplyRole: nothing to carry out here
  }

  private void schedule(Timer t, Duration every, boolean repeat) {
    int gen = timers.merge(t, 1, Integer::sum);
    w.onHost(this, after(every), "timer " + t, () -> fire(t, gen, every, repeat));
  }

  private void fire(Timer t, int gen, Duration every, boolean repeat) {
    if (timers.get(t) != gen) return;
    if (repeat) w.onHost(this, after(every), "timer " + t, () -> fire(t, gen, every, repeat));
    int peers = 1 + (int) others().stream().filter(p -> p.heardBy(this)).count();
    if (peers != peersListed) {
      peersListed = peers;
      electionIn(new ElectionInput.PeersListed<>(instant(), peers));
    }
    electionIn(new ElectionInput.Fired<>(instant(), t, membership()));
  }

  private ElectionInput.Membership membership() {
    Set<String> hosts = new TreeSet<>();
    hosts.add(id);
    Map<String, String> ids = new TreeMap<>();
    for (SimHost h : w.hosts()) {
      ids.put(h.address, h.id);
      if (h != this && h.heardBy(this)) hosts.add(h.id);
    }
    return new ElectionInput.Membership(true, hosts, ids);
  }

  private void applyIsolationResponse(Function<String, IsolationResponse> responseFor) {
    List<VmSpec> stop = new ArrayList<>();
    List<VmSpec> kept = new ArrayList<>();
    for (VmSpec vm : running.values()) {
      (responseFor.apply(vm.name()) == IsolationResponse.LEAVE_POWERED_ON ? kept : stop).add(vm);
    }
    stop.forEach(vm -> {
      stopVm(vm.name(), "isolation response");
      leases.remove(vm.name());
    });
    local("isolation response", () -> electionIn(new ElectionInput.ResponseApplied<>(instant(), stop, kept,
        List.of())));
  }

  private List<SimHost> others() {
    return w.hosts().stream().filter(h -> h != this).toList();
  }

  /** A message within the agent: it arrives as its own event, after what is being done now. */
  private void local(String what, Runnable r) {
    w.onHost(this, 0, what, r);
  }

  // ---- the master machine and its effects

  private void startMaster(Map<String, Duration> knownSilence, Optional<dev.vmha.datastore.ProtectedList> replica) {
    masterConfig = new MasterConfig(id, settings, w.datastores().names(), replica);
    masterRun++;
    membersSeen.clear();
    restartsOut.clear();
    MasterMachine.Step first = MasterMachine.start(masterConfig, knownSilence);
    master = Optional.of(first.state());
    int run = masterRun;
    w.onHost(this, after(settings.failureDetectionInterval()), "master tick", () -> masterTick(run));
    // a subscription to the cluster's events brings its current state first, as Pekko's does
    members();
    carryOut(first.effects(), run);
  }

  private void masterTick(int run) {
    if (run != masterRun) return;
    w.onHost(this, after(settings.failureDetectionInterval()), "master tick", () -> masterTick(run));
    members();
    masterIn(new MasterInput.Tick());
  }

  /** The membership changes since the master last looked, as Pekko's cluster events tell them. */
  private void members() {
    for (SimHost p : others()) {
      Reachability r = p.heardBy(this) ? Reachability.REACHABLE
          : p.downed ? Reachability.REMOVED : Reachability.UNREACHABLE;
      if (membersSeen.put(p.id, r) == r) continue;
      String change = r == Reachability.REACHABLE ? "up" : r == Reachability.REMOVED ? "downed" : "unreachable";
      masterIn(new MasterInput.Membership(p.id, r, change, Optional.of(p.management), "pekko://vmha@" + p.address));
    }
  }

  void masterIn(MasterInput in) {
    if (master.isEmpty()) return;
    MasterMachine.Step s = MasterMachine.step(master.get(), in, instant(), masterConfig);
    master = Optional.of(s.state());
    w.invariants().masterStep(id, s.effects());
    carryOut(s.effects(), masterRun);
  }

  private void masterIn(int run, MasterInput in) {
    if (run == masterRun) masterIn(in);
  }

  Optional<MasterState> master() {
    return master;
  }

  private void carryOut(List<MasterEffect> effects, int run) {
    for (MasterEffect e : effects) carryOut(e, run);
  }

  private void carryOut(MasterEffect e, int run) {
    int inc = incarnation;
    if (e instanceof MasterEffect.Emit x) w.emit(id, x.event());
    else if (e instanceof MasterEffect.ReadView) {
      local("master view", () -> masterIn(run, new MasterInput.ViewRead(view)));
    } else if (e instanceof MasterEffect.ReadList) {
      w.later(w.ioDelay(), "list read", () -> {
        SimDatastores.ListCopy c = w.datastores().readList(w.datastores().names());
        w.onHost(this, inc, 0, "list read", () -> masterIn(run, new MasterInput.ListRead(c.newest(), c.failures())));
      });
    } else if (e instanceof MasterEffect.WriteList x) {
      w.later(w.ioDelay(), "list write v" + x.list().version(), () -> {
        List<String> failures = new ArrayList<>();
        for (String ds : x.datastores()) {
          SimDatastores.ListWrite r = w.datastores().writeList(ds, x.list());
          if (r == SimDatastores.ListWrite.WRITTEN) w.invariants().listWrite(id, ds);
          else if (r == SimDatastores.ListWrite.NOT_ANSWERING) failures.add(ds + ": not answering");
          else {
            w.trace(id, "list write refused: " + ds + " lock elsewhere");
            failures.add(ds + ": the list lock is another master's");
          }
        }
        w.onHost(this, inc, 0, "list written", () -> masterIn(run,
            new MasterInput.ListWritten(x.list().version(), x.datastores().size(), failures)));
      });
    } else if (e instanceof MasterEffect.WriteListLock x) {
      w.later(w.ioDelay(), "list lock write " + x.datastore(), () -> {
        SimDatastores.ListWrite r = w.datastores().writeListLock(x.datastore(), x.lock(), x.replacing());
        w.onHost(this, inc, 0, "list lock written", () -> masterIn(run, new MasterInput.LockWritten(x.datastore(),
            switch (r) {
              case WRITTEN -> Optional.empty();
              case NOT_ANSWERING -> Optional.of(x.datastore() + ": not answering");
              case LOCK_ELSEWHERE -> Optional.of(MasterInput.LockWritten.TAKEN);
            })));
      });
    } else if (e instanceof MasterEffect.Ping x) {
      SimHost p = w.host(x.host());
      boolean ok = x.target().isPresent() && p.powered && w.network().connected(id, p.id);
      w.onHost(this, ok ? 2 : after(x.timeout()), "ping " + x.host(), () -> masterIn(run,
          new MasterInput.Pinged(x.host(), ok)));
    } else if (e instanceof MasterEffect.Down x) {
      w.trace(id, "downs " + x.host() + ": " + x.why());
      w.host(x.host()).downed();
    } else if (e instanceof MasterEffect.PersistThenStart x) {
      restart(run, x);
    } else if (e instanceof MasterEffect.PowerOff x) {
      SimHost p = w.host(x.host());
      w.send(this, p, "power off " + x.vm(), () -> {
        p.powerOff(x.vm());
        w.send(p, this, "powered off " + x.vm(), () -> masterIn(run,
            new MasterInput.PoweredOff(x.request(), x.vm(), x.host(), Optional.empty())));
      });
    } else if (e instanceof MasterEffect.Plan x) {
      // computed at once, answered later, as the agent's planner answers off the master's step; a fixed delay: no
      // draw from the world's random source, so a seed's faults and I/O delays stay as they were
      CapacityPlan plan = CapacityPlan.of(x.cluster(), x.settings());
      w.onHost(this, inc, PLAN_DELAY_MS, "capacity plan v" + x.version(), () -> masterIn(run,
          new MasterInput.Planned(x.version(), plan)));
    } else if (e instanceof MasterEffect.ToElection x) {
      local("to election", () -> electionIn(x.notice() instanceof MasterNotice.ProtectedListChanged l
          ? new ElectionInput.ListChanged<>(instant(), l.list())
          : new ElectionInput.AllHostsSilent<>(instant(), ((MasterNotice.AllHostsSilent) x.notice()).hosts())));
    }
    // Log and Reply: nothing to carry out here
  }

  /**
   * One restart attempt, as the agent's restarter makes it: the decision recorded first, then the hosts tried in
   * order until one starts the VM; no answer within the power-on timeout is an unanswered attempt.
   */
  private void restart(int run, MasterEffect.PersistThenStart p) {
    p.decision().ifPresent(d -> w.emit(id, d));
    int attempt = ++restartAttempts;
    tryHost(run, attempt, p, 0);
    w.onHost(this, after(settings.powerOnTimeout()), "power-on timeout " + p.vm().name(), () -> {
      String host = restartsOut.remove(attempt);
      if (host != null) {
        masterIn(run, new MasterInput.Restarted(new RestartOutcome.Unanswered(p.vm(), host,
            "no answer within " + settings.powerOnTimeout().toMillis() + " ms")));
      }
    });
  }

  private void tryHost(int run, int attempt, MasterEffect.PersistThenStart p, int i) {
    SimHost target = w.host(p.hosts().get(i));
    restartsOut.put(attempt, target.id);
    w.send(this, target, "power on " + p.vm().name(), () -> target.powerOn(p.vm(), p.grant(), id,
        refusal -> w.send(target, this, "power-on answer " + p.vm().name(), () -> {
          if (!restartsOut.containsKey(attempt)) return;
          if (refusal.isEmpty()) {
            restartsOut.remove(attempt);
            masterIn(run, new MasterInput.Restarted(new RestartOutcome.Started(p.vm(), target.id)));
          } else if (i + 1 < p.hosts().size()) {
            tryHost(run, attempt, p, i + 1);
          } else {
            restartsOut.remove(attempt);
            masterIn(run, new MasterInput.Restarted(new RestartOutcome.Refused(p.vm(), refusal.get())));
          }
        })));
  }
}
