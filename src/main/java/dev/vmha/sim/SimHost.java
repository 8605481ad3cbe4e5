package dev.vmha.sim;

import dev.vmha.capacity.CapacityPlan;
import dev.vmha.classify.Reachability;
import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.HeartbeatConfig;
import dev.vmha.datastore.HeartbeatEffect;
import dev.vmha.datastore.HeartbeatInput;
import dev.vmha.datastore.HeartbeatMachine;
import dev.vmha.datastore.HeartbeatState;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
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
import dev.vmha.host.HostVmsEffect;
import dev.vmha.host.HostVmsInput;
import dev.vmha.host.HostVmsMachine;
import dev.vmha.host.HostVmsState;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.FenceConfig;
import dev.vmha.isolation.FenceEffect;
import dev.vmha.isolation.FenceInput;
import dev.vmha.isolation.FenceMachine;
import dev.vmha.isolation.FenceState;
import dev.vmha.isolation.MajorityRecord;
import dev.vmha.isolation.ResponseMachine;
import dev.vmha.lease.LeaseConfig;
import dev.vmha.lease.LeaseEffect;
import dev.vmha.lease.LeaseInput;
import dev.vmha.lease.LeaseMachine;
import dev.vmha.lease.LeaseState;
import dev.vmha.master.MasterConfig;
import dev.vmha.master.MasterEffect;
import dev.vmha.master.MasterInput;
import dev.vmha.master.MasterMachine;
import dev.vmha.master.MasterNotice;
import dev.vmha.master.MasterState;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.timing.StallWatch;
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

/**
 * One simulated host: its hypervisor (the VMs powered on here), its watchdog process, and its agent — the real
 * machines the agent's actors are shells of: the {@link ElectionMachine}, while this host is master the
 * {@link MasterMachine}, the datastore heartbeat ({@link HeartbeatMachine}), the leases ({@link LeaseMachine}), the VM
 * keeper ({@link HostVmsMachine}), the self-fence ({@link FenceMachine}) and each isolation response
 * ({@link ResponseMachine}). This class is their shell here: it feeds them the simulated clock, network, datastores
 * and hypervisor, and carries out their effects through the {@link Simulation}'s event queue — datastore I/O after
 * {@link Simulation#ioDelay}, hypervisor calls at once and answered as the agent's next event, a message between
 * actors as an event of its own.
 */
final class SimHost {
  /** How long a capacity planning run takes here (global ms). */
  private static final long PLAN_DELAY_MS = 50;

  /** Who a power-on or power-off at this host answers: the master that asked, and how the answer travels back. */
  record Asker(String master, Consumer<Optional<String>> answer) {}

  private final Simulation w;
  final String id;
  final String address;
  final PingTarget management;
  final HaSettings settings;
  private final HeartbeatConfig heartbeatConfig;
  private final LeaseConfig leaseConfig;
  private final FenceConfig fenceConfig;
  /**
   * Every host's id by its cluster address, every host's id, and the hosts other than this one in id order: set at
   * boot, when the world has made every host (asked for on every tick and timer, they stay so for the whole run).
   */
  private Map<String, String> idsByAddress = Map.of();
  private Set<String> memberIds = Set.of();
  private List<SimHost> others = List.of();

  // the machine: its hypervisor and its watchdog process, which runs apart from the agent
  private boolean powered = true;
  private final Map<String, VmSpec> running = new TreeMap<>();
  private boolean watchdogArmed;
  /** When (global ms) the agent last petted the watchdog. */
  private long lastPet;
  /** The host's disk: the self-fence's {@link MajorityRecord} outlives agents and power losses, as its file does. */
  private Optional<MajorityRecord> majorityRecord = Optional.empty();
  /**
   * The host's disk, without datastores: the protected list its masters wrote before their restarts' power-ons, or
   * the last replica it stored as a slave ({@link dev.vmha.datastore.HostListFile}); outlives agents and power losses.
   */
  private Optional<ProtectedList> listOnDisk = Optional.empty();
  /**
   * The host's disk, without datastores: the epoch this host last promised, and to which master; outlives agents and
   * power losses.
   */
  private ListPromise promiseOnDisk = ListPromise.NONE;
  private static final long PROMISE_STORE_MS = 100;
  /** Whether the disk refuses the list's writes ({@link Fault.ListWriteFails}). */
  private boolean listWritesFail;

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
  private HeartbeatState<Void> heartbeat;
  private LeaseState<HostVmsInput.PowerOn<Asker>> leases;
  private HostVmsState vms;
  private FenceState fence;
  /** Whether this incarnation armed the watchdog (its power-on file says so from then on). */
  private boolean armedHere;
  /** What the election's, the master's and the VM keeper's shells see of a freeze: the gap since their last input. */
  private StallWatch electionStall;
  private StallWatch masterStall;
  private StallWatch vmsStall;

