package dev.vmha.election;

import dev.vmha.JsonSerializable;
import dev.vmha.LocalMessage;
import dev.vmha.classify.SelfDiagnosis;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.IsolationResponder;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.MasterNotice;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The host's role: Uninitialized → Election → Master | Slave, and Isolated (seed 000). It also carries the network
 * heartbeats: a master beats to every host each {@code das.failuredetectioninterval}; a slave beats to its master
 * with its {@link HostReport}; a slave that hears no master for {@code hostTimeout} enters a new election.
 *
 * <p>An election collects ballots for {@code vmha.election.window}; the best {@link Rank} wins. A host that hears a
 * master during an election follows it. Two masters that hear each other (a healed partition, or two elections that
 * saw different ballots) settle it by rank: the lower one steps down.
 *
 * <p>Isolation (seed 000, timelines of seed 003): a slave that lost its master and hears no ballot during its
 * election elects itself, then pings the isolation addresses for {@code icmpPingTimeout}; a master whose coordinator
 * reports every other host silent does the same. No answer and no election traffic: the host is isolated, applies
 * its isolation response and marks its power-on file; any answer or traffic: it is partitioned and acts as master
 * of its side.
 */
public final class ElectionFsm {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "vmha-election");

  public enum Role { UNINITIALIZED, ELECTION, MASTER, SLAVE, ISOLATED }

  public sealed interface Command {}

  /** A candidate's ballot, sent to every host during its election. */
  public record Ballot(Rank rank) implements Command, JsonSerializable {}

  /**
   * A master's network heartbeat, sent to every host, with the master's protected list (null until it has one), so
   * that any host that becomes master knows every protected VM even where no datastore holds the list.
   */
  public record MasterBeat(Rank master, ActorRef<MasterCoordinator.Command> coordinator, ProtectedList protectedList)
      implements Command, JsonSerializable {}

  /** From this host's master coordinator, adapted. */
  private record FromMaster(MasterNotice notice) implements Command, LocalMessage {}

  /** This host's latest report, from its VM manager. */
  public record LocalReport(HostReport report) implements Command, LocalMessage {}

  public record GetRole(ActorRef<RoleInfo> replyTo) implements Command, LocalMessage {}

  /**
   * The host's role, once known its master's coordinator, and the version of the protected list it holds (its own
   * as master, else the replica from the master's heartbeats; -1 for none).
   */
  public record RoleInfo(
      String hostId, Role role, String master, ActorRef<MasterCoordinator.Command> coordinator, long listVersion)
      implements LocalMessage {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

  private enum WindowClosed implements Command, LocalMessage { INSTANCE }

  private enum MasterLost implements Command, LocalMessage { INSTANCE }

  private enum DiagnosisDue implements Command, LocalMessage { INSTANCE }

  private enum RecheckIsolation implements Command, LocalMessage { INSTANCE }

  private enum ClearIsolationFlag implements Command, LocalMessage { INSTANCE }

  private record Peers(Set<ActorRef<Command>> refs) implements Command, LocalMessage {}

  private record ViewUpdate(DatastoreView view) implements Command, LocalMessage {}

  private record IsolationPinged(String address, boolean answered) implements Command, LocalMessage {}

  private record IsolationApplied(IsolationResponder.Applied applied) implements Command, LocalMessage {}

  private ElectionFsm() {}

  /**
   * @param isolationPinger probes the isolation addresses (ICMP in production)
   * @param coordinator makes the master coordinator this host runs while it is master
   * @param agentStarted when this host's agent started: a cold start waits for the configured hosts from then
   */
  public static Behavior<Command> create(
      HaSettings settings, Pinger isolationPinger, ActorRef<DatastoreHeartbeat.Command> datastore,
      Function<MasterCoordinator.Start, Behavior<MasterCoordinator.Command>> coordinator, Consumer<HaEvent> events,
      Clock clock, Instant agentStarted) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      ActorRef<Receptionist.Listing> listing = ctx.messageAdapter(Receptionist.Listing.class,
          l -> new Peers(l.getServiceInstances(KEY)));
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listing));
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.failureDetectionInterval());
      Fsm fsm = new Fsm(ctx, timers, settings, isolationPinger, datastore,
          ctx.messageAdapter(DatastoreView.class, ViewUpdate::new),
          ctx.messageAdapter(IsolationResponder.Applied.class, IsolationApplied::new),
          ctx.messageAdapter(MasterNotice.class, FromMaster::new), coordinator, events, clock, agentStarted);
      return fsm.uninitialized(new Shared(Set.of(), 0, Optional.empty(), Optional.empty(), Optional.empty()));
    }));
  }

  /**
   * What every state keeps: the other hosts' FSMs, datastores seen, this host's latest report, the newest
   * protected list seen (its own as master, else from a master's heartbeats), and the latest datastore view.
   */
  private record Shared(
      Set<ActorRef<Command>> peers, int datastoresSeen, Optional<HostReport> report, Optional<ProtectedList> list,
      Optional<DatastoreView> view) {
    Shared peers(Set<ActorRef<Command>> p) {
      return new Shared(p, datastoresSeen, report, list, view);
    }

    Shared seen(DatastoreView v) {
      return new Shared(peers, v.accessibleCount(), report, list, Optional.of(v));
    }

    Shared report(HostReport r) {
      return new Shared(peers, datastoresSeen, Optional.of(r), list, view);
    }

    /** Keeps the newer of the list held and {@code l}. */
    Shared list(ProtectedList l) {
      if (l == null || (list.isPresent() && list.get().version() > l.version())) return this;
      return new Shared(peers, datastoresSeen, report, Optional.of(l), view);
    }

    /** The hosts whose datastore heartbeat moved after virtual time {@code t} of this host's datastore rounds. */
    Set<String> beatingSince(Duration t) {
      return view.map(v -> v.movedSince(t)).orElse(Set.of());
    }
  }

  /**
   * A self-diagnosis in progress: what triggered it, the coordinator to keep (a master diagnosing itself) and the
   * silences to hand a new one, and what has been heard so far.
   */
  private record Diagnosis(
      String trigger, Optional<ActorRef<MasterCoordinator.Command>> coordinator, Map<String, Duration> knownSilence,
      Instant started, boolean addressAnswered, boolean electionTraffic) {
    Diagnosis answered() {
      return new Diagnosis(trigger, coordinator, knownSilence, started, true, electionTraffic);
    }

    Diagnosis traffic() {
      return new Diagnosis(trigger, coordinator, knownSilence, started, addressAnswered, true);
    }
  }

  /**
   * A cold-start election: the virtual time of this host's datastore rounds when it began (from the first view
   * received, if it began before any): hosts whose heartbeat moves after it are starting too.
   */
  private record ColdStart(Optional<Duration> since) {
    ColdStart known(Shared s) {
      return since.isPresent() ? this : new ColdStart(s.view().map(DatastoreView::now));
    }
  }

  private record Fsm(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, HaSettings settings, Pinger isolationPinger,
      ActorRef<DatastoreHeartbeat.Command> datastore, ActorRef<DatastoreView> viewAdapter,
      ActorRef<IsolationResponder.Applied> appliedAdapter, ActorRef<MasterNotice> masterAdapter,
      Function<MasterCoordinator.Start, Behavior<MasterCoordinator.Command>> coordinatorFactory,
      Consumer<HaEvent> events, Clock clock, Instant agentStarted) {

    String hostId() {
      return settings.hostId();
    }

    Rank rank(Shared s) {
      return new Rank(s.datastoresSeen(), hostId());
    }

    private void emit(HaEvent e) {
      events.accept(e);
    }

    /** Messages every state treats alike; returns null for those it leaves to the state. */
    private Shared common(Shared s, Command m) {
      if (m instanceof Peers p) return s.peers(p.refs());
      if (m instanceof ViewUpdate v) return s.seen(v.view());
      if (m instanceof LocalReport r) return s.report(r.report());
      if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.ProtectedListChanged p) {
        return s.list(p.list());
      }
      if (m == ClearIsolationFlag.INSTANCE) {
        datastore.tell(DatastoreHeartbeat.ClearIsolation.INSTANCE);
        return s;
      }
      return null;
    }

    /** A replica of the protected list travels with every master's heartbeat; the state then acts on the beat. */
    private Shared absorb(Shared s, Command m) {
      return m instanceof MasterBeat b && fromOther(b.master()) ? s.list(b.protectedList()) : s;
    }

    private void askView() {
      datastore.tell(new DatastoreHeartbeat.GetView(viewAdapter));
    }

    private void toPeers(Shared s, Command m) {
      for (ActorRef<Command> p : s.peers()) if (!p.equals(ctx.getSelf())) p.tell(m);
    }

    private boolean fromOther(Rank r) {
      return !r.hostId().equals(hostId());
    }

    // ---- Uninitialized: waiting for this agent to be a cluster member

    Behavior<Command> uninitialized(Shared s0) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared s = absorb(s0, m);
            Shared c = common(s, m);
            if (c != null) return uninitialized(c);
            if (m == Tick.INSTANCE) {
              askView();
              MemberStatus st = Cluster.get(ctx.getSystem()).selfMember().status();
              if (st == MemberStatus.up() || st == MemberStatus.weaklyUp()) {
                return startColdElection(s);
              }
              return Behaviors.same();
            }
            if (m instanceof GetRole g) return reply(s, g, Role.UNINITIALIZED, null, null);
            return Behaviors.same();
          })
          .build();
    }

    // ---- Election: collect ballots for the election window

    /** @param lostMaster the master whose silence caused this election, if any */
    Behavior<Command> startElection(Shared s, String reason, Optional<String> lostMaster) {
      emit(new HaEvent.ElectionStarted(clock.instant(), hostId(), reason));
      timers.startSingleTimer(WindowClosed.INSTANCE, settings.electionWindow());
      return election(s, Map.of(), lostMaster, 0, Optional.empty());
    }

    /**
     * The election of an agent that just joined: it also waits for the configured hosts and the hosts starting with
     * it ({@link ElectionWindow}), counting as starting those whose datastore heartbeat moves after this moment.
     */
    Behavior<Command> startColdElection(Shared s) {
      emit(new HaEvent.ElectionStarted(clock.instant(), hostId(), "agent joined the cluster"));
      timers.startSingleTimer(WindowClosed.INSTANCE, settings.electionWindow());
      return election(s, Map.of(), Optional.empty(), 0, Optional.of(new ColdStart(s.view().map(DatastoreView::now))));
    }

    /**
     * @param extensions intervals the election has run beyond its window
     * @param coldStart present on a cold start
     */
    Behavior<Command> election(
        Shared s0, Map<String, Rank> ballots, Optional<String> lostMaster, int extensions,
        Optional<ColdStart> coldStart) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared s = absorb(s0, m);
            Shared c = common(s, m);
            if (c != null) return election(c, ballots, lostMaster, extensions, coldStart.map(cs -> cs.known(c)));
            if (m == Tick.INSTANCE) {
              askView();
              toPeers(s, new Ballot(rank(s)));
              return Behaviors.same();
            }
            if (m instanceof Ballot b && fromOther(b.rank())) {
              Map<String, Rank> next = new HashMap<>(ballots);
              next.put(b.rank().hostId(), b.rank());
              return election(s, next, lostMaster, extensions, coldStart);
            }
            if (m instanceof MasterBeat beat && fromOther(beat.master())) {
              timers.cancel(WindowClosed.INSTANCE);
              return follow(s, beat, "heard master " + beat.master().hostId() + " during the election");
            }
            if (m == WindowClosed.INSTANCE) {
              Duration elapsed = settings.electionWindow()
                  .plus(settings.failureDetectionInterval().multipliedBy(extensions));
              Set<String> members = hostMembers();
              Set<String> awaited = coldStart.map(cs -> ElectionWindow.awaited(hostId(),
                  settings.hostAddress() + ":" + settings.clusterPort(), ballots.keySet(),
                  new ElectionWindow.Expected(settings.seedNodes(), members,
                      cs.since().map(s::beatingSince).orElse(Set.of()), idsByAddress(s))))
                  .orElse(Set.of());
              ElectionWindow.Decision d = ElectionWindow.decide(new ElectionWindow.Facts(elapsed,
                  Duration.between(agentStarted, clock.instant()), coldStart.isPresent(), s.peers().size(),
                  members.size(), awaited),
                  new ElectionWindow.Timing(settings.electionWindow(), settings.hostTimeout(), settings.coldStartWait()));
              if (!d.close()) {
                if (extensions == 0) ctx.getLog().info("{}: election kept open: {}", hostId(), d.reason());
                timers.startSingleTimer(WindowClosed.INSTANCE, settings.failureDetectionInterval());
                return election(s, ballots, lostMaster, extensions + 1, coldStart);
              }
              if (extensions > 0) ctx.getLog().info("{}: election closes: {}", hostId(), d.reason());
              return closeElection(s, ballots, lostMaster);
            }
            if (m instanceof GetRole g) return reply(s, g, Role.ELECTION, null, null);
            return Behaviors.same();
          })
          .build();
    }

    /** The ids of the cluster members that are vmha hosts and reachable from here (up or weakly up). */
    private Set<String> hostMembers() {
      var state = Cluster.get(ctx.getSystem()).state();
      Set<String> ids = new HashSet<>();
      for (var m : state.getMembers()) {
        boolean up = m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
        if (!up || state.getUnreachable().contains(m)) continue;
        ClusterRoles.hostId(m).ifPresent(ids::add);
      }
      return ids;
    }

    /**
     * Host ids by cluster address (host:port): from the datastore heartbeats of members, and from the cluster's
     * members (a member's role names its host), which win.
     */
    private Map<String, String> idsByAddress(Shared s) {
      Map<String, String> ids = new HashMap<>();
      s.view().ifPresent(v -> v.addresses().forEach((id, address) -> ids.put(address, id)));
      for (var m : Cluster.get(ctx.getSystem()).state().getMembers()) {
        if (m.address().getHost().isEmpty() || m.address().getPort().isEmpty()) continue;
        String address = m.address().getHost().get() + ":" + m.address().getPort().get();
        ClusterRoles.hostId(m).ifPresent(id -> ids.put(address, id));
      }
      return ids;
    }

    private Behavior<Command> closeElection(Shared s, Map<String, Rank> ballots, Optional<String> lostMaster) {
      List<Rank> candidates = new ArrayList<>(ballots.values());
      candidates.add(rank(s));
      Rank winner = ElectionRanking.winner(candidates);
      emit(new HaEvent.MasterElected(clock.instant(), hostId(), winner.hostId(),
          ElectionRanking.ordered(candidates), ElectionRanking.RULE));
      if (winner.hostId().equals(hostId())) {
        // the lost master has been silent since before this election: the new master need not wait for it again
        Map<String, Duration> silent = new HashMap<>();
        lostMaster.ifPresent(m -> silent.put(m, settings.hostTimeout().plus(settings.electionWindow())));
        if (lostMaster.isPresent() && ballots.isEmpty()) {
          // no master and no election traffic: the third condition decides (seed 003: T0+25 s ping, T0+30 s)
          return diagnose(s, new Diagnosis("lost master " + lostMaster.get() + " and heard no other host's ballot",
              Optional.empty(), silent, clock.instant(), false, false));
        }
        return becomeMaster(s, Role.ELECTION, silent);
      }
      emit(new HaEvent.RoleChanged(clock.instant(), hostId(), Role.ELECTION.name(), Role.SLAVE.name(),
          winner.hostId()));
      timers.startSingleTimer(MasterLost.INSTANCE, settings.hostTimeout());
      return slave(s, winner, Optional.empty());
    }

    // ---- Slave: follow the master, beat to it, elect anew when it falls silent

    private Behavior<Command> follow(Shared s, MasterBeat beat, String why) {
      emit(new HaEvent.RoleChanged(clock.instant(), hostId(), "(" + why + ")", Role.SLAVE.name(),
          beat.master().hostId()));
      timers.startSingleTimer(MasterLost.INSTANCE, settings.hostTimeout());
      return slave(s, beat.master(), Optional.of(beat.coordinator()));
    }

    Behavior<Command> slave(Shared s0, Rank master, Optional<ActorRef<MasterCoordinator.Command>> coordinator) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared s = absorb(s0, m);
            Shared c = common(s, m);
            if (c != null) return slave(c, master, coordinator);
            if (m == Tick.INSTANCE) {
              askView();
              if (coordinator.isPresent() && s.report().isPresent()) {
                coordinator.get().tell(new MasterCoordinator.SlaveBeat(s.report().get()));
              }
              return Behaviors.same();
            }
            if (m instanceof MasterBeat beat) {
              if (beat.master().hostId().equals(master.hostId())) {
                timers.startSingleTimer(MasterLost.INSTANCE, settings.hostTimeout());
                return slave(s, beat.master(), Optional.of(beat.coordinator()));
              }
              if (beat.master().outranks(master) && fromOther(beat.master())) {
                return follow(s, beat, "master " + beat.master().hostId() + " outranks " + master.hostId());
              }
              return Behaviors.same();
            }
            if (m == MasterLost.INSTANCE) {
              emit(new HaEvent.RoleChanged(clock.instant(), hostId(), Role.SLAVE.name(), Role.ELECTION.name(), null));
              return startElection(s, "no heartbeat from master " + master.hostId() + " for "
                  + settings.hostTimeout().toMillis() + " ms", Optional.of(master.hostId()));
            }
            if (m instanceof GetRole g) return reply(s, g, Role.SLAVE, master.hostId(), coordinator.orElse(null));
            return Behaviors.same();
          })
          .build();
    }

    // ---- Master: run the coordinator, beat to every host, step down for a better master

    private Behavior<Command> becomeMaster(Shared s, Role from, Map<String, Duration> knownSilence) {
      emit(new HaEvent.RoleChanged(clock.instant(), hostId(), from.name(), Role.MASTER.name(), hostId()));
      // its own dispatcher: verdicts and restarts never wait behind the HTTP API or the history on the default one,
      // and the status requests it answers never delay the heartbeats and leases on vmha.ha-dispatcher
      ActorRef<MasterCoordinator.Command> coordinator = ctx.spawnAnonymous(
          coordinatorFactory.apply(new MasterCoordinator.Start(knownSilence, masterAdapter, s.list())),
          DispatcherSelector.fromConfig("vmha.master-dispatcher"));
      ctx.watch(coordinator);
      return master(s, coordinator);
    }

    /** What a master does each tick: beat to every host, and give its coordinator its own report. */
    private void masterTick(Shared s, ActorRef<MasterCoordinator.Command> coordinator) {
      askView();
      toPeers(s, new MasterBeat(rank(s), coordinator, s.list().orElse(null)));
      s.report().ifPresent(r -> coordinator.tell(new MasterCoordinator.SlaveBeat(r)));
    }

    private Behavior<Command> stepDown(Shared s, ActorRef<MasterCoordinator.Command> coordinator, MasterBeat beat) {
      stopCoordinator(coordinator);
      emit(new HaEvent.RoleChanged(clock.instant(), hostId(), Role.MASTER.name(), Role.SLAVE.name(),
          beat.master().hostId()));
      timers.startSingleTimer(MasterLost.INSTANCE, settings.hostTimeout());
      return slave(s, beat.master(), Optional.of(beat.coordinator()));
    }

    private void stopCoordinator(ActorRef<MasterCoordinator.Command> coordinator) {
      ctx.unwatch(coordinator);
      ctx.stop(coordinator);
    }

    Behavior<Command> master(Shared s0, ActorRef<MasterCoordinator.Command> coordinator) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared s = absorb(s0, m);
            Shared c = common(s, m);
            if (c != null) return master(c, coordinator);
            if (m == Tick.INSTANCE) {
              masterTick(s, coordinator);
              return Behaviors.same();
            }
            if (m instanceof MasterBeat beat && beat.master().outranks(rank(s))) return stepDown(s, coordinator, beat);
            if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.AllHostsSilent a) {
              return diagnose(s, new Diagnosis("all " + a.hosts() + " other hosts silent for "
                  + settings.hostTimeout().toMillis() + " ms", Optional.of(coordinator), Map.of(), clock.instant(), false,
                  false));
            }
            if (m instanceof GetRole g) return reply(s, g, Role.MASTER, hostId(), coordinator);
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> coordinatorStopped(s0))
          .build();
    }

    private Behavior<Command> coordinatorStopped(Shared s) {
      // the coordinator failed beyond its own restarts: stop being master, let the cluster elect again
      emit(new HaEvent.RoleChanged(clock.instant(), hostId(), Role.MASTER.name(), Role.ELECTION.name(), null));
      return startElection(s, "master coordinator stopped", Optional.empty());
    }

    // ---- Self-diagnosis: ping the isolation addresses, listen for election traffic

    private Behavior<Command> diagnose(Shared s, Diagnosis d) {
      List<String> addresses = settings.isolationAddresses();
      emit(new HaEvent.IsolationCheckStarted(clock.instant(), hostId(), d.trigger(), addresses));
      pingIsolationAddresses();
      timers.startSingleTimer(DiagnosisDue.INSTANCE, settings.icmpPingTimeout());
      return diagnosing(s, d);
    }

    private void pingIsolationAddresses() {
      for (String a : settings.isolationAddresses()) {
        ctx.pipeToSelf(isolationPinger.ping(new PingTarget(a, 0), settings.icmpPingTimeout()),
            (ok, err) -> new IsolationPinged(a, err == null && ok));
      }
    }

    /** The diagnosis ends: isolated (nothing answered), or master of this side. */
    private Behavior<Command> settle(Shared s, Diagnosis d) {
      SelfDiagnosis.Signals signals = new SelfDiagnosis.Signals(false, d.addressAnswered(), d.electionTraffic());
      SelfDiagnosis.Finding f = SelfDiagnosis.diagnose(signals);
      emit(new HaEvent.SelfDiagnosed(clock.instant(), hostId(), f.result().name(), f.reason(), signals));
      if (f.result() == SelfDiagnosis.Result.ISOLATED) {
        d.coordinator().ifPresent(this::stopCoordinator);
        return becomeIsolated(s, d.coordinator().isPresent() ? Role.MASTER : Role.ELECTION);
      }
      if (d.coordinator().isPresent()) return master(s, d.coordinator().get());
      // the lost master has been silent through the diagnosis as well
      Duration took = Duration.between(d.started(), clock.instant());
      Map<String, Duration> silent = new HashMap<>();
      d.knownSilence().forEach((h, t) -> silent.put(h, t.plus(took)));
      return becomeMaster(s, Role.ELECTION, silent);
    }

    Behavior<Command> diagnosing(Shared s0, Diagnosis d) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared s = absorb(s0, m);
            Shared c = common(s, m);
            if (c != null) return diagnosing(c, d);
            if (m == Tick.INSTANCE) {
              if (d.coordinator().isPresent()) masterTick(s, d.coordinator().get());
              else askView();
              return Behaviors.same();
            }
            // an answering isolation address settles it at once: this host is not isolated (SelfDiagnosis), and a
            // lone survivor of a master loss must not spend the whole ping timeout before it takes over
            if (m instanceof IsolationPinged p) {
              if (!p.answered()) return Behaviors.same();
              timers.cancel(DiagnosisDue.INSTANCE);
              return settle(s, d.answered());
            }
            if (m instanceof Ballot b && fromOther(b.rank())) return diagnosing(s, d.traffic());
            if (m instanceof MasterBeat beat && fromOther(beat.master())) {
              // a master is heard: this host is not isolated
              timers.cancel(DiagnosisDue.INSTANCE);
              SelfDiagnosis.Signals heard = new SelfDiagnosis.Signals(true, d.addressAnswered(), d.electionTraffic());
              emit(new HaEvent.SelfDiagnosed(clock.instant(), hostId(), "PARTITIONED",
                  SelfDiagnosis.diagnose(heard).reason(), heard));
              if (d.coordinator().isEmpty()) return follow(s, beat, "heard master " + beat.master().hostId());
              return beat.master().outranks(rank(s)) ? stepDown(s, d.coordinator().get(), beat)
                  : master(s, d.coordinator().get());
            }
            if (m == DiagnosisDue.INSTANCE) return settle(s, d);
            if (m instanceof GetRole g) {
              return reply(s, g, d.coordinator().isPresent() ? Role.MASTER : Role.ELECTION,
                  d.coordinator().isPresent() ? hostId() : null, d.coordinator().orElse(null));
            }
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> coordinatorStopped(s0))
          .build();
    }

    // ---- Isolated: apply the isolation response, wait for the network to come back

    private Behavior<Command> becomeIsolated(Shared s, Role from) {
      emit(new HaEvent.RoleChanged(clock.instant(), hostId(), from.name(), Role.ISOLATED.name(), null));
      timers.cancel(ClearIsolationFlag.INSTANCE);
      timers.startTimerWithFixedDelay(RecheckIsolation.INSTANCE, settings.hostTimeout());
      return isolated(s, applyResponse(s));
    }

    /** Asks the VM manager to apply the isolation response; false if this host has no VM manager report yet. */
    private boolean applyResponse(Shared s) {
      Optional<ActorRef<HostVms.Command>> vms = s.report().map(HostReport::vms);
      vms.ifPresent(v -> v.tell(new HostVms.ApplyIsolationResponse(settings::isolationResponseFor,
          settings.isolationShutdownTimeout(), appliedAdapter)));
      return vms.isPresent();
    }

    private void leaveIsolation(String why) {
      emit(new HaEvent.IsolationEnded(clock.instant(), hostId(), why));
      timers.cancel(RecheckIsolation.INSTANCE);
      // the flag stays until the master has surely read it and restarted the VMs it lists
      timers.startSingleTimer(ClearIsolationFlag.INSTANCE, settings.hostTimeout());
    }

    Behavior<Command> isolated(Shared s0, boolean responseRequested) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared s = absorb(s0, m);
            Shared c = common(s, m);
            if (c != null) return isolated(c, responseRequested);
            if (m == Tick.INSTANCE) {
              askView();
              return responseRequested ? Behaviors.same() : isolated(s, applyResponse(s));
            }
            if (m instanceof IsolationApplied a) {
              datastore.tell(new DatastoreHeartbeat.DeclareIsolated(a.applied().stopped()));
              emit(new HaEvent.IsolationResponseApplied(clock.instant(), hostId(), names(a.applied().stopped()),
                  names(a.applied().keptRunning()), a.applied().failures(), settings.isolationResponse(),
                  overridesFor(a.applied())));
              return Behaviors.same();
            }
            if (m == RecheckIsolation.INSTANCE) {
              pingIsolationAddresses();
              return Behaviors.same();
            }
            if (m instanceof IsolationPinged p && p.answered()) {
              leaveIsolation("isolation address " + p.address() + " answers again");
              return startElection(s, "isolation over", Optional.empty());
            }
            if (m instanceof Ballot b && fromOther(b.rank())) {
              leaveIsolation("election traffic from " + b.rank().hostId());
              return startElection(s, "isolation over", Optional.empty());
            }
            if (m instanceof MasterBeat beat && fromOther(beat.master())) {
              leaveIsolation("heard master " + beat.master().hostId());
              return follow(s, beat, "isolation over");
            }
            if (m instanceof GetRole g) return reply(s, g, Role.ISOLATED, null, null);
            return Behaviors.same();
          })
          .build();
    }

    /** The per-VM isolation responses that applied to the VMs the response stopped or kept, for the history. */
    private Map<String, IsolationResponse> overridesFor(IsolationResponder.Applied a) {
      Map<String, IsolationResponse> o = new HashMap<>(settings.vmIsolationResponse());
      Set<String> listed = new HashSet<>(names(a.stopped()));
      listed.addAll(names(a.keptRunning()));
      o.keySet().retainAll(listed);
      return o;
    }

    private static List<String> names(List<VmSpec> vms) {
      return vms.stream().map(VmSpec::name).toList();
    }

    private Behavior<Command> reply(
        Shared s, GetRole g, Role role, String master, ActorRef<MasterCoordinator.Command> coordinator) {
      g.replyTo().tell(new RoleInfo(hostId(), role, master, coordinator,
          s.list().map(ProtectedList::version).orElse(-1L)));
      return Behaviors.same();
    }
  }
}
