package dev.vmha.master;

import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.classify.DetectionTiming;
import dev.vmha.classify.DowningRule;
import dev.vmha.classify.Evidence;
import dev.vmha.classify.HostClassifier;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.LocalMessage;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockRule;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.DecisionLog;
import dev.vmha.history.HaEvent;
import dev.vmha.isolation.MajorityRule;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import dev.vmha.datastore.VmLease;
import dev.vmha.host.HostVms;
import dev.vmha.host.StoppedVm;
import dev.vmha.lease.LeaseRule;
import dev.vmha.restart.Dependencies;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.VmRestarter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The master's work (seed 000 cases 1 and 3): owns the protected list, tracks every host's heartbeats and Pekko
 * membership, investigates a host silent for {@code hostTimeout} (ping with {@code icmpPingTimeout}, datastore
 * heartbeat), judges it with the {@link HostClassifier}, removes a dead host from the cluster and restarts its
 * protected VMs on the live hosts with room. Runs as a child of the election FSM while this host is master.
 *
 * <p>Time here is virtual: the sum of the ticks seen, so timeouts follow the scheduler (and ManualTime in tests).
 */
public final class MasterCoordinator {
  public sealed interface Command {}

  /** A host's network heartbeat to the master, with its report. */
  public record SlaveBeat(HostReport report) implements Command, JsonSerializable {}

  /**
   * An operator powers a VM on under HA protection, at {@code host} or where placement chooses (host null), with
   * {@code protection} (null: the VM's settings in {@code vmha.vms}, else {@code vmha.vm-defaults}).
   */
  public record PowerOnVm(VmSpec vm, String host, VmProtection protection, ActorRef<OperationResult> replyTo)
      implements Command, JsonSerializable {}

  /** An operator powers a VM off through vmha: it is unprotected first, so it is not restarted. */
  public record PowerOffVm(String vm, ActorRef<OperationResult> replyTo) implements Command, JsonSerializable {}

  /**
   * An operator request's answer. {@code invalidField}: the request field a refusal is about (the API answers 400);
   * empty when the cluster's state refuses it now (409). {@code alreadyProtected}: a power-on refused because the VM
   * already is protected (running, being started, waiting to restart or placed): what the request asked for holds,
   * so a client that asks again after a lost answer may take it as done.
   */
  public record OperationResult(boolean ok, String message, Optional<String> invalidField, boolean alreadyProtected)
      implements JsonSerializable {
    public OperationResult(boolean ok, String message) {
      this(ok, message, Optional.empty(), false);
    }

    static OperationResult invalid(String field, String message) {
      return new OperationResult(false, message, Optional.of(field), false);
    }

    static OperationResult protectedAlready(String message) {
      return new OperationResult(false, message, Optional.empty(), true);
    }
  }

  public record GetStatus(ActorRef<ClusterStatus> replyTo) implements Command, JsonSerializable {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

  private record MemberChange(ClusterEvent.ClusterDomainEvent event) implements Command, LocalMessage {}

  private record ProtectedListRead(Optional<ProtectedList> list, List<String> failures) implements Command, LocalMessage {}

  private enum ReloadProtectedList implements Command, LocalMessage { INSTANCE }

  private record Pinged(String host, boolean answered) implements Command, LocalMessage {}

  private record ViewUpdate(DatastoreView view) implements Command, LocalMessage {}

  private record Restarted(VmRestarter.Outcome outcome) implements Command, LocalMessage {}

  /** A restart decision is persisted (or could not be: {@code error}); now it is carried out. */
  private record DecisionPersisted(VmRestarter.Attempt attempt, Throwable error) implements Command, LocalMessage {}

  private record PoweredOff(PowerOffVm request, String host, HostVms.Result result, Throwable error)
      implements Command, LocalMessage {}

  /** What the coordinator works with; the I/O boundaries are interfaces so tests can simulate them. */
  public record Deps(
      HaSettings settings, List<Datastore> datastores, ActorRef<DatastoreHeartbeat.Command> datastore, Pinger pinger,
      DecisionLog events, Clock clock) {}

  /**
   * One host as the master sees it. {@code lastBeat} and {@code nextCheck} (the next ping) are virtual times;
   * {@code investigating} while a ping is out; {@code unanswered} when the last ping went unanswered and the host
   * has not beaten since: it is judged again with that ping on every datastore round.
   */
  record HostEntry(
      String id, HostReport report, PingTarget roleTarget, Address address, Reachability reach, Duration lastBeat,
      Verdict verdict, String reason, boolean investigating, Duration nextCheck, boolean suspected,
      boolean unanswered) {

    static HostEntry fresh(String id, Duration now) {
      return new HostEntry(id, null, null, null, Reachability.UNKNOWN, now, Verdict.ALIVE, "known to the master",
          false, now, false, false);
    }

    HostEntry beat(HostReport r, Duration now) {
      return new HostEntry(id, r, roleTarget, address, reach, now, verdict, reason, investigating, nextCheck, false,
          false);
    }

    HostEntry member(PingTarget target, Address addr, Reachability rch) {
      return new HostEntry(id, report, target, addr, rch, lastBeat, verdict, reason, investigating, nextCheck,
          suspected, unanswered);
    }

    /** Being pinged now; suspected until it beats again, so its silence is announced once. */
    HostEntry beingPinged() {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, true, nextCheck, true,
          unanswered);
    }

