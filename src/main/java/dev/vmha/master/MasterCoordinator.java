package dev.vmha.master;

import dev.vmha.LocalMessage;
import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.classify.Evidence;
import dev.vmha.classify.HostClassifier;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.LocalMessage;
import dev.vmha.election.ElectionFsm;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockRule;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.VmRestarter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
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
  /** Pekko Cluster role prefixes that carry a member's vmha identity. */
  public static final String HOST_ROLE = "host:";
  public static final String MGMT_ROLE = "mgmt:";

  public sealed interface Command {}

  /** A host's network heartbeat to the master, with its report. */
  public record SlaveBeat(HostReport report) implements Command, JsonSerializable {}

  /** An operator powers a VM on under HA protection, at {@code host} or where placement chooses (host null). */
  public record PowerOnVm(VmSpec vm, String host, ActorRef<OperationResult> replyTo)
      implements Command, JsonSerializable {}

  public record OperationResult(boolean ok, String message) implements JsonSerializable {}

  public record GetStatus(ActorRef<ClusterStatus> replyTo) implements Command, JsonSerializable {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

  private record MemberChange(ClusterEvent.ClusterDomainEvent event) implements Command, LocalMessage {}

  private record ProtectedListRead(Optional<ProtectedList> list, List<String> failures) implements Command, LocalMessage {}

  private enum ReloadProtectedList implements Command, LocalMessage { INSTANCE }

  private record Pinged(String host, boolean answered) implements Command, LocalMessage {}

  private record ViewUpdate(DatastoreView view) implements Command, LocalMessage {}

  private record Restarted(VmRestarter.Outcome outcome) implements Command, LocalMessage {}

  /** What the coordinator works with; the I/O boundaries are interfaces so tests can simulate them. */
  public record Deps(
      HaSettings settings, List<Datastore> datastores, ActorRef<DatastoreHeartbeat.Command> datastore, Pinger pinger,
      Consumer<HaEvent> events, Clock clock) {}

  /** One host as the master sees it. {@code lastBeat} and {@code nextCheck} are virtual times. */
  record HostEntry(
      String id, HostReport report, PingTarget roleTarget, Address address, Reachability reach, Duration lastBeat,
      Verdict verdict, String reason, boolean investigating, Duration nextCheck, boolean suspected) {

    static HostEntry fresh(String id, Duration now) {
      return new HostEntry(id, null, null, null, Reachability.UNKNOWN, now, Verdict.ALIVE, "known to the master",
          false, now, false);
    }

    HostEntry beat(HostReport r, Duration now) {
      return new HostEntry(id, r, roleTarget, address, reach, now, verdict, reason, investigating, nextCheck, false);
    }

    HostEntry member(PingTarget target, Address addr, Reachability rch) {
      return new HostEntry(id, report, target, addr, rch, lastBeat, verdict, reason, investigating, nextCheck,
          suspected);
    }

    /** Being pinged now; suspected until it beats again, so its silence is announced once. */
    HostEntry beingPinged() {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, true, nextCheck, true);
    }

    HostEntry judged(Verdict v, String why, Duration next) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, v, why, false, next, suspected);
    }

    /** Judged again at {@code next}, verdict unchanged: the evidence is not conclusive yet. */
    HostEntry pending(Duration next) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, false, next, suspected);
    }

    Optional<PingTarget> pingTarget() {
      return Optional.ofNullable(report != null ? report.management() : roleTarget);
    }

    /** A restart target: beating, and not fenced. */
    boolean live() {
      return verdict == Verdict.ALIVE && report != null && !report.fenced();
    }
  }

  record State(
      Duration now, boolean loaded, ProtectedList protectedList, Map<String, HostEntry> hosts,
      Map<String, String> restarting, Map<String, VmSpec> awaiting, Map<String, ActorRef<OperationResult>> requests,
      Optional<DatastoreView> view, boolean allSilentReported, Set<String> held) {

    State with(Map<String, HostEntry> h) {
      return new State(now, loaded, protectedList, Map.copyOf(h), restarting, awaiting, requests, view,
          allSilentReported, held);
    }

    State allSilent(boolean reported) {
      return new State(now, loaded, protectedList, hosts, restarting, awaiting, requests, view, reported, held);
    }

    State host(HostEntry e) {
      Map<String, HostEntry> h = new HashMap<>(hosts);
      h.put(e.id(), e);
      return with(h);
    }

    State restarts(Map<String, String> r, Map<String, VmSpec> a, Map<String, ActorRef<OperationResult>> q) {
      return new State(now, loaded, protectedList, hosts, Map.copyOf(r), Map.copyOf(a), Map.copyOf(q), view,
          allSilentReported, held);
    }

    State list(ProtectedList l) {
      return new State(now, true, l, hosts, restarting, awaiting, requests, view, allSilentReported, held);
    }

    State time(Duration t) {
      return new State(t, loaded, protectedList, hosts, restarting, awaiting, requests, view, allSilentReported, held);
    }

    State held(Set<String> h) {
      return new State(now, loaded, protectedList, hosts, restarting, awaiting, requests, view, allSilentReported,
          Set.copyOf(h));
    }

    State view(DatastoreView v) {
      return new State(now, loaded, protectedList, hosts, restarting, awaiting, requests, Optional.of(v),
          allSilentReported, held);
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
      Map<String, Duration> knownSilence, ActorRef<ElectionFsm.Command> election, Optional<ProtectedList> replica)
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
      c.loadProtectedList();
      // virtual time starts at the longest known silence, so every last beat lies at or after zero
      Duration begin = knownSilence.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
      Map<String, HostEntry> hosts = new HashMap<>();
      knownSilence.forEach((h, silent) -> hosts.put(h, HostEntry.fresh(h, begin.minus(silent))));
      return c.running(new State(begin, false, ProtectedList.empty(c.self()), Map.copyOf(hosts), Map.of(), Map.of(),
          Map.of(), Optional.empty(), false, Set.of()));
    }));
  }

  private record Coordinator(
      ActorContext<Command> ctx, Deps deps, ActorRef<ElectionFsm.Command> election,
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
          .onMessage(ViewUpdate.class, v -> running(renewLocks(s.view(v.view()))))
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
      if (noneAnswered) {
        // acting without the list could restart VMs an operator powered off, or miss protected ones: wait for it
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
      election.tell(new ElectionFsm.ProtectedListChanged(list));
      // every host that owns a protected VM is watched from now on, as is every cluster member
      Map<String, HostEntry> hosts = new HashMap<>(s.hosts());
      for (ProtectedList.Entry e : list.vms().values()) {
        if (!e.host().equals(self)) hosts.putIfAbsent(e.host(), HostEntry.fresh(e.host(), s.now()));
      }
      ctx.getLog().info("master {} took over the protected list v{} with {} VMs", self, list.version(),
          list.vms().size());
      State loaded = s.list(list).with(hosts);
      return loaded.awaiting().isEmpty() ? loaded : retryAwaiting(loaded, "the protected list was read again");
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
      Duration staleAfter = settings().hostTimeout().plus(settings().hostTimeout().dividedBy(2));
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
      election.tell(new ElectionFsm.ProtectedListChanged(list));
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
      if (!r.fencedOff().isEmpty() && next.loaded()) {
        next = restartStopped(next, id, r.fencedOff(), "host " + id + " fenced itself (its heartbeat reached no"
            + " datastore) and powered these VMs off");
      }
      return returned && !next.awaiting().isEmpty() ? retryAwaiting(next, "capacity changed: " + id + " is up") : next;
    }

    /** A protected VM reported at another host than the list says (moved, or restarted by us): record where. */
    private State followMigrations(State s, HostReport r) {
      if (!s.loaded()) return s;
      ProtectedList l = s.protectedList();
      for (VmSpec vm : r.poweredOn()) {
        ProtectedList.Entry e = l.vms().get(vm.name());
        if (e != null && !e.host().equals(r.hostId()) && !s.restarting().containsKey(vm.name())) {
          l = l.with(e.vm(), r.hostId(), self);
        }
      }
      if (l == s.protectedList()) return s;
      writeProtectedList(s, l);
      return s.list(l);
    }

    private State onMember(State s, ClusterEvent.ClusterDomainEvent event) {
      Optional<MembershipChange> c = MembershipChange.of(event);
      Optional<String> id = c.flatMap(x -> hostIdOf(x.member()));
      if (id.isEmpty() || id.get().equals(self)) return s;
      if (!c.get().name().equals("up")) {
        emit(new HaEvent.MembershipChanged(deps.clock().instant(), self, id.get(), c.get().name()));
      }
      Member m = c.get().member();
      HostEntry e = s.hosts().getOrDefault(id.get(), HostEntry.fresh(id.get(), s.now()));
      return s.host(e.member(mgmtOf(m).orElse(e.roleTarget()), m.address(), c.get().reach()));
    }

    static Optional<String> hostIdOf(Member m) {
      return m.getRoles().stream().filter(r -> r.startsWith(HOST_ROLE)).map(r -> r.substring(HOST_ROLE.length()))
          .findFirst();
    }

    static Optional<PingTarget> mgmtOf(Member m) {
      return m.getRoles().stream().filter(r -> r.startsWith(MGMT_ROLE)).map(r -> r.substring(MGMT_ROLE.length()))
          .map(a -> new PingTarget(a.substring(0, a.lastIndexOf(':')),
              Integer.parseInt(a.substring(a.lastIndexOf(':') + 1))))
          .findFirst();
    }

    // ---- silent hosts: investigate, judge, act

    private State onTick(State s) {
      State t = s.time(s.now().plus(settings().failureDetectionInterval()));
      deps.datastore().tell(new DatastoreHeartbeat.GetView(viewAdapter));
      if (!t.loaded()) return t;
      for (String flagged : t.view().map(MasterCoordinator::isolatedHosts).orElse(List.of())) {
        t = restartFlagged(t, flagged);
      }
      t = checkAllSilent(t);
      for (HostEntry h : t.hosts().values()) {
        if (h.id().equals(self) || h.investigating()) continue;
        Duration silence = t.now().minus(h.lastBeat());
        if (silence.compareTo(silenceLimit(h)) < 0) continue;
        boolean due = t.now().compareTo(h.nextCheck()) >= 0;
        boolean judgeable = h.verdict() == Verdict.ALIVE || h.verdict() == Verdict.AGENT_UNREACHABLE
            || h.verdict() == Verdict.PARTITIONED;
        if (!judgeable || !due) continue;
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
     * Tells the election FSM once when every other host has been silent for hostTimeout: the master may be the one
     * that is isolated (seed 003: the master pings its isolation addresses at once).
     */
    private State checkAllSilent(State s) {
      List<HostEntry> others = s.hosts().values().stream().filter(h -> !h.id().equals(self))
          .filter(h -> h.verdict() != Verdict.DEAD).toList();
      boolean allSilent = !others.isEmpty() && others.stream()
          .allMatch(h -> s.now().minus(h.lastBeat()).compareTo(silenceLimit(h)) >= 0);
      if (allSilent && !s.allSilentReported()) election.tell(new ElectionFsm.AllHostsSilent(others.size()));
      return s.allSilent(allSilent);
    }

    /**
     * How long a host may be silent before it is judged: hostTimeout, or for a host that never beat to this master
     * (a member that just joined, or any host of a master just elected) also an election window, the time it may
     * spend in an election of its own before it follows us.
     */
    private Duration silenceLimit(HostEntry h) {
      return h.report() == null ? settings().hostTimeout().plus(settings().electionWindow()) : settings().hostTimeout();
    }

    private Evidence evidence(State s, HostEntry h, boolean pingAnswered) {
      Map<String, Duration> ages = s.view().map(v -> v.heartbeatAges(h.id())).orElse(Map.of());
      boolean isolated = s.view().flatMap(v -> v.powerOn(h.id())).map(PowerOnFile::isolated).orElse(false);
      int side = 1 + (int) s.hosts().values().stream()
          .filter(o -> !o.id().equals(self) && o.verdict() == Verdict.ALIVE
              && s.now().minus(o.lastBeat()).compareTo(settings().hostTimeout()) < 0)
          .count();
      int cluster = 1 + (int) s.hosts().keySet().stream().filter(id -> !id.equals(self)).count();
      return new Evidence(s.now().minus(h.lastBeat()), h.reach(), pingAnswered, ages, isolated,
          settings().hostTimeout(), settings().failureDetectionInterval(), !deps.datastores().isEmpty(), side, cluster);
    }

    private State onPinged(State s, Pinged p) {
      HostEntry h = s.hosts().get(p.host());
      if (h == null || !h.investigating()) return s;
      Evidence e = evidence(s, h, p.answered());
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
      return switch (d.verdict()) {
        case DEAD -> {
          if (h.address() != null) Cluster.get(ctx.getSystem()).manager().tell(new Down(h.address()));
          yield restartVmsOf(next, h.id(), protectedVmsOf(next, h.id()), "host " + h.id() + " is dead");
        }
        case ISOLATED -> restartFlagged(next, h.id());
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
      return restartVmsOf(s, host, still, reason);
    }

    /**
     * The protected VMs the protected list places on a host. The list follows every host's reports, so it is the
     * authority; a power-on file may still name VMs that were restarted elsewhere since.
     */
    private static List<VmSpec> protectedVmsOf(State s, String host) {
      return s.protectedList().vms().values().stream().filter(e -> e.host().equals(host))
          .map(ProtectedList.Entry::vm).toList();
    }

    private State restartVmsOf(State s, String failedHost, List<VmSpec> vms, String reason) {
      List<VmSpec> todo = new ArrayList<>();
      for (VmSpec vm : vms) {
        if (!s.protectedList().vms().containsKey(vm.name())) continue; // unprotected: never restarted
        Optional<String> at = s.runningAt(vm.name());
        if (at.isPresent() || s.restarting().containsKey(vm.name()) || s.awaiting().containsKey(vm.name())) continue;
        todo.add(vm);
      }
      return start(s, todo, failedHost, reason, Map.of());
    }

    private State retryAwaiting(State s, String reason) {
      List<VmSpec> vms = s.awaiting().values().stream().filter(vm -> s.runningAt(vm.name()).isEmpty()).toList();
      Map<String, VmSpec> awaiting = new HashMap<>(s.awaiting());
      vms.forEach(vm -> awaiting.remove(vm.name()));
      State next = s.restarts(s.restarting(), awaiting, s.requests());
      // each VM's events name the host it was lost from
      Map<String, List<VmSpec>> byHost = new java.util.TreeMap<>();
      for (VmSpec vm : vms) {
        ProtectedList.Entry e = s.protectedList().vms().get(vm.name());
        byHost.computeIfAbsent(e == null ? "-" : e.host(), h -> new ArrayList<>()).add(vm);
      }
      for (Map.Entry<String, List<VmSpec>> g : byHost.entrySet()) {
        next = start(next, g.getValue(), g.getKey(), reason, Map.of());
      }
      return next;
    }

    /** Places the VMs on live hosts and starts one restarter per placed VM; the rest wait for capacity. */
    private State start(
        State s, List<VmSpec> vms, String failedHost, String reason, Map<String, List<String>> pinned) {
      if (vms.isEmpty()) return s;
      if (!ownsList(s)) {
        Map<String, VmSpec> awaiting = new HashMap<>(s.awaiting());
        for (VmSpec vm : vms) {
          emit(new HaEvent.VmAwaitingCapacity(deps.clock().instant(), self, vm.name(), reason + "; but this master"
              + " holds no datastore's protected-list lock (another master owns the list: partitioned), so it waits"));
          awaiting.put(vm.name(), vm);
        }
        return s.restarts(s.restarting(), awaiting, s.requests());
      }
      // an operator's power-on is placed whatever the VM's restart priority
      RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
          vms.stream().map(vm -> new RestartPlanner.Homeless(vm, pinned.containsKey(vm.name())
              ? VmProtection.defaults() : settings().restart().protectionOf(vm.name()), failedHost)).toList(),
          Map.of(), Set.of(), capacities(s), settings().restart().defaultFailoverHost()));
      Map<String, String> restarting = new HashMap<>(s.restarting());
      Map<String, VmSpec> awaiting = new HashMap<>(s.awaiting());
      for (RestartPlanner.Start a : plan.starts()) {
        List<String> hosts = pinned.getOrDefault(a.vm().name(), a.hosts());
        emit(new HaEvent.VmRestartPlanned(deps.clock().instant(), self, a.vm().name(), failedHost, hosts.get(0),
            reason + "; " + a.why()));
        List<VmRestarter.Candidate> candidates = hosts.stream()
            .map(h -> new VmRestarter.Candidate(h, s.hosts().get(h).report().vms())).toList();
        ctx.spawnAnonymous(VmRestarter.create(self, a.vm(), candidates, settings().powerOnTimeout(), outcomes,
            deps.events(), deps.clock()));
        restarting.put(a.vm().name(), hosts.get(0));
      }
      for (RestartPlanner.Wait w : plan.waits()) {
        emit(new HaEvent.VmAwaitingCapacity(deps.clock().instant(), self, w.vm().name(),
            w.why() + "; retried when a host joins or returns"));
        awaiting.put(w.vm().name(), w.vm());
      }
      for (RestartPlanner.Skip k : plan.skips()) {
        emit(new HaEvent.VmNotRestarted(deps.clock().instant(), self, k.vm().name(), k.why()));
      }
      return s.restarts(restarting, awaiting, s.requests());
    }

    /**
     * Free memory of every live host: its memory less the VMs it reports, those the protected list places there
     * and not yet reported, and restarts in flight to it.
     */
    private List<RestartPlanner.HostRoom> capacities(State s) {
      return s.hosts().values().stream()
          .filter(HostEntry::live)
          .map(h -> {
            Map<String, Long> vms = new HashMap<>();
            h.report().poweredOn().forEach(vm -> vms.put(vm.name(), vm.memoryMb()));
            s.protectedList().vms().values().stream().filter(e -> e.host().equals(h.id()))
                .forEach(e -> vms.putIfAbsent(e.vm().name(), e.vm().memoryMb()));
            s.restarting().forEach((vm, host) -> {
              ProtectedList.Entry e = s.protectedList().vms().get(vm);
              if (host.equals(h.id()) && e != null) vms.putIfAbsent(vm, e.vm().memoryMb());
            });
            long used = vms.values().stream().mapToLong(Long::longValue).sum();
            return new RestartPlanner.HostRoom(h.id(), h.report().memoryMb() - used,
                settings().restart().perHostConcurrentFailoversLimit());
          })
          .toList();
    }

    private State onRestarted(State s, VmRestarter.Outcome o) {
      String vm = o.vm().name();
      Map<String, String> restarting = new HashMap<>(s.restarting());
      restarting.remove(vm);
      Map<String, VmSpec> awaiting = new HashMap<>(s.awaiting());
      Map<String, ActorRef<OperationResult>> requests = new HashMap<>(s.requests());
      ActorRef<OperationResult> request = requests.remove(vm);
      State next = s;
      if (o.host() != null) {
        ProtectedList l = s.protectedList().with(o.vm(), o.host(), self);
        writeProtectedList(s, l);
        next = next.list(l);
        if (request != null) {
          emit(new HaEvent.VmProtected(deps.clock().instant(), self, vm, o.host()));
          request.tell(new OperationResult(true, vm + " powered on at " + o.host() + " and protected"));
        }
      } else {
        if (request != null) {
          ProtectedList l = s.protectedList().without(vm, self);
          writeProtectedList(s, l);
          next = next.list(l);
          request.tell(new OperationResult(false, vm + " not powered on: " + o.reason()));
        } else {
          emit(new HaEvent.VmAwaitingCapacity(deps.clock().instant(), self, vm,
              o.reason() + "; retried when a host joins or returns"));
          awaiting.put(vm, o.vm());
        }
      }
      return next.restarts(restarting, awaiting, requests);
    }

    // ---- operator requests

    private State onPowerOn(State s, PowerOnVm p) {
      VmSpec vm = p.vm();
      Optional<String> refusal = Optional.empty();
      if (!s.loaded()) refusal = Optional.of("the master has not read the protected list yet; try again");
      else if (!ownsList(s)) {
        refusal = Optional.of("master " + self + " does not own the protected list (another master holds its"
            + " datastore lock: the cluster is partitioned); try again when it heals");
      }
      else if (s.runningAt(vm.name()).isPresent()) refusal = Optional.of(vm.name() + " already runs at " + s.runningAt(vm.name()).get());
      else if (s.restarting().containsKey(vm.name())) refusal = Optional.of(vm.name() + " is being started");
      else if (p.host() != null) {
        HostEntry h = s.hosts().get(p.host());
        if (h == null || !h.live()) refusal = Optional.of("host " + p.host() + " is not a live member of the cluster");
      }
      if (refusal.isPresent()) {
        p.replyTo().tell(new OperationResult(false, refusal.get()));
        return s;
      }
      List<RestartPlanner.HostRoom> caps = capacities(s).stream()
          .filter(c -> p.host() == null || c.hostId().equals(p.host())).toList();
      RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
          List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), "-")), Map.of(), Set.of(), caps,
          settings().restart().defaultFailoverHost()));
      if (plan.starts().isEmpty()) {
        p.replyTo().tell(new OperationResult(false, "no " + (p.host() == null ? "live host" : "room at " + p.host())
            + " with " + vm.memoryMb() + " MB free for " + vm.name()));
        return s;
      }
      // record the VM as protected before it is started, so a new master knows of it
      ProtectedList l = s.protectedList().with(vm, plan.starts().get(0).hosts().get(0), self);
      writeProtectedList(s, l);
      Map<String, ActorRef<OperationResult>> requests = new HashMap<>(s.requests());
      requests.put(vm.name(), p.replyTo());
      State next = s.list(l).restarts(s.restarting(), s.awaiting(), requests);
      return start(next, List.of(vm), "-", "operator power-on", Map.of(vm.name(), plan.starts().get(0).hosts()));
    }

    private ClusterStatus status(State s) {
      List<ClusterStatus.HostStatus> hosts = new ArrayList<>();
      s.hosts().values().stream().sorted(Comparator.comparing(HostEntry::id)).forEach(h -> {
        HostReport r = h.report();
        hosts.add(new ClusterStatus.HostStatus(h.id(), h.id().equals(self) ? "master" : "slave", h.verdict().name(),
            h.reason(), h.reach().name(), s.now().minus(h.lastBeat()).toMillis(),
            h.pingTarget().map(PingTarget::address).orElse(""), h.pingTarget().map(PingTarget::tcpPort).orElse(0),
            r == null ? 0 : r.memoryMb(), r == null ? 0 : r.memoryMb() - r.usedMemoryMb(),
            r == null ? List.of() : r.poweredOn().stream().map(VmSpec::name).sorted().toList()));
      });
      List<ClusterStatus.VmStatus> vms = new ArrayList<>();
      s.protectedList().vms().values().stream().sorted(Comparator.comparing(e -> e.vm().name())).forEach(e -> {
        String name = e.vm().name();
        Optional<String> at = s.runningAt(name);
        String state = at.isPresent() ? "running" : s.restarting().containsKey(name) ? "restarting"
            : s.awaiting().containsKey(name) ? "awaiting-capacity" : "not-running";
        vms.add(new ClusterStatus.VmStatus(name, e.vm().memoryMb(), at.orElse(s.restarting().getOrDefault(name, e.host())),
            state));
      });
      List<ClusterStatus.DatastoreStatus> ds = new ArrayList<>();
      s.view().ifPresent(v -> v.accessible().forEach((n, ok) -> ds.add(new ClusterStatus.DatastoreStatus(n, ok))));
      return new ClusterStatus(self, self, hosts, vms, ds);
    }
  }
}