  SimHost(Simulation w, String id, int port, HaSettings settings) {
    this.w = w;
    this.id = id;
    this.address = "127.0.0.1:" + port;
    this.management = new PingTarget("127.0.0.1", port);
    this.settings = settings;
    Duration interval = settings.failureDetectionInterval();
    List<String> datastores = w.datastores().names();
    this.heartbeatConfig = new HeartbeatConfig(id, settings.heartbeatDsPerHost(), interval, datastores);
    this.leaseConfig = new LeaseConfig(id, w.datastores().leaseDatastore(), settings.leaseTiming());
    this.fenceConfig = new FenceConfig(id, !datastores.isEmpty(), interval, settings.hostTimeout());
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

  /** The newest protected list the agent holds (its own as master, else from a master's heartbeats). */
  Optional<ProtectedList> list() {
    return agentUp ? election.list() : Optional.empty();
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

  /**
   * The host starts with these VMs running (their leases on the datastore name it: its agent adopts them); its first
   * agent holds {@code list} as if from a master's heartbeats (without datastores the list's only copies).
   */
  void boot(List<VmSpec> vms, Optional<ProtectedList> list) {
    Map<String, String> ids = new TreeMap<>();
    for (SimHost h : w.hosts()) ids.put(h.address, h.id);
    idsByAddress = Map.copyOf(ids);
    memberIds = Set.copyOf(ids.values());
    others = w.hosts().stream().filter(h -> h != this).toList();
    vms.forEach(v -> running.put(v.name(), v));
    startAgent();
    // a new host's disk holds no promise: known at once, so the first agent holds the list it is given
    if (!fenceConfig.datastoresConfigured()) electionIn(new ElectionInput.PromiseOnDisk<>(instant(), ListPromise.NONE));
    list.ifPresent(l -> electionIn(new ElectionInput.ListChanged<>(instant(), l)));
    w.later(after(settings.failureDetectionInterval()), "watchdog", this::watchdog);
  }

  void powerLoss() {
    if (!powered) return;
    w.trace(id, "power lost with " + running.keySet());
    powered = false;
    running.clear();
    watchdogArmed = false;
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

  void listWritesFail(boolean on) {
    listWritesFail = on;
    w.trace(id, on ? "disk refuses list writes" : "disk takes list writes again");
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

  /**
   * A new agent: its machines start from nothing and tick every interval, as their actors do (the heartbeat and the
   * VM poll at once, the leases and the fence from the next interval on: one event per interval, in that order),
   * from a phase of its own so that hosts do not run in lockstep.
   */
  private void startAgent() {
    agentUp = true;
    downed = false;
    incarnation++;
    timers.clear();
    peersListed = 0;
    master = Optional.empty();
    restartsOut.clear();
    heartbeat = HeartbeatState.initial(w.datastores().names());
    leases = LeaseState.initial();
    vms = HostVmsState.initial();
    vmsStall = stallWatch();
    fence = FenceState.initial(id);
    armedHere = false;
    if (!fenceConfig.datastoresConfigured()) {
      w.onHost(this, w.ioDelay(), "majority record read", () -> fenceIn(new FenceInput.RecordRead(instant(),
          majorityRecord)));
    }
    electionConfig = ElectionConfig.of(settings, instant());
    electionStall = stallWatch();
    ElectionMachine.Step<String> first = ElectionMachine.start(electionConfig);
    election = first.state();
    carryOut(first.effects());
    if (!fenceConfig.datastoresConfigured()) {
      w.onHost(this, w.ioDelay(), "protected list read from disk", () -> {
        electionIn(new ElectionInput.PromiseOnDisk<>(instant(), promiseOnDisk));
        listOnDisk.ifPresent(l -> electionIn(new ElectionInput.DiskListRead<>(instant(), l)));
      });
    }
    long phase = (long) (w.random().nextDouble() * settings.failureDetectionInterval().toMillis());
    w.onHost(this, phase, "agent tick", () -> tick(true));
  }

  /** The agent's timers, every interval (the lease renewal interval is the failure detection interval). */
  private void tick(boolean first) {
    w.onHost(this, after(settings.failureDetectionInterval()), "agent tick", () -> tick(false));
    if (downed && others.stream().anyMatch(o -> o.heardBy(this))) {
      agentRestart("downed by the master: this incarnation cannot rejoin");
      return;
    }
    heartbeatIn(new HeartbeatInput.Tick<>(instant()));
    vmsIn(new HostVmsInput.PollDue<>(instant()));
    if (first) return;
    leaseIn(new LeaseInput.Tick<>(instant()));
    fenceTick();
  }

  /** On the simulated clock: a frozen agent's inputs wait for the thaw ({@link Simulation#onHost}). */
  private StallWatch stallWatch() {
    return new StallWatch(settings.failureDetectionInterval(), () -> w.clock().now() * 1_000_000);
  }

    private Instant instant() {
    return w.clock().instant(id);
  }

  private long after(Duration local) {
    return w.clock().globalDelay(id, local);
  }

  // ---- the hypervisor: each call done at once, answered as the agent's next event

  private void powerOnHere(VmSpec vm, String master) {
    w.starting(master, id, vm.name());
    running.put(vm.name(), vm);
    w.invariants().poweredOn();
    w.trace(id, "started " + vm.name() + " for " + master);
  }

  private void powerOffHere(String vm, String why) {
    if (running.remove(vm) != null) w.trace(id, "stopped " + vm + ": " + why);
  }

  /**
   * The host's watchdog process, every interval whatever the agent does: armed and unpetted for its timeout, it
   * stops every VM here (as the process watchdog kills the VM processes). An agent restarted within the timeout
   * re-arms it in time.
   */
  private void watchdog() {
    long period = after(settings.failureDetectionInterval());
    long due = lastPet + after(settings.watchdog().timeout()) - w.clock().now();
    // checks that cannot fire are skipped: the next one is the first on its grid at or after the timeout
    w.later(watchdogArmed && due > period ? (due + period - 1) / period * period : period, "watchdog",
        this::watchdog);
    if (!powered || !watchdogArmed || due > 0) return;
    List<String> names = List.copyOf(running.keySet());
    lastPet = w.clock().now();
    if (names.isEmpty()) return;
    names.forEach(vm -> powerOffHere(vm, "the watchdog fired"));
    w.emit(id, new HaEvent.WatchdogFired(instant(), id, settings.watchdog().type(), names,
        "not petted for " + settings.watchdog().timeout().toMillis() + " ms"));
  }

  /**
   * The agent's watchdog shell on a lease round, as {@link dev.vmha.watchdog.Watchdog} does: armed once the leases
   * found at start are settled, petted while every lease was renewed within the pet deadline.
   */
  private void leasesRenewed(boolean settled, Duration longestUnrenewed) {
    if (!settings.leaseTiming().mayPet(longestUnrenewed) || !armedHere && !settled) return;
    if (!armedHere) {
      armedHere = true;
      w.emit(id, new HaEvent.WatchdogArmed(instant(), id, settings.watchdog().type(), settings.watchdog().timeout()));
      local("watchdog armed", () -> heartbeatIn(new HeartbeatInput.LocalWatchdog<>(instant(), WatchdogFlag.ARMED,
          Optional.empty())));
    }
    watchdogArmed = true;
    lastPet = w.clock().now();
  }

  // ---- the datastore heartbeat

  private void heartbeatIn(HeartbeatInput<Void> in) {
    HeartbeatMachine.Step<Void> s = HeartbeatMachine.step(heartbeat, in, heartbeatConfig);
    heartbeat = s.state();
    for (HeartbeatEffect<Void> e : s.effects()) {
      if (e instanceof HeartbeatEffect.Round<Void> r) round(r);
      else if (e instanceof HeartbeatEffect.Emit<Void> x) w.emit(id, x.event());
      // Written: nobody waits for the watchdog's flag here (no clean agent stop in the simulation)
    }
  }

  /** A round's I/O, landing at once on every datastore: scan each, write the heartbeat where the round says. */
  private void round(HeartbeatEffect.Round<Void> r) {
    int inc = incarnation;
    w.later(w.ioDelay(), "heartbeat round " + r.counter(), () -> {
      Map<String, DatastoreScan> scans = new TreeMap<>();
      Map<String, String> failures = new TreeMap<>();
      boolean wrote = false;
      for (String ds : w.datastores().names()) {
        if (!w.datastores().answers(ds)) {
          failures.put(ds, "not answering");
          continue;
        }
        scans.put(ds, w.datastores().scan(ds));
        if (r.writeTo().contains(ds)) {
          w.datastores().writeHeartbeat(ds, new HostHeartbeat(id, r.counter(), instant(), address), r.powerOn());
          wrote = true;
        }
      }
      boolean written = wrote;
      w.onHost(this, inc, 0, "heartbeat round done", () -> heartbeatIn(new HeartbeatInput.RoundDone<>(instant(),
          scans, failures, written)));
    });
  }

  // ---- the leases

  private void leaseIn(LeaseInput<HostVmsInput.PowerOn<Asker>> in) {
    LeaseMachine.Step<HostVmsInput.PowerOn<Asker>> s = LeaseMachine.step(leases, in, leaseConfig);
    leases = s.state();
    s.effects().forEach(this::carryOut);
  }

  private void carryOut(LeaseEffect<HostVmsInput.PowerOn<Asker>> e) {
    int inc = incarnation;
    SimDatastores ds = w.datastores();
    if (e instanceof LeaseEffect.Reply<HostVmsInput.PowerOn<Asker>> r) {
      local("lease answer " + r.vm(), () -> vmsIn(new HostVmsInput.LeaseTaken<>(instant(), r.to(), r.ok(),
          r.reason())));
    } else if (e instanceof LeaseEffect.Swap<HostVmsInput.PowerOn<Asker>> x) {
      w.later(w.ioDelay(), "lease swap " + x.vm(), () -> {
        LeaseInput.Written r = ds.swapLease(x.expected(), x.next());
        w.onHost(this, inc, 0, "lease swapped " + x.vm(), () -> leaseIn(new LeaseInput.Swapped<>(instant(), x, r)));
      });
    } else if (e instanceof LeaseEffect.Read<HostVmsInput.PowerOn<Asker>> x) {
      w.later(w.ioDelay(), "lease read " + x.vm(), () -> {
        Optional<String> failure = ds.leaseUnreadable(x.vm());
        Optional<VmLease> l = failure.isPresent() ? Optional.empty() : ds.lease(x.vm());
        w.onHost(this, inc, 0, "lease found " + x.vm(), () -> leaseIn(new LeaseInput.Found<>(instant(), x, l,
            failure)));
      });
    } else if (e instanceof LeaseEffect.Repair<HostVmsInput.PowerOn<Asker>> x) {
      w.later(w.ioDelay(), "lease repair " + x.vm(), () -> {
        LeaseInput.Written r = ds.repairLease(x.next());
        w.onHost(this, inc, 0, "lease repaired " + x.vm(), () -> leaseIn(new LeaseInput.Repaired<>(instant(), x,
            r)));
      });
    } else if (e instanceof LeaseEffect.Release<HostVmsInput.PowerOn<Asker>> x) {
      w.later(w.ioDelay(), "lease release " + x.lease().vm(), () -> ds.releaseLease(x.lease()));
    } else if (e instanceof LeaseEffect.Fence<HostVmsInput.PowerOn<Asker>> f) {
      local("lease lost " + f.vm(), () -> vmsIn(new HostVmsInput.LeaseLost<>(instant(), f.vm(), f.why())));
    } else if (e instanceof LeaseEffect.Emit<HostVmsInput.PowerOn<Asker>> x) {
      w.emit(id, x.event());
    } else if (e instanceof LeaseEffect.Warn<HostVmsInput.PowerOn<Asker>> x) {
      w.trace(id, "warning: " + x.message());
    } else if (e instanceof LeaseEffect.ReportRenewal<HostVmsInput.PowerOn<Asker>> r) {
      leasesRenewed(r.settled(), r.longestUnrenewed());
    } else if (e instanceof LeaseEffect.ReleaseAnswered<HostVmsInput.PowerOn<Asker>>) {
      throw new IllegalStateException("no VM migrates in the simulation");
    }
  }

  // ---- the VM keeper

  /** A restart request from the master at {@code from}: {@code answer} gets empty once the VM runs here, else why. */
  void powerOn(VmSpec vm, Optional<VmLease> grant, String from, Consumer<Optional<String>> answer) {
    vmsIn(new HostVmsInput.PowerOn<>(instant(), vm, grant, new Asker(from, answer)));
  }

  /** An operator's power-off, asked by the master at {@code from}. */
  void powerOff(String vm, String from, Consumer<Optional<String>> answer) {
    vmsIn(new HostVmsInput.PowerOff<>(instant(), vm, new Asker(from, answer)));
  }

  private void vmsIn(HostVmsInput<Asker> in) {
    vmsStall.idle().ifPresent(idle -> vmsStep(new HostVmsInput.Stalled<>(instant(), idle,
        settings.detectionTiming().slaveStall())));
    vmsStep(in);
  }

  private void vmsStep(HostVmsInput<Asker> in) {
    HostVmsMachine.Step<Asker> s = HostVmsMachine.step(vms, in, id);
    vms = s.state();
    s.effects().forEach(this::carryOut);
  }

  private void carryOut(HostVmsEffect<Asker> e) {
    if (e instanceof HostVmsEffect.ListVms<Asker> l) {
      List<VmSpec> on = List.copyOf(running.values());
      local("vms listed", () -> vmsIn(new HostVmsInput.Polled<>(instant(), l.seq(), on)));
    } else if (e instanceof HostVmsEffect.PollNow<Asker>) {
      local("poll now", () -> vmsIn(new HostVmsInput.PollDue<>(instant())));
    } else if (e instanceof HostVmsEffect.TakeLease<Asker> t) {
      HostVmsInput.PowerOn<Asker> r = t.request();
      local("take lease " + r.vm().name(), () -> leaseIn(new LeaseInput.Take<>(instant(), r.vm().name(), r.grant(),
          r)));
    } else if (e instanceof HostVmsEffect.PowerOnVm<Asker> p) {
      if (p.request().image().isPresent()) throw new IllegalStateException("no VM migrates in the simulation");
      // as the real hypervisors (InMemoryHypervisor, ProcessHypervisor): a VM already on here is not powered on again
      Optional<String> failure = running.containsKey(p.request().vm().name())
          ? Optional.of(p.request().vm().name() + " is already on at " + id) : Optional.empty();
      if (failure.isEmpty()) powerOnHere(p.request().vm(), p.request().replyTo().master());
      local("powered on " + p.request().vm().name(), () -> vmsIn(new HostVmsInput.PoweredOn<>(instant(), p.request(),
          failure)));
    } else if (e instanceof HostVmsEffect.PowerOffVm<Asker> p) {
      powerOffHere(p.request().vm(), "powered off by an operator");
      local("powered off " + p.request().vm(), () -> vmsIn(new HostVmsInput.PoweredOff<>(instant(), p.request(),
          Optional.empty())));
    } else if (e instanceof HostVmsEffect.ForceOff<Asker> f) {
      powerOffHere(f.vm(), "forced off");
      local("forced off " + f.vm(), () -> vmsIn(new HostVmsInput.ForcedOff<>(instant(), f.vm(), Optional.empty())));
    } else if (e instanceof HostVmsEffect.Reply<Asker> r) {
      r.to().answer().accept(r.ok() ? Optional.empty() : Optional.of(r.error().orElse("refused")));
    } else if (e instanceof HostVmsEffect.Emit<Asker> x) {
      w.emit(id, x.event());
    } else if (e instanceof HostVmsEffect.Warn<Asker> x) {
      w.trace(id, "warning: " + x.message());
    } else if (e instanceof HostVmsEffect.LeasesRunning<Asker> l) {
      leaseIn(new LeaseInput.Running<>(instant(), l.vms())); // another machine: told at once, as cheaper than an event
    } else if (e instanceof HostVmsEffect.Report<Asker> r) {
      HostReport report = new HostReport(id, management, settings.hostMemoryMb(), settings.hostCpus(), r.poweredOn(),
          null, r.fenced(), r.stopped(), r.starting(), r.seq());
      electionIn(new ElectionInput.Reported<>(instant(), report));
      heartbeatIn(new HeartbeatInput.LocalVms<>(instant(), r.poweredOn()));
    } else {
      throw new IllegalStateException("no VM migrates in the simulation: " + e);
    }
  }

  // ---- the self-fence and the isolation response

  private void fenceTick() {
    Set<String> heard = new TreeSet<>(List.of(id));
    for (SimHost h : others) if (h.heardBy(this)) heard.add(h.id);
    fenceIn(new FenceInput.Tick(instant(), memberIds, heard));
  }

  private void fenceIn(FenceInput in) {
    FenceMachine.Step s = FenceMachine.step(fence, in, fenceConfig);
    fence = s.state();
    for (FenceEffect e : s.effects()) {
      if (e instanceof FenceEffect.AskView) {
        fenceIn(new FenceInput.ViewRead(instant(), heartbeat.view().lastOwnWrite())); // it has no effects
      } else if (e instanceof FenceEffect.Fence f) {
        local("fence", () -> {
          vmsIn(new HostVmsInput.Fencing<>(instant(), f.reason()));
          Duration interval = settings.failureDetectionInterval();
          new Response(new ResponseMachine.Config(vm -> IsolationResponse.POWER_OFF, interval, interval),
              r -> local("fenced", () -> fenceIn(new FenceInput.Fenced(instant(), f.reason(),
                  r.stopped().stream().map(VmSpec::name).toList()))));
        });
      } else if (e instanceof FenceEffect.Unfence) {
        local("unfence", () -> vmsIn(new HostVmsInput.Unfence<>(instant())));
      } else if (e instanceof FenceEffect.WriteRecord x) {
        // a write still in flight when its agent dies is lost (the older record stays: the next agent fences sooner)
        w.onHost(this, w.ioDelay(), "majority record written", () -> majorityRecord = Optional.of(x.record()));
      } else if (e instanceof FenceEffect.Emit x) {
        w.emit(id, x.event());
      }
    }
  }

  /**
   * One run of a {@link ResponseMachine} at this host, as {@link dev.vmha.isolation.IsolationResponder} carries it
   * out: its state, its timers (a generation: cancelling them all starts a new one), and who gets the outcome.
   */
  private final class Response {
    private final int inc = incarnation;
    private final ResponseMachine.Config config;
    private final Consumer<ResponseMachine.Effect.Reply> done;
    private ResponseMachine.State state;
    private int timers;

    Response(ResponseMachine.Config config, Consumer<ResponseMachine.Effect.Reply> done) {
      this.config = config;
      this.done = done;
      carryOut(ResponseMachine.start());
    }

    private void in(ResponseMachine.Input input) {
      carryOut(ResponseMachine.step(state, input, config));
    }

    private void carryOut(ResponseMachine.Step step) {
      state = step.state();
      for (ResponseMachine.Effect e : step.effects()) {
        if (e instanceof ResponseMachine.Effect.ListVms l) {
          List<VmSpec> on = List.copyOf(running.values());
          later(0, "response listed", () -> in(new ResponseMachine.Input.Listed(l.listing(), on, Optional.empty())));
        } else if (e instanceof ResponseMachine.Effect.PowerOff p) {
          powerOffHere(p.vm(), "isolation response");
          later(0, "response powered off " + p.vm(), () -> in(new ResponseMachine.Input.PoweredOff(p.vm(),
              Optional.empty())));
        } else if (e instanceof ResponseMachine.Effect.ShutdownGuest g) {
          powerOffHere(g.vm(), "its guest shut down (isolation response)");
        } else if (e instanceof ResponseMachine.Effect.Repeat r) {
          fire(r.timer(), r.every(), true, timers);
        } else if (e instanceof ResponseMachine.Effect.Schedule r) {
          fire(r.timer(), r.after(), false, timers);
        } else if (e instanceof ResponseMachine.Effect.CancelTimers) {
          timers++;
        } else if (e instanceof ResponseMachine.Effect.Reply r) {
          done.accept(r);
        }
      }
    }

    private void fire(ResponseMachine.Timer t, Duration after, boolean repeat, int gen) {
      later(after(after), "response timer " + t, () -> {
        if (gen != timers) return;
        if (repeat) fire(t, after, true, gen);
        in(new ResponseMachine.Input.Fired(t));
      });
    }

    private void later(long delay, String what, Runnable r) {
      w.onHost(SimHost.this, inc, delay, what, r);
    }
  }

  // ---- the election machine and its effects

  void electionIn(ElectionInput<String> in) {
    electionStall.idle().ifPresent(idle -> electionStep(new ElectionInput.Stalled<>(instant(), idle)));
    electionStep(in);
  }

  private void electionStep(ElectionInput<String> in) {
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
      local("view", () -> electionIn(new ElectionInput.ViewRead<>(instant(), heartbeat.view())));
    } else if (e instanceof ElectionEffect.SendBallot<String> x) {
      for (SimHost p : others) w.send(this, p, "ballot", () -> p.electionIn(
          new ElectionInput.BallotHeard<>(p.instant(), x.rank())));
    } else if (e instanceof ElectionEffect.RelayBeat<String> x) {
      SimHost p = w.host(x.to());
      ElectionInput.MasterBeatHeard<String> b = x.beat();
      w.send(this, p, "relayed beat of " + b.master().hostId(), () -> p.electionIn(
          new ElectionInput.MasterBeatHeard<>(p.instant(), b.master(), b.coordinator(), b.list(), b.side(),
              b.proposal())));
    } else if (e instanceof ElectionEffect.SendMasterBeat<String> x) {
      for (SimHost p : others) w.send(this, p, "master beat", () -> p.electionIn(
          new ElectionInput.MasterBeatHeard<>(p.instant(), x.rank(), id, x.list(), x.side(), x.proposal())));
    } else if (e instanceof ElectionEffect.ReportTo<String> x) {
      SimHost m = w.host(x.coordinator());
      w.send(this, m, "report", () -> m.masterIn(new MasterInput.Beat(x.report(), x.replica(), x.holds(),
          x.promise())));
    } else if (e instanceof ElectionEffect.StoreReplica<String> x) {
      storeReplica(x.list());
    } else if (e instanceof ElectionEffect.StorePromise<String> x) {
      // a fixed delay, the mean of ioDelay's: no draw from the run's random, so the faults' timings stay those of the
      // seeds and hand-built cases found before promises
      w.onHost(this, PROMISE_STORE_MS, "promise stored to disk: epoch " + x.promise().epoch(), () -> {
        promiseOnDisk = promiseOnDisk.later(x.promise());
        electionIn(new ElectionInput.PromiseOnDisk<>(instant(), promiseOnDisk));
      });
    } else if (e instanceof ElectionEffect.ReportToOwn<String> x) {
      local("own report", () -> masterIn(new MasterInput.Beat(x.report(), Optional.empty(), Optional.empty(),
          x.promise())));
    } else if (e instanceof ElectionEffect.StartCoordinator<String> x) {
      startMaster(x.knownSilence(), x.replica());
    } else if (e instanceof ElectionEffect.StopCoordinator<String>) {
      master = Optional.empty();
      masterRun++;
      // the real restarters are the coordinator's children and stop with it: no host is tried after a step-down
      restartsOut.clear();
    } else if (e instanceof ElectionEffect.PingIsolationAddress<String> x) {
      boolean ok = w.network().reachesGateway(id);
      w.onHost(this, ok ? 1 : after(x.timeout()), "isolation ping", () -> electionIn(
          new ElectionInput.IsolationPinged<>(instant(), x.address(), ok)));
    } else if (e instanceof ElectionEffect.ApplyIsolationResponse<String> x) {
      local("isolation response", () -> {
        vmsIn(new HostVmsInput.Isolating<>(instant()));
        new Response(new ResponseMachine.Config(x.responseFor(settings::isolationResponseFor),
            settings.isolationShutdownTimeout(), settings.failureDetectionInterval()), r -> local(
                "isolation response applied", () -> electionIn(new ElectionInput.ResponseApplied<>(instant(),
                    r.stopped(), r.keptRunning(), r.failures()))));
      });
    } else if (e instanceof ElectionEffect.DeclareIsolated<String> x) {
      local("declare isolated", () -> heartbeatIn(new HeartbeatInput.DeclareIsolated<>(instant(), x.stopped())));
    } else if (e instanceof ElectionEffect.ClearIsolationFlag<String>) {
      local("clear isolation", () -> heartbeatIn(new HeartbeatInput.ClearIsolation<>(instant())));
    } else if (e instanceof ElectionEffect.CountedByMaster<String> x) {
      // the agent's own message to its self-fence: no network, and nothing the fence machine does at once
      fenceIn(new FenceInput.CountedByMaster(instant(), x.master(), x.counted()));
    }
    // Log and ReplyRole: nothing to carry out here
  }

  /**
   * A replica stored on the disk as {@link dev.vmha.datastore.HostListFile#keep} does: unless the list there is newer
   * or the same; lost if its agent dies first.
   */
  private void storeReplica(ProtectedList l) {
    w.onHost(this, w.ioDelay(), "replica stored to disk v" + l.version(), () -> {
      if (listWritesFail) {
        electionIn(new ElectionInput.ReplicaNotStored<>(instant()));
        return;
      }
      if (listOnDisk.isEmpty() || l.replaces(listOnDisk.get())) {
        listOnDisk = Optional.of(l);
      }
      electionIn(new ElectionInput.ReplicaStored<>(instant(), listOnDisk.get()));
    });
  }

  private void schedule(Timer t, Duration every, boolean repeat) {
    int gen = timers.merge(t, 1, Integer::sum);
    w.onHost(this, after(every), "timer " + t, () -> fire(t, gen, every, repeat));
  }

  private void fire(Timer t, int gen, Duration every, boolean repeat) {
    if (timers.get(t) != gen) return;
    if (repeat) w.onHost(this, after(every), "timer " + t, () -> fire(t, gen, every, repeat));
    int peers = 1 + (int) others.stream().filter(p -> p.heardBy(this)).count();
    if (peers != peersListed) {
      peersListed = peers;
      electionIn(new ElectionInput.PeersListed<>(instant(), peers));
    }
    electionIn(new ElectionInput.Fired<>(instant(), t, membership()));
  }

  private ElectionInput.Membership membership() {
    Set<String> hosts = new TreeSet<>();
    Set<String> unreachable = new TreeSet<>();
    hosts.add(id);
    for (SimHost h : others) {
      if (h.heardBy(this)) hosts.add(h.id);
      else if (h.agentUp && !h.downed) unreachable.add(h.id); // a member, frozen or cut off from here
    }
    return new ElectionInput.Membership(true, hosts, unreachable, idsByAddress);
  }

  /** A message within the agent: it arrives as its own event, after what is being done now. */
  private void local(String what, Runnable r) {
    w.onHost(this, 0, what, r);
  }

  // ---- the master machine and its effects

  private void startMaster(Map<String, Duration> knownSilence, Optional<ProtectedList> replica) {
    masterConfig = new MasterConfig(id, settings, w.datastores().names(), replica);
    masterRun++;
    membersSeen.clear();
    restartsOut.clear();
    masterStall = stallWatch();
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
    for (SimHost p : others) {
      Reachability r = p.heardBy(this) ? Reachability.REACHABLE
          : p.downed ? Reachability.REMOVED : Reachability.UNREACHABLE;
      if (membersSeen.put(p.id, r) == r) continue;
      String change = r == Reachability.REACHABLE ? "up" : r == Reachability.REMOVED ? "downed" : "unreachable";
      masterIn(new MasterInput.Membership(p.id, r, change, Optional.of(p.management), "pekko://vmha@" + p.address));
    }
  }

  void masterIn(MasterInput in) {
    if (master.isEmpty()) return;
    masterStall.idle().ifPresent(idle -> masterStep(new MasterInput.Stalled(idle)));
    masterStep(in);
  }

  private void masterStep(MasterInput in) {
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
      local("master view", () -> masterIn(run, new MasterInput.ViewRead(heartbeat.view())));
    } else if (e instanceof MasterEffect.ReadList) {
      w.later(w.ioDelay(), "list read", () -> {
        SimDatastores.ListCopy c = w.datastores().readList(w.datastores().names());
        w.onHost(this, inc, 0, "list read", () -> masterIn(run, new MasterInput.ListRead(c.newest(), c.failures())));
      });
    } else if (e instanceof MasterEffect.WriteList x && w.datastores().names().isEmpty()) {
      // a write still in flight when its agent dies is lost; the real file's writes run in order: an older list
      // answered late never replaces a newer one
      w.onHost(this, inc, w.ioDelay(), "list written to disk v" + x.list().version(), () -> {
        if (listWritesFail) {
          masterIn(run, new MasterInput.ListWritten(x.list().version(), 0, List.of("this host's disk: cannot write"
              + " protected-list: java.io.IOException: No space left on device")));
          return;
        }
        if (listOnDisk.isEmpty() || listOnDisk.get().version() <= x.list().version()) {
          listOnDisk = Optional.of(x.list());
        }
        masterIn(run, new MasterInput.ListWritten(x.list().version(), 0, List.of()));
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
      boolean ok = x.target().isPresent() && p.powered && w.network().pings(id, p.id);
      w.onHost(this, ok ? 2 : after(x.timeout()), "ping " + x.host(), () -> masterIn(run,
          new MasterInput.Pinged(x.host(), ok)));
    } else if (e instanceof MasterEffect.Down x) {
      w.trace(id, "downs " + x.host() + ": " + x.why());
      w.host(x.host()).downed();
    } else if (e instanceof MasterEffect.PersistThenStart x) {
      restart(run, x);
    } else if (e instanceof MasterEffect.PowerOff x) {
      SimHost p = w.host(x.host());
      w.send(this, p, "power off " + x.vm(), () -> p.powerOff(x.vm(), id, failure -> w.send(p, this,
          "powered off " + x.vm(), () -> masterIn(run, new MasterInput.PoweredOff(x.request(), x.vm(), x.host(),
              failure)))));
    } else if (e instanceof MasterEffect.Plan x) {
      // computed at once, answered later, as the agent's planner answers off the master's step; a fixed delay: no
      // draw from the world's random source, so a seed's faults and I/O delays stay as they were
      CapacityPlan plan = CapacityPlan.of(x.cluster(), x.settings());
      w.onHost(this, inc, PLAN_DELAY_MS, "capacity plan v" + x.version(), () -> masterIn(run,
          new MasterInput.Planned(x.version(), plan)));
    } else if (e instanceof MasterEffect.ToElection x) {
      local("to election", () -> electionIn(x.notice() instanceof MasterNotice.ProtectedListChanged l
          ? new ElectionInput.ListChanged<>(instant(), l.list())
          : x.notice() instanceof MasterNotice.Proposing p ? new ElectionInput.Proposing<String>(instant(), p.epoch())
          : x.notice() instanceof MasterNotice.Side side ? new ElectionInput.SideChanged<String>(instant(), side.heard(),
              side.outnumbered())
          : x.notice() instanceof MasterNotice.Stalled st ? new ElectionInput.Stalled<String>(instant(), st.idle())
          : new ElectionInput.AllHostsSilent<>(instant(), ((MasterNotice.AllHostsSilent) x.notice()).hosts())));
    } else if (e instanceof MasterEffect.Reply x) {
      w.trace(id, "answers request " + x.request().value() + ": " + x.message());
    } else if (e instanceof MasterEffect.Migrate) {
      throw new IllegalStateException("no VM migrates in the simulation: no maintenance or move is asked");
    }
    // Log: nothing to carry out here
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