    /** Its ping came back. */
    HostEntry pinged(boolean answered) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, false, nextCheck,
          suspected, !answered);
    }

    HostEntry judged(Verdict v, String why, Duration next) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, v, why, investigating, next, suspected,
          unanswered);
    }

    /** Pinged again at {@code next}, verdict unchanged: the evidence is not conclusive yet. */
    HostEntry pending(Duration next) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, investigating, next,
          suspected, unanswered);
    }

    Optional<PingTarget> pingTarget() {
      return Optional.ofNullable(report != null ? report.management() : roleTarget);
    }

    /** A restart target: beating, and not fenced. */
    boolean live() {
      return verdict == Verdict.ALIVE && report != null && !report.fenced();
    }
  }

  /** A protected VM its host's reports have lacked since {@code since}; another host's count starts anew. */
  record Unseen(String host, Duration since) {}

  /** Why a master restarts nothing now: the kind of wait its VMs show, and why. */
  record Hold(String kind, String why) {}

  /** A host that did not answer a power-on, and when: it may run the VM, so nothing else starts it until it shows. */
  record Unknown(String host, Duration since) {}

  /**
   * A protected VM that needs a home: lost from {@code lostFrom} for {@code reason}; after {@code failedAttempts}
   * attempts it is tried again at {@code notBefore}; {@code waiting} is the kind of what holds it back now.
   */
  record Pending(
      VmSpec vm, VmProtection protection, String lostFrom, String reason, int failedAttempts, Duration notBefore,
      Optional<Unknown> unknown, String waiting, String waitingWhy) {

    /** A VM that needs a home and waits for nothing yet. */
    Pending(VmSpec vm, VmProtection protection, String lostFrom, String reason, int failedAttempts,
        Duration notBefore, Optional<Unknown> unknown) {
      this(vm, protection, lostFrom, reason, failedAttempts, notBefore, unknown, "", "");
    }

    /** A VM lost now; a recovery a previous master began carries on: its failed attempts and retry time count. */
    static Pending lost(ProtectedList.Entry e, String lostFrom, String reason, Duration notBefore) {
      return new Pending(e.vm(), e.protection(), lostFrom, reason, e.recovery().failedAttempts(), notBefore,
          Optional.empty());
    }

    Pending waiting(String kind, String why) {
      return new Pending(vm, protection, lostFrom, reason, failedAttempts, notBefore, unknown, kind, why);
    }
  }

  /**
   * A VM being started by a restarter (attempt {@code attempt}), at {@code host} first; {@code request} is the
   * operator's, if an operator asked; {@code announced} once its readiness was recorded.
   */
  record InFlight(
      VmSpec vm, VmProtection protection, String lostFrom, String host, Duration since, int attempt,
      Optional<ActorRef<OperationResult>> request, boolean announced) {

    /** Ready for the VMs ordered after it: resources allocated is enough, or its ready timeout passed. */
    boolean satisfied(Duration now) {
      return protection.ready() == ReadyCondition.RESOURCES_ALLOCATED
          || now.minus(since).compareTo(protection.readyTimeout()) >= 0;
    }

    InFlight announce() {
      return new InFlight(vm, protection, lostFrom, host, since, attempt, request, true);
    }
  }

  record State(
      Duration now, boolean loaded, ProtectedList protectedList, Map<String, HostEntry> hosts,
      Map<String, Pending> pending, Map<String, InFlight> inFlight,
      Optional<DatastoreView> view, boolean allSilentReported, Set<String> held, Map<String, Unseen> missing,
      Optional<Duration> majoritySince) {

    State with(Map<String, HostEntry> h) {
      return new State(now, loaded, protectedList, Map.copyOf(h), pending, inFlight,
          view, allSilentReported, held, missing, majoritySince);
    }

    State allSilent(boolean reported) {
      return new State(now, loaded, protectedList, hosts, pending, inFlight,
          view, reported, held, missing, majoritySince);
    }

    State host(HostEntry e) {
      Map<String, HostEntry> h = new HashMap<>(hosts);
      h.put(e.id(), e);
      return with(h);
    }

    State restarts(Map<String, Pending> p, Map<String, InFlight> f) {
      return new State(now, loaded, protectedList, hosts, Map.copyOf(p), Map.copyOf(f),
          view, allSilentReported, held, missing, majoritySince);
    }

    State list(ProtectedList l) {
      return new State(now, true, l, hosts, pending, inFlight, view, allSilentReported, held, missing, majoritySince);
    }

    State time(Duration t) {
      return new State(t, loaded, protectedList, hosts, pending, inFlight,
          view, allSilentReported, held, missing, majoritySince);
    }

    State held(Set<String> h) {
      return new State(now, loaded, protectedList, hosts, pending, inFlight,
          view, allSilentReported, Set.copyOf(h), missing, majoritySince);
    }

    State view(DatastoreView v) {
      return new State(now, loaded, protectedList, hosts, pending, inFlight, Optional.of(v), allSilentReported, held,
          missing, majoritySince);
    }

    State majoritySince(Optional<Duration> since) {
      return new State(now, loaded, protectedList, hosts, pending, inFlight, view, allSilentReported, held, missing,
          since);
    }

    State missing(Map<String, Unseen> m) {
      return new State(now, loaded, protectedList, hosts, pending, inFlight, view, allSilentReported, held,
          Map.copyOf(m), majoritySince);
    }

    /** The host a VM is reported running on, if any live host reports it. */
    Optional<String> runningAt(String vm) {
      return hosts.values().stream()
          .filter(h -> h.report() != null && h.verdict() == Verdict.ALIVE)
          .filter(h -> h.report().poweredOn().stream().anyMatch(v -> v.name().equals(vm)))
          .map(HostEntry::id)
          .findFirst();
    }
  }

  /** A Pekko membership event as the master records it: the member, what it says of reachability, its name. */
  record MembershipChange(Member member, Reachability reach, String name) {
    static Optional<MembershipChange> of(ClusterEvent.ClusterDomainEvent e) {
      if (e instanceof ClusterEvent.UnreachableMember u) return of(u.member(), Reachability.UNREACHABLE, "unreachable");
      if (e instanceof ClusterEvent.ReachableMember u) return of(u.member(), Reachability.REACHABLE, "reachable again");
      if (e instanceof ClusterEvent.MemberRemoved u) return of(u.member(), Reachability.REMOVED, "removed");
      if (e instanceof ClusterEvent.MemberDowned u) return of(u.member(), Reachability.REMOVED, "downed");
      if (e instanceof ClusterEvent.MemberUp u) return of(u.member(), Reachability.REACHABLE, "up");
      if (e instanceof ClusterEvent.MemberWeaklyUp u) return of(u.member(), Reachability.REACHABLE, "weakly up");
      return Optional.empty();
    }

    private static Optional<MembershipChange> of(Member m, Reachability r, String name) {
      return Optional.of(new MembershipChange(m, r, name));
    }
  }

  private MasterCoordinator() {}

  static List<String> isolatedHosts(DatastoreView v) {
    return v.powerOn().values().stream().filter(PowerOnFile::isolated).map(PowerOnFile::hostId).sorted().toList();
  }

  /**
   * How a coordinator starts.
   *
   * @param knownSilence hosts already known to be silent, and for how long: a slave that becomes master after
   *     losing its master has heard nothing from it for hostTimeout plus the election
   * @param election this host's election FSM, told when every other host falls silent (isolation check) and
   *     given every new protected list, which it replicates to all hosts in its heartbeats
   * @param replica the newest protected list this host received from a master's heartbeats, if any: without
   *     heartbeat datastores it is the only copy a new master has
   */
  public record Start(
      Map<String, Duration> knownSilence, ActorRef<MasterNotice> election, Optional<ProtectedList> replica)
      implements LocalMessage {}

  public static Behavior<Command> create(Deps deps, Start start) {
    Map<String, Duration> knownSilence = start.knownSilence();
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Coordinator c = new Coordinator(ctx, deps, start.election(), start.replica(), deps.settings().hostId(),
          new HostClassifier(),
          ctx.messageAdapter(DatastoreView.class, ViewUpdate::new),
          ctx.messageAdapter(VmRestarter.Outcome.class, Restarted::new));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChange::new), ClusterEvent.MemberEvent.class));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, MemberChange::new),
          ClusterEvent.ReachabilityEvent.class));
      timers.startTimerWithFixedDelay(Tick.INSTANCE, deps.settings().failureDetectionInterval());
      // the datastore view this host kept as a slave proves silences: the first round judges with it
      deps.datastore().tell(new DatastoreHeartbeat.GetView(c.viewAdapter()));
      c.loadProtectedList();
      // virtual time starts at the longest known silence, so every last beat lies at or after zero
      Duration begin = knownSilence.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
      Map<String, HostEntry> hosts = new HashMap<>();
      knownSilence.forEach((h, silent) -> hosts.put(h, HostEntry.fresh(h, begin.minus(silent))));
      return c.running(new State(begin, false, ProtectedList.empty(c.self()), Map.copyOf(hosts), Map.of(), Map.of(),
          Optional.empty(), false, Set.of(), Map.of(), Optional.empty()));
    }));
  }

  private record Coordinator(
      ActorContext<Command> ctx, Deps deps, ActorRef<MasterNotice> election,
      Optional<ProtectedList> replica, String self, HostClassifier classifier,
      ActorRef<DatastoreView> viewAdapter, ActorRef<VmRestarter.Outcome> outcomes) {

    private HaSettings settings() {
      return deps.settings();
    }

    private void emit(HaEvent e) {
      deps.events().accept(e);
    }

    Behavior<Command> running(State s) {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> running(onTick(s)))
          .onMessage(ViewUpdate.class, v -> running(onView(s, v.view())))
          .onMessage(ProtectedListRead.class, r -> running(onProtectedList(s, r)))
          .onMessageEquals(ReloadProtectedList.INSTANCE, () -> {
            loadProtectedList();
            return Behaviors.same();
          })
          .onMessage(SlaveBeat.class, b -> running(onBeat(s, b.report())))
          .onMessage(MemberChange.class, m -> running(onMember(s, m.event())))
          .onMessage(Pinged.class, p -> running(onPinged(s, p)))
          .onMessage(Restarted.class, r -> running(onRestarted(s, r.outcome())))
          .onMessage(PowerOnVm.class, p -> running(onPowerOn(s, p)))
          .onMessage(PowerOffVm.class, p -> running(onPowerOff(s, p)))
          .onMessage(DecisionPersisted.class, d -> {
            if (d.error() != null) {
              ctx.getLog().warn("restart of {} not persisted in the history ({}); restarting it anyway",
                  d.attempt().vm().name(), Failures.rootMessage(d.error()));
            }
            startRestarter(d.attempt());
            return Behaviors.same();
          })
          .onMessage(PoweredOff.class, p -> {
            String err = p.error() != null ? Failures.rootMessage(p.error())
                : p.result().ok() ? null : p.result().error();
            p.request().replyTo().tell(new OperationResult(err == null, err == null
                ? p.request().vm() + " powered off at " + p.host() + "; it is no longer protected"
                : p.request().vm() + " is no longer protected, but its power-off at " + p.host() + " failed: " + err));
            return Behaviors.same();
          })
          .onMessage(GetStatus.class, g -> {
            g.replyTo().tell(status(s));
            return Behaviors.same();
          })
          .build();
    }

    // ---- protected list: read once at takeover, written after every change

    void loadProtectedList() {
      List<CompletableFuture<Optional<ProtectedList>>> reads = deps.datastores().stream()
          .map(d -> d.readProtectedList().toCompletableFuture()).toList();
      ctx.pipeToSelf(CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).handle((x, e) -> null),
          (x, e) -> {
            Optional<ProtectedList> best = Optional.empty();
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < reads.size(); i++) {
              try {
                Optional<ProtectedList> l = reads.get(i).join();
                if (l.isPresent() && (best.isEmpty() || l.get().version() > best.get().version())) best = l;
              } catch (RuntimeException err) {
                failures.add(deps.datastores().get(i).name() + ": " + Failures.rootMessage(err));
              }
            }
            return new ProtectedListRead(best, failures);
          });
    }

    private State onProtectedList(State s, ProtectedListRead r) {
      boolean noneAnswered = r.failures().size() == deps.datastores().size() && !deps.datastores().isEmpty();
      if (noneAnswered && replica.isEmpty()) {
        // acting without the list could restart VMs an operator powered off, or miss protected ones: wait for it (the
        // replica the last master sent in its heartbeats is such a list, when no datastore's copy is readable)
        ctx.getLog().warn("no datastore gave a readable protected list: {}; retrying", r.failures());
        ctx.scheduleOnce(settings().failureDetectionInterval(), ctx.getSelf(), ReloadProtectedList.INSTANCE);
        return s;
      }
      for (String f : r.failures()) ctx.getLog().warn("protected list not read from {}", f);
      // the newest of the datastores' copies and the replica this host received in heartbeats
      Optional<ProtectedList> newest = r.list();
      if (replica.isPresent() && (newest.isEmpty() || replica.get().version() > newest.get().version())) {
        newest = replica;
      }
      ProtectedList list = newest.map(l -> new ProtectedList(self, l.version(), l.vms()))
          .orElse(ProtectedList.empty(self));
      election.tell(new MasterNotice.ProtectedListChanged(list));
      // every host that owns a protected VM is watched from now on, as is every cluster member
      Map<String, HostEntry> hosts = new HashMap<>(s.hosts());
      for (ProtectedList.Entry e : list.vms().values()) {
        if (!e.host().equals(self)) hosts.putIfAbsent(e.host(), HostEntry.fresh(e.host(), s.now()));
      }
      ctx.getLog().info("master {} took over the protected list v{} with {} VMs", self, list.version(),
          list.vms().size());
      State loaded = s.list(list).with(hosts);
      return advance(investigate(loaded));
    }

    // ---- the protected list's lock: exactly one master owns each datastore's list

    /**
     * Takes or renews the protected-list lock on every readable datastore where {@link ListLockRule} allows it. A
     * master that holds no lock while datastores exist leaves every VM alone (another master owns the list: the
     * cluster is partitioned) until it holds one; then it reads the list again and retries what waited.
     */
    private State renewLocks(State s) {
      if (deps.datastores().isEmpty() || s.view().isEmpty()) return s;
      DatastoreView v = s.view().get();
      Duration staleAfter = DetectionTiming.datastoreStillBound(settings().hostTimeout());
      java.util.Set<String> held = new java.util.TreeSet<>();
      for (Datastore d : deps.datastores()) {
        if (!Boolean.TRUE.equals(v.accessible().get(d.name()))) continue;
        if (!ListLockRule.mayHold(self, v.listLock(d.name()), staleAfter)) continue;
        held.add(d.name());
        d.writeListLock(new HostHeartbeat(self, s.now().toMillis(), deps.clock().instant()));
      }
      if (held.equals(s.held())) return s;
      if (s.held().isEmpty()) {
        String from = deps.datastores().stream().map(d -> v.listLock(d.name())).flatMap(Optional::stream)
            .map(Map.Entry::getKey).filter(o -> !o.equals(self)).findFirst().map(o -> "taken over from " + o)
            .orElse("the lock was free");
        emit(new HaEvent.ProtectedListOwnership(deps.clock().instant(), self, true, List.copyOf(held), from));
        loadProtectedList(); // the previous owner may have changed it since this master read it
      } else if (held.isEmpty()) {
        emit(new HaEvent.ProtectedListOwnership(deps.clock().instant(), self, false, List.copyOf(s.held()),
            "another master holds the lock"));
      }
      return s.held(held);
    }

    /** Whether this master owns the protected list: it holds a lock, or there are no datastores to lock. */
    private boolean ownsList(State s) {
      return deps.datastores().isEmpty() || !s.held().isEmpty();
    }

    /**
     * Writes the list to the datastores whose lock this master holds and hands it to the election FSM, which
     * replicates it to all hosts.
     */
    private void writeProtectedList(State s, ProtectedList list) {
      election.tell(new MasterNotice.ProtectedListChanged(list));
      for (Datastore d : deps.datastores()) {
        if (!s.held().contains(d.name())) continue;
        d.writeProtectedList(list).whenComplete((x, e) -> {
          if (e != null) ctx.getSystem().log().warn("protected list v{} not written to {}: {}", list.version(),
              d.name(), Failures.rootMessage(e));
        });
      }
    }

    // ---- heartbeats and membership

    private State onBeat(State s, HostReport r) {
      String id = r.hostId();
      HostEntry before = s.hosts().getOrDefault(id, HostEntry.fresh(id, s.now()));
      HostEntry after = before.beat(r, s.now());
      boolean returned = before.verdict() != Verdict.ALIVE || before.report() == null;
      if (before.verdict() != Verdict.ALIVE) {
        emit(new HaEvent.HostJudged(deps.clock().instant(), self, id, Verdict.ALIVE, "network heartbeat resumed",
            evidence(s, after, false)));
        after = after.judged(Verdict.ALIVE, "network heartbeat resumed", s.now());
      }
      State next = s.host(after);
      next = followMigrations(next, r);
      for (StoppedVm stopped : r.stopped()) {
        next = restartStopped(next, id, List.of(stopped.vm()), "at " + id + ", " + stopped.why());
      }
      // a host that is back brings capacity: VMs that waited for room are placed again
      return returned ? advance(next) : next;
    }

    /** A protected VM reported at another host than the list says (moved, or restarted by us): record where. */
    private State followMigrations(State s, HostReport r) {
      if (!s.loaded()) return s;
      ProtectedList l = s.protectedList();
      for (VmSpec vm : r.poweredOn()) {
        ProtectedList.Entry e = l.vms().get(vm.name());
        if (e != null && !e.host().equals(r.hostId()) && !s.inFlight().containsKey(vm.name())) {
          l = l.moved(vm.name(), r.hostId(), self);
        }
      }
      if (l == s.protectedList()) return s;
      writeProtectedList(s, l);
      return s.list(l);
    }

    private State onMember(State s, ClusterEvent.ClusterDomainEvent event) {
      Optional<MembershipChange> c = MembershipChange.of(event);
      Optional<String> id = c.flatMap(x -> ClusterRoles.hostId(x.member()));
      if (id.isEmpty() || id.get().equals(self)) return s;
      if (!c.get().name().equals("up")) {
        emit(new HaEvent.MembershipChanged(deps.clock().instant(), self, id.get(), c.get().name()));
      }
      Member m = c.get().member();
      HostEntry e = s.hosts().getOrDefault(id.get(), HostEntry.fresh(id.get(), s.now()));
      return s.host(e.member(ClusterRoles.mgmtTarget(m).orElse(e.roleTarget()), m.address(), c.get().reach()));
    }

    // ---- silent hosts: investigate, judge, act

    private State onTick(State s) {
      State t = s.time(s.now().plus(settings().failureDetectionInterval()));
      deps.datastore().tell(new DatastoreHeartbeat.GetView(viewAdapter));
      boolean majority = deps.datastores().isEmpty() && majority(t).majority();
      t = t.majoritySince(majority ? Optional.of(t.majoritySince().orElse(t.now())) : Optional.empty());
      if (!t.loaded()) return t;
      for (String flagged : t.view().map(MasterCoordinator::isolatedHosts).orElse(List.of())) {
        t = restartFlagged(t, flagged);
      }
      t = checkAllSilent(t);
      return advance(reconcile(investigate(t)));
    }

    /**
     * Pings every host silent past its limit whose next ping is due and none is out (every round; also as soon as a
     * master just elected has both its protected list and its datastore view, so a proven silence costs no round).
     */
    private State investigate(State s) {
      if (!s.loaded() || s.view().isEmpty() && !deps.datastores().isEmpty()) return s;
      State t = s;
      for (HostEntry h : s.hosts().values()) {
        if (h.id().equals(self) || h.investigating()) continue;
        Duration silence = silence(t, h);
        if (silence.compareTo(silenceLimit(t, h)) < 0) continue;
        boolean due = t.now().compareTo(h.nextCheck()) >= 0;
        if (!judgeable(h) || !due) continue;
        if (!h.suspected()) {
          emit(new HaEvent.HostSilent(deps.clock().instant(), self, h.id(), silence));
        }
        Optional<PingTarget> target = h.pingTarget();
        if (target.isPresent()) {
          ctx.pipeToSelf(deps.pinger().ping(target.get(), settings().icmpPingTimeout()),
              (ok, err) -> new Pinged(h.id(), err == null && ok));
        } else {
          ctx.getSelf().tell(new Pinged(h.id(), false));
        }
        t = t.host(h.beingPinged());
      }
      return t;
    }

    /**
     * A protected VM that its live host neither runs nor starts, and that nothing is restarting, in reports spanning
     * hostTimeout was lost unseen — the host rebooted, or its agent restarted without it — and is restarted like a failure. The wait
     * lets every host's report arrive first: a VM moved elsewhere shows up there and is followed.
     */
    private State reconcile(State s) {
      Map<String, Unseen> missing = new HashMap<>();
      State next = s;
      for (ProtectedList.Entry e : s.protectedList().vms().values()) {
        String vm = e.vm().name();
        HostEntry h = s.hosts().get(e.host());
        boolean unseen = h != null && h.live() && !h.report().has(vm) && !e.recovery().gaveUp()
            && !s.inFlight().containsKey(vm)
            && !s.pending().containsKey(vm) && s.runningAt(vm).isEmpty();
        if (!unseen) continue;
        Unseen was = s.missing().get(vm);
        // counted at this host only: a VM restarted here after going missing at its old host is new here
        Duration since = was != null && was.host().equals(e.host()) ? was.since() : s.now();
        // acted on only when a report that came hostTimeout after the first one without it still lacks it: a host
        // whose beats stopped meanwhile is judged instead, and its last report proves nothing
        if (h.lastBeat().minus(since).compareTo(settings().hostTimeout()) < 0) {
          missing.put(vm, new Unseen(e.host(), since));
        } else {
          next = needHome(next, e.host(), List.of(e.vm()), "its host " + e.host() + " has not run it for "
              + settings().hostTimeout().toSeconds() + " s (the host or its agent restarted without it)");
        }
      }
      return next.missing(missing);
    }

    /**
     * Tells the election FSM once when every other host has been silent for hostTimeout: the master may be the one
     * that is isolated (seed 003: the master pings its isolation addresses at once).
     */
    private State checkAllSilent(State s) {
      List<HostEntry> others = s.hosts().values().stream().filter(h -> !h.id().equals(self))
          .filter(h -> h.verdict() != Verdict.DEAD).toList();
      boolean allSilent = !others.isEmpty() && others.stream()
          .allMatch(h -> silence(s, h).compareTo(silenceLimit(s, h)) >= 0);
      if (allSilent && !s.allSilentReported()) election.tell(new MasterNotice.AllHostsSilent(others.size()));
      return s.allSilent(allSilent);
    }

    /**
     * How long a host has been silent: since its last beat to this master; for a host that never beat to it, since
     * the last moment its datastore heartbeat proves it ran, if that is earlier ({@link
     * DetectionTiming#silenceProvenByDatastores}): a master just elected judges from what it saw as a slave.
     */
    private Duration silence(State s, HostEntry h) {
      return provenSilence(s, h).orElse(s.now().minus(h.lastBeat()));
    }

    /** The silence the datastores prove of a host that never beat to this master, when longer than it heard. */
    private Optional<Duration> provenSilence(State s, HostEntry h) {
      if (h.report() != null) return Optional.empty();
      Duration heard = s.now().minus(h.lastBeat());
      return s.view().flatMap(v -> DetectionTiming.silenceProvenByDatastores(v.heartbeatAges(h.id()), h.reach()))
          .filter(p -> p.compareTo(heard) > 0);
    }

    /** How long a host may be silent before it is investigated ({@link DetectionTiming#judgeAfter}). */
    private Duration silenceLimit(State s, HostEntry h) {
      return settings().detectionTiming().judgeAfter(h.report() != null || provenSilence(s, h).isPresent());
    }

    private Evidence evidence(State s, HostEntry h, boolean pingAnswered) {
      Map<String, Duration> ages = s.view().map(v -> v.heartbeatAges(h.id())).orElse(Map.of());
      boolean isolated = s.view().flatMap(v -> v.powerOn(h.id())).map(PowerOnFile::isolated).orElse(false);
      MajorityRule.Count side = majority(s);
      return new Evidence(silence(s, h), h.reach(), pingAnswered, ages, isolated,
          settings().hostTimeout(), settings().failureDetectionInterval(), !deps.datastores().isEmpty(), side.heard(),
          side.known());
    }

    /**
     * This master's side under the {@link MajorityRule}: the hosts whose beats it received within hostTimeout and that
     * Pekko does not call unreachable, of every host this coordinator has known (it never forgets one: a downed or
     * removed member still counts in the denominator). A host it knows but never heard from counts only there.
     */
    private MajorityRule.Count majority(State s) {
      Set<String> heard = new java.util.TreeSet<>();
      for (HostEntry o : s.hosts().values()) {
        boolean beating = o.report() != null && o.verdict() == Verdict.ALIVE
            && s.now().minus(o.lastBeat()).compareTo(settings().hostTimeout()) < 0;
        if (beating && o.reach() != Reachability.UNREACHABLE && o.reach() != Reachability.REMOVED) heard.add(o.id());
      }
      return MajorityRule.count(self, s.hosts().keySet(), heard);
    }

    /**
     * Why this master restarts nothing now, if so. With heartbeat datastores: it holds no protected-list lock (another
     * master owns the list). Without: its side holds no strict majority; or it has one, but a host Pekko reaches has
     * not reported to it since (the other master's slaves after a heal), and hostTimeout has not passed since the
     * majority began — so that no VM lost while this side had no majority is started beside its running copy.
     */
    private Optional<Hold> holdRestarts(State s) {
      if (!deps.datastores().isEmpty()) {
        return ownsList(s) ? Optional.empty() : Optional.of(new Hold("list-lock", "this master holds no datastore's"
            + " protected-list lock (another master owns the list: partitioned)"));
      }
      MajorityRule.Count side = majority(s);
      if (!side.majority()) {
        return Optional.of(new Hold("no-majority", side.describe() + ": without heartbeat datastores only a strict"
            + " majority restarts VMs"));
      }
      // the hosts Pekko reaches that have not beaten to this master since its majority began: after a heal, the
      // other master's slaves, which follow this master at its next heartbeat and then report the VMs they run
      Duration since = s.majoritySince().orElse(s.now());
      List<String> awaited = s.hosts().values().stream()
          .filter(o -> !o.id().equals(self) && o.reach() == Reachability.REACHABLE && o.verdict() != Verdict.DEAD
              && (o.report() == null || o.lastBeat().compareTo(since) < 0))
          .map(HostEntry::id).sorted().toList();
      if (!awaited.isEmpty() && s.now().minus(since).compareTo(settings().hostTimeout()) < 0) {
        return Optional.of(new Hold("no-majority", side.describe() + "; waiting (at most hostTimeout) for the report"
            + " of " + awaited + ", reachable but not yet following this master"));
      }
      return Optional.empty();
    }

    private State onPinged(State s, Pinged p) {
      HostEntry h = s.hosts().get(p.host());
      if (h == null || !h.investigating()) return s;
      h = h.pinged(p.answered());
      return judge(s.host(h), h, p.answered());
    }

    /** A datastore round: the locks renewed, the silent hosts judged again, the first view starts investigations. */
    private State onView(State s, DatastoreView v) {
      State next = rejudge(renewLocks(s.view(v)));
      repairProtectedLists(next, v);
      return s.view().isEmpty() ? investigate(next) : next;
    }

    /** A corrupt list on a datastore this master owns is rewritten at once from the list it holds (kept aside first). */
    private void repairProtectedLists(State s, DatastoreView v) {
      // before its list is read this master holds nothing to write
      if (s.loaded() && s.held().stream().anyMatch(d -> v.corruptFile(d, DirectoryDatastore.PROTECTED_LIST).isPresent())) {
        writeProtectedList(s, s.protectedList());
      }
    }

    /**
     * Every datastore round judges again, with their last ping, the silent hosts whose ping went unanswered and whose
     * verdict may still change: the datastore evidence that settles DEAD (or shows a partitioned host's heartbeat
     * stop) arrives with the rounds, so the verdict comes in the round its rule is satisfied — not after one more
     * ping round, which takes icmpPingTimeout. The pings go on meanwhile (an answer makes the host AGENT_UNREACHABLE).
     */
    private State rejudge(State s) {
      if (!s.loaded()) return s;
      State next = s;
      for (String id : s.hosts().keySet()) {
        HostEntry h = next.hosts().get(id);
        if (id.equals(self) || !h.unanswered() || !judgeable(h)) continue;
        if (silence(next, h).compareTo(silenceLimit(next, h)) < 0) continue;
        next = judge(next, h, false);
      }
      return next;
    }

    /** Whether a verdict on the host may still change (DEAD and ISOLATED end with the host's next beat). */
    private static boolean judgeable(HostEntry h) {
      return h.verdict() == Verdict.ALIVE || h.verdict() == Verdict.AGENT_UNREACHABLE
          || h.verdict() == Verdict.PARTITIONED;
    }

    /** Judges a silent host from the evidence now and its last ping, and acts on a settled verdict. */
    private State judge(State s, HostEntry h, boolean pingAnswered) {
      Evidence e = evidence(s, h, pingAnswered);
      HostClassifier.Decision d = classifier.classify(e);
      if (d.verdict() == Verdict.ALIVE) return s.host(h.judged(h.verdict(), h.reason(), s.now())); // beat meanwhile
      if (!d.settled()) return s.host(h.pending(s.now().plus(settings().failureDetectionInterval())));
      if (d.verdict() != h.verdict() || h.verdict() == Verdict.ALIVE) {
        emit(new HaEvent.HostJudged(deps.clock().instant(), self, h.id(), d.verdict(), d.reason(), e));
      }
      // judged again every round while the evidence may still change soon: a partitioned host's datastore
      // heartbeat may stop, Pekko's failure detector may still be catching up on a crash; a host that answers
      // ping but whose agent is silent is pinged again every deadIcmpPingInterval
      boolean settling = d.verdict() == Verdict.PARTITIONED || e.reachability() == Reachability.REACHABLE;
      Duration recheck = settling ? settings().failureDetectionInterval() : settings().deadIcmpPingInterval();
      State next = s.host(h.judged(d.verdict(), d.reason(), s.now().plus(recheck)));
      // a member is removed only when its agent is proven gone (DowningRule): removing a live one splits the
      // cluster; removing a gone one lets a new incarnation join (no member joins while an unreachable one stays)
      Optional<String> down = DowningRule.down(d.verdict(), h.verdict(), e);
      if (down.isPresent() && h.address() != null) {
        ctx.getLog().info("downing {} ({}): {}", h.id(), h.address(), down.get());
        Cluster.get(ctx.getSystem()).manager().tell(new Down(h.address()));
      }
      return switch (d.verdict()) {
        case DEAD -> needHome(next, h.id(), protectedVmsOf(next, h.id()), "host " + h.id() + " is dead");
        case ISOLATED -> restartFlagged(next, h.id());
        case AGENT_UNREACHABLE -> {
          // with its watchdog armed, its VMs start elsewhere once their leases expire (issue 19)
          LeaseRule.AgentGone gone = LeaseRule.agentGone(h.id(), !deps.datastores().isEmpty(), s.view()
              .flatMap(v -> v.powerOn(h.id())).map(PowerOnFile::watchdogArmed).orElse(false));
          yield h.reach() != Reachability.REACHABLE && gone.restart()
              ? needHome(next, h.id(), protectedVmsOf(next, h.id()), gone.why()) : next;
        }
        default -> next;
      };
    }

    /**
     * The VMs an isolated host's power-on file lists as stopped by its isolation response, which the protected list
     * still places on that host (a VM restarted elsewhere already is placed there). The host writes the file only
     * after the hypervisor confirmed them off, so they may start elsewhere; whether the host is back or not.
     */
    private State restartFlagged(State s, String host) {
      List<VmSpec> stopped = s.view().flatMap(v -> v.powerOn(host)).filter(PowerOnFile::isolated)
          .map(PowerOnFile::vms).orElse(List.of());
      return restartStopped(s, host, stopped, "host " + host + " is isolated and powered these VMs off");
    }

    /**
     * VMs a host confirmed it powered off (isolation response, fence) are restarted elsewhere, those the protected
     * list still places on that host: once restarted, the list places them where they run now.
     */
    private State restartStopped(State s, String host, List<VmSpec> stopped, String reason) {
      List<VmSpec> still = stopped.stream()
          .filter(vm -> {
            ProtectedList.Entry e = s.protectedList().vms().get(vm.name());
            return e != null && e.host().equals(host);
          })
          .toList();
      return needHome(s, host, still, reason);
    }

    /**
     * The protected VMs the protected list places on a host. The list follows every host's reports, so it is the
     * authority; a power-on file may still name VMs that were restarted elsewhere since.
     */
    private static List<VmSpec> protectedVmsOf(State s, String host) {
      return s.protectedList().vms().values().stream().filter(e -> e.host().equals(host))
          .map(ProtectedList.Entry::vm).toList();
    }

    /**
     * Protected VMs lost from a host join the VMs that need a home; {@link #advance} starts them in order. VMs not
     * protected, running somewhere, being started or already waiting are left alone.
     */
    private State needHome(State s, String lostFrom, List<VmSpec> vms, String reason) {
      Map<String, Pending> pending = new HashMap<>(s.pending());
      for (VmSpec vm : vms) {
        ProtectedList.Entry e = s.protectedList().vms().get(vm.name());
        if (e == null || e.recovery().gaveUp()) continue; // unprotected, or given up with a recorded reason
        if (s.runningAt(vm.name()).isPresent() || s.inFlight().containsKey(vm.name())) continue;
        Duration wait = Duration.between(deps.clock().instant(), e.recovery().retryAt());
        pending.putIfAbsent(vm.name(), Pending.lost(e, lostFrom, reason,
            s.now().plus(wait.isNegative() ? Duration.ZERO : wait)));
      }
      return advance(s.restarts(pending, s.inFlight()));
    }

    /**
     * Carries the restart plan one step further (every tick and after every change): the VMs that need a home and
     * whose retry time has come, whose lease is free or expired, and whose last unanswered host has shown itself, go
     * through the {@link RestartPlanner}; its starts are carried out, its waits and skips recorded with their reasons.
     */
    private State advance(State s) {
      if (!s.loaded()) return s;
      Map<String, Pending> pending = new HashMap<>(s.pending());
      Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
      pending.keySet().removeIf(vm -> s.runningAt(vm).isPresent()); // back by itself, or an unanswered host ran it
      for (InFlight f : s.inFlight().values()) {
        if (!f.announced() && f.satisfied(s.now())) {
          emit(new HaEvent.VmReady(deps.clock().instant(), self, f.vm().name(), "its ready timeout of "
              + f.protection().readyTimeout().toSeconds() + " s passed without a power-on answer from " + f.host()));
          inFlight.put(f.vm().name(), f.announce());
        }
      }
      Optional<Hold> hold = holdRestarts(s);
      if (hold.isPresent()) {
        for (Pending p : List.copyOf(pending.values())) {
          pending.put(p.vm().name(), waitFor(p, hold.get().kind(), hold.get().why()));
        }
        return s.restarts(pending, inFlight);
      }
      List<RestartPlanner.Homeless> homeless = new ArrayList<>();
      Map<String, Optional<VmLease>> grants = new HashMap<>();
      for (Pending p : pending.values().stream().sorted(Comparator.comparing(p -> p.vm().name())).toList()) {
        if (p.notBefore().compareTo(s.now()) > 0) continue; // its retry is scheduled
        Optional<String> unknown = p.unknown().filter(u -> !shown(s, u)).map(Unknown::host);
        if (unknown.isPresent()) {
          pending.put(p.vm().name(), waitFor(p, "unknown", unknown.get() + " did not answer its power-on: it may"
              + " run " + p.vm().name() + ", so nothing else starts it until that host shows (beats again or is dead)"));
          continue;
        }
        if (!deps.datastores().isEmpty()) {
          LeaseRule.Decision d = s.view().map(v -> LeaseRule.mayStart(p.vm().name(), v.lease(p.vm().name()),
              settings().leaseTiming().expiry())).orElse(new LeaseRule.Decision(false, Optional.empty(),
              "the master has not read the datastores yet"));
          if (!d.mayStart()) {
            pending.put(p.vm().name(), waitFor(p, "lease", d.why()));
            continue;
          }
          grants.put(p.vm().name(), d.grant());
        }
        homeless.add(new RestartPlanner.Homeless(p.vm(), p.protection(), p.lostFrom()));
      }
      if (homeless.isEmpty()) return s.restarts(pending, inFlight);
      Map<String, VmProtection> starting = new HashMap<>();
      inFlight.values().stream().filter(f -> !f.satisfied(s.now()))
          .forEach(f -> starting.put(f.vm().name(), f.protection()));
      Set<String> satisfied = new java.util.HashSet<>();
      for (ProtectedList.Entry e : s.protectedList().vms().values()) {
        String vm = e.vm().name();
        InFlight f = inFlight.get(vm);
        boolean placedLive = Optional.ofNullable(s.hosts().get(e.host())).map(HostEntry::live).orElse(false);
        if (s.runningAt(vm).isPresent() || (f != null ? f.satisfied(s.now()) : !pending.containsKey(vm) && placedLive)) {
          satisfied.add(vm);
        }
      }
      RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(homeless, starting, satisfied,
          rooms(s), settings().restart().defaultFailoverHost()));
      for (RestartPlanner.Start st : plan.starts()) {
        Pending p = pending.remove(st.vm().name());
        HaEvent planned = new HaEvent.VmRestartPlanned(deps.clock().instant(), self, st.vm().name(), p.lostFrom(),
            st.hosts().get(0), p.reason() + "; " + st.why());
        inFlight.put(st.vm().name(), dispatch(s, p.vm(), p.protection(), p.lostFrom(), st.hosts(),
            grants.getOrDefault(st.vm().name(), Optional.empty()), p.failedAttempts() + 1, Optional.empty(),
            Optional.of(planned)));
      }
      for (RestartPlanner.Wait w : plan.waits()) {
        pending.put(w.vm().name(), waitFor(pending.get(w.vm().name()), w.kind().name().toLowerCase().replace('_', '-'),
            w.why()));
      }
      State next = s;
      for (RestartPlanner.Skip k : plan.skips()) {
        pending.remove(k.vm().name());
        next = giveUp(next, k.vm().name(), k.why());
      }
      return next.restarts(pending, inFlight);
    }

    private void startRestarter(VmRestarter.Attempt a) {
      ctx.spawnAnonymous(VmRestarter.create(self, a, settings().powerOnTimeout(), outcomes, deps.events(),
          deps.clock()), DispatcherSelector.sameAsParent());
    }

    /** The VM is given up: recorded in the protected list first, so no master tries it again until it runs. */
    private State giveUp(State s, String vm, String why) {
      if (s.protectedList().vms().containsKey(vm)) {
        ProtectedList l = s.protectedList().recovering(vm, new ProtectedList.Recovery(
            s.protectedList().vms().get(vm).recovery().failedAttempts(), java.time.Instant.EPOCH, why), self);
        writeProtectedList(s, l);
        s = s.list(l);
      }
      emit(new HaEvent.VmNotRestarted(deps.clock().instant(), self, vm, why));
      return s;
    }

    /** A host that did not answer a power-on has shown since: it beat again, or it was judged dead. */
    private static boolean shown(State s, Unknown u) {
      HostEntry h = s.hosts().get(u.host());
      return h == null || h.verdict() == Verdict.DEAD || h.lastBeat().compareTo(u.since()) > 0;
    }

    /** The VM waits for a reason; the reason is recorded when its kind changes (not every round). */
    private Pending waitFor(Pending p, String kind, String why) {
      if (!kind.equals(p.waiting())) {
        if (kind.equals("no-room")) {
          emit(new HaEvent.VmAwaitingCapacity(deps.clock().instant(), self, p.vm().name(), p.reason() + "; " + why
              + "; retried when capacity appears"));
        } else {
          emit(new HaEvent.VmRestartWaiting(deps.clock().instant(), self, p.vm().name(), kind, why));
        }
      }
      return p.waiting(kind, why);
    }

    /**
     * Starts one restarter for a VM: the target first, the other hosts with room as fallbacks; after persisting the
     * {@code decision} that starts it, if there is one (persist before acting).
     */
    private InFlight dispatch(
        State s, VmSpec vm, VmProtection protection, String lostFrom, List<String> hosts, Optional<VmLease> grant,
        int attempt, Optional<ActorRef<OperationResult>> request, Optional<HaEvent> decision) {
      List<VmRestarter.Candidate> candidates = hosts.stream()
          .map(h -> new VmRestarter.Candidate(h, s.hosts().get(h).report().vms())).toList();
      VmRestarter.Attempt a = new VmRestarter.Attempt(vm, grant, candidates, attempt);
      if (decision.isPresent()) {
        ctx.pipeToSelf(deps.events().persisted(decision.get()), (ok, err) -> new DecisionPersisted(a, err));
      } else {
        startRestarter(a);
      }
      InFlight f = new InFlight(vm, protection, lostFrom, hosts.get(0), s.now(), attempt, request, false);
      if (f.satisfied(s.now())) {
        emit(new HaEvent.VmReady(deps.clock().instant(), self, vm.name(), "resources allocated at " + hosts.get(0)));
        return f.announce();
      }
      return f;
    }

    /**
     * Room on every live host: its memory less the VMs it reports, those the protected list places there and not yet
     * reported, and starts in flight to it; and how many more power-ons it may take at once
     * ({@code das.perHostConcurrentFailoversLimit}).
     */
    private List<RestartPlanner.HostRoom> rooms(State s) {
      int limit = settings().restart().perHostConcurrentFailoversLimit();
      return s.hosts().values().stream()
          .filter(HostEntry::live)
          .map(h -> {
            Map<String, Long> vms = new HashMap<>();
            h.report().poweredOn().forEach(vm -> vms.put(vm.name(), vm.memoryMb()));
            s.protectedList().vms().values().stream().filter(e -> e.host().equals(h.id()))
                .forEach(e -> vms.putIfAbsent(e.vm().name(), e.vm().memoryMb()));
            long starting = 0;
            for (InFlight f : s.inFlight().values()) {
              if (!f.host().equals(h.id())) continue;
              vms.putIfAbsent(f.vm().name(), f.vm().memoryMb());
              starting++;
            }
            long used = vms.values().stream().mapToLong(Long::longValue).sum();
            return new RestartPlanner.HostRoom(h.id(), h.report().memoryMb() - used, (int) Math.max(0, limit - starting));
          })
          .toList();
    }

    private State onRestarted(State s, VmRestarter.Outcome o) {
      String vm = o.vm().name();
      Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
      InFlight f = inFlight.remove(vm);
      if (f == null) return s;
      Map<String, Pending> pending = new HashMap<>(s.pending());
      State next = s;
      if (o.host() != null) {
        if (s.protectedList().vms().containsKey(vm)) {
          ProtectedList l = s.protectedList().moved(vm, o.host(), self);
          writeProtectedList(s, l);
          next = next.list(l);
        }
        f.request().ifPresent(r -> {
          emit(new HaEvent.VmProtected(deps.clock().instant(), self, vm, o.host()));
          r.tell(new OperationResult(true, vm + " powered on at " + o.host() + " and protected"));
        });
        if (!f.announced()) {
          emit(new HaEvent.VmReady(deps.clock().instant(), self, vm, "powered on at " + o.host()));
        }
      } else if (f.request().isPresent()) {
        // this request added the VM: a power-on of a VM already protected is refused before it starts (issue 20)
        ProtectedList l = s.protectedList().without(vm, self);
        writeProtectedList(s, l);
        next = next.list(l);
        f.request().get().tell(new OperationResult(false, vm + " not powered on: " + o.reason()));
      } else {
        int failed = f.attempt();
        int max = settings().restart().maxVmRestartCount();
        if (!next.protectedList().vms().containsKey(vm)) {
          // powered off by an operator meanwhile: nothing to retry
        } else if (o.unanswered() != null) {
          // its host failed, not the VM: tried again, uncounted, as soon as that host shows whether it runs it
          pending.put(vm, waitFor(new Pending(f.vm(), f.protection(), f.lostFrom(), "retry after " + o.reason(),
              failed - 1, s.now(), Optional.of(new Unknown(o.unanswered(), s.now()))), "unknown", o.reason()));
        } else if (f.protection().priority() == RestartPriority.BEST_EFFORT) {
          next = giveUp(next, vm, "best-effort VMs get exactly one attempt, and it failed: " + o.reason());
        } else if (failed >= max) {
          next = giveUp(next, vm, "all " + failed + " attempts failed (das.maxvmrestartcount = " + max + "); the last: "
              + o.reason());
        } else {
          Duration delay = settings().restart().retryDelay(failed);
          // recorded before it waits: a new master retries at the same time, counting the same attempts
          ProtectedList l = next.protectedList().recovering(vm, new ProtectedList.Recovery(failed,
              deps.clock().instant().plus(delay), ""), self);
          writeProtectedList(next, l);
          next = next.list(l);
          emit(new HaEvent.VmRestartRetryScheduled(deps.clock().instant(), self, vm, failed, delay, o.reason()));
          pending.put(vm, new Pending(f.vm(), f.protection(), f.lostFrom(), "retry after " + o.reason(), failed,
              s.now().plus(delay), Optional.empty()));
        }
      }
      return advance(next.restarts(pending, inFlight));
    }

    // ---- operator requests

    private Optional<String> notOwner(State s) {
      if (!s.loaded()) return Optional.of("the master has not read the protected list yet; try again");
      if (!ownsList(s)) {
        return Optional.of("master " + self + " does not own the protected list (another master holds its"
            + " datastore lock: the cluster is partitioned); try again when it heals");
      }
      MajorityRule.Count side = majority(s);
      if (deps.datastores().isEmpty() && !side.majority()) {
        return Optional.of("master " + self + ": " + side.describe() + ", no strict majority (the cluster is"
            + " partitioned); try again when it heals");
      }
      return Optional.empty();
    }

    private State onPowerOn(State s, PowerOnVm p) {
      VmSpec vm = p.vm();
      VmProtection protection = p.protection() != null ? p.protection() : settings().restart().protectionOf(vm.name());
      Optional<LeaseRule.Decision> lease = deps.datastores().isEmpty() ? Optional.empty()
          : s.view().map(v -> LeaseRule.mayStart(vm.name(), v.lease(vm.name()), settings().leaseTiming().expiry()));
      // the list must be known to check the dependencies against it; a wrong request is named before a busy cluster
      Optional<OperationResult> refusal = notOwner(s).map(why -> new OperationResult(false, why))
          .or(() -> dependencyError(s, vm.name(), protection).map(why -> OperationResult.invalid("dependsOn", why)))
          .or(() -> alreadyProtected(s, vm.name()).map(OperationResult::protectedAlready))
          .or(() -> powerOnRefusal(s, p, lease).map(why -> new OperationResult(false, why)));
      if (refusal.isPresent()) {
        p.replyTo().tell(refusal.get());
        return s;
      }
      List<RestartPlanner.HostRoom> rooms = rooms(s).stream()
          .filter(c -> p.host() == null || c.hostId().equals(p.host())).toList();
      // an operator's power-on is placed at once: no ordering group or dependency holds it back
      RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
          List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), "-")), Map.of(), Set.of(), rooms,
          settings().restart().defaultFailoverHost()));
      if (plan.starts().isEmpty()) {
        String why = plan.waits().isEmpty() ? "no live host" : plan.waits().get(0).why();
        p.replyTo().tell(new OperationResult(false, "no " + (p.host() == null ? "live host" : "room at " + p.host())
            + " for " + vm.name() + ": " + why));
        return s;
      }
      List<String> hosts = plan.starts().get(0).hosts();
      // record the VM as protected before it is started, so a new master knows of it
      ProtectedList l = s.protectedList().with(vm, hosts.get(0), protection, self);
      writeProtectedList(s, l);
      State next = s.list(l);
      Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
      inFlight.put(vm.name(), dispatch(next, vm, protection, "-", hosts,
          lease.flatMap(LeaseRule.Decision::grant), 1, Optional.of(p.replyTo()), Optional.empty()));
      return next.restarts(s.pending(), inFlight);
    }

    /**
     * How the VM is protected already, if it is and not given up: a power-on of it changes nothing (power-on is
     * idempotent per name). A VM just started is protected before its host reports it.
     */
    private Optional<String> alreadyProtected(State s, String vm) {
      ProtectedList.Entry protectedAs = s.protectedList().vms().get(vm);
      if (protectedAs == null || protectedAs.recovery().gaveUp()) return Optional.empty();
      if (s.runningAt(vm).isPresent()) return Optional.of(vm + " already runs at " + s.runningAt(vm).get());
      if (s.inFlight().containsKey(vm)) return Optional.of(vm + " is being started");
      if (s.pending().containsKey(vm)) {
        return Optional.of(vm + " is waiting to be restarted: " + s.pending().get(vm).waitingWhy());
      }
      return Optional.of(vm + " is already protected (placed at " + protectedAs.host() + ")");
    }

    /** Why an operator's power-on of a VM not protected (or given up) cannot go ahead now, if it cannot. */
    private Optional<String> powerOnRefusal(State s, PowerOnVm p, Optional<LeaseRule.Decision> lease) {
      String vm = p.vm().name();
      if (s.runningAt(vm).isPresent()) return Optional.of(vm + " already runs at " + s.runningAt(vm).get());
      if (s.inFlight().containsKey(vm)) return Optional.of(vm + " is being started");
      ProtectedList.Entry protectedAs = s.protectedList().vms().get(vm);
      if (protectedAs != null) {
        // starting it again would fail, and unprotect it
        return Optional.of(vm + " is already protected (placed at " + protectedAs.host() + "; given up: "
            + protectedAs.recovery().givenUp() + "; power it off, then on, to retry it)");
      }
      if (!deps.datastores().isEmpty() && (lease.isEmpty() || !lease.get().mayStart())) {
        return Optional.of(vm + " cannot start: " + lease.map(LeaseRule.Decision::why)
            .orElse("the master has not read the datastores yet"));
      }
      HostEntry h = p.host() == null ? null : s.hosts().get(p.host());
      if (p.host() != null && (h == null || !h.live())) {
        return Optional.of("host " + p.host() + " is not a live member of the cluster");
      }
      return Optional.empty();
    }

    /**
     * Why the VM's dependencies (the request's, else its configured depends-on) cannot be: each must name a protected
     * VM — one that is not would be waited for forever — and together they must not close a cycle.
     */
    private static Optional<String> dependencyError(State s, String vm, VmProtection protection) {
      List<String> unknown = Dependencies.unknown(protection.dependsOn(), s.protectedList().vms().keySet());
      if (!unknown.isEmpty()) {
        return Optional.of(vm + " would wait forever for " + String.join(", ", unknown) + ": not a protected VM;"
            + " power " + (unknown.size() == 1 ? "it" : "them") + " on first");
      }
      Map<String, List<String>> dependencies = new HashMap<>(s.protectedList().dependencies());
      dependencies.put(vm, protection.dependsOn());
      return Dependencies.findCycle(dependencies)
          .map(cycle -> "its depends-on would make a cycle: " + String.join(" -> ", cycle));
    }

    /** An operator's power-off: the VM leaves the protected list first, so nothing restarts it, then stops. */
    private State onPowerOff(State s, PowerOffVm p) {
      String vm = p.vm();
      Optional<String> at = s.runningAt(vm);
      Optional<String> refusal = notOwner(s);
      if (refusal.isEmpty() && s.inFlight().containsKey(vm)) {
        refusal = Optional.of(vm + " is being started; power it off when it runs");
      } else if (refusal.isEmpty() && at.isEmpty() && !s.protectedList().vms().containsKey(vm)) {
        refusal = Optional.of(vm + " is neither protected nor running at a live host");
      }
      if (refusal.isPresent()) {
        p.replyTo().tell(new OperationResult(false, refusal.get()));
        return s;
      }
      ProtectedList l = s.protectedList().without(vm, self);
      writeProtectedList(s, l);
      Map<String, Pending> pending = new HashMap<>(s.pending());
      pending.remove(vm);
      emit(new HaEvent.VmPoweredOff(deps.clock().instant(), self, vm, at.orElse("-")));
      if (at.isEmpty()) {
        p.replyTo().tell(new OperationResult(true, vm + " was not running; it is no longer protected"));
      } else {
        ctx.ask(HostVms.Result.class, s.hosts().get(at.get()).report().vms(), settings().powerOnTimeout(),
            ref -> new HostVms.PowerOff(vm, ref), (r, err) -> new PoweredOff(p, at.get(), r, err));
      }
      return s.list(l).restarts(pending, s.inFlight());
    }

    /** The VMs a host's report lists as running or being started there. */
    private static Set<String> reported(HostReport r) {
      Set<String> vms = new HashSet<>(r.starting());
      r.poweredOn().forEach(v -> vms.add(v.name()));
      return vms;
    }

    private ClusterStatus status(State s) {
      List<ClusterStatus.HostStatus> hosts = new ArrayList<>();
      s.hosts().values().stream().sorted(Comparator.comparing(HostEntry::id)).forEach(h -> {
        HostReport r = h.report();
        hosts.add(new ClusterStatus.HostStatus(h.id(), h.id().equals(self) ? "master" : "slave", h.verdict().name(),
            h.reason(), h.reach().name(), silence(s, h).toMillis(),
            h.pingTarget().map(PingTarget::address).orElse(""), h.pingTarget().map(PingTarget::tcpPort).orElse(0),
            r == null ? 0 : r.memoryMb(), r == null ? 0 : r.memoryMb() - r.usedMemoryMb(),
            r == null ? List.of() : r.poweredOn().stream().map(VmSpec::name).sorted().toList()));
      });
      Instant now = deps.clock().instant();
      Function<Duration, Instant> at = t -> now.minus(s.now().minus(t));
      Map<String, VmStateRule.HostFacts> facts = new HashMap<>();
      s.hosts().values().forEach(h -> facts.put(h.id(), new VmStateRule.HostFacts(h.verdict(), h.reason(),
          s.now().minus(h.lastBeat()).compareTo(settings().hostTimeout()) < 0, at.apply(h.lastBeat()),
          h.report() != null && h.report().fenced(), h.report() == null ? Set.of() : reported(h.report()))));
      List<ClusterStatus.VmStatus> vms = new ArrayList<>();
      s.protectedList().vms().values().stream().sorted(Comparator.comparing(e -> e.vm().name())).forEach(e -> {
        String name = e.vm().name();
        Optional<VmStateRule.Start> start = Optional.ofNullable(s.inFlight().get(name))
            .map(f -> new VmStateRule.Start(f.host(), f.attempt(), at.apply(f.since())));
        Optional<VmStateRule.Lost> lost = Optional.ofNullable(s.pending().get(name))
            .map(p -> new VmStateRule.Lost(p.lostFrom(), p.reason(), p.failedAttempts(), at.apply(p.notBefore()),
                p.waiting(), p.waitingWhy()));
        Optional<String> givenUp = e.recovery().gaveUp() ? Optional.of(e.recovery().givenUp()) : Optional.empty();
        VmState state = VmStateRule.derive(new VmStateRule.VmFacts(name, e.host(), start, lost, givenUp), facts,
            now, at.apply(Duration.ZERO));
        vms.add(new ClusterStatus.VmStatus(name, e.vm().memoryMb(), state.host(), state));
      });
      List<ClusterStatus.DatastoreStatus> ds = new ArrayList<>();
      s.view().ifPresent(v -> v.accessible().forEach((n, ok) -> ds.add(new ClusterStatus.DatastoreStatus(n, ok,
          v.corrupt().stream().filter(c -> c.datastore().equals(n))
              .collect(java.util.stream.Collectors.toMap(DatastoreView.CorruptFile::file,
                  DatastoreView.CorruptFile::detail))))));
      return new ClusterStatus(self, self, hosts, vms, ds);
    }
  }
}
