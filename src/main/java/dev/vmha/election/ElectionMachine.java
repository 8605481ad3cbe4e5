package dev.vmha.election;

import dev.vmha.classify.SelfDiagnosis;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.election.ElectionEffect.AskView;
import dev.vmha.election.ElectionEffect.Cancel;
import dev.vmha.election.ElectionEffect.Emit;
import dev.vmha.election.ElectionEffect.Repeat;
import dev.vmha.election.ElectionEffect.Schedule;
import dev.vmha.election.ElectionInput.AllHostsSilent;
import dev.vmha.election.ElectionInput.BallotHeard;
import dev.vmha.election.ElectionInput.CoordinatorStopped;
import dev.vmha.election.ElectionInput.DiskListRead;
import dev.vmha.election.ElectionInput.Emergency;
import dev.vmha.election.ElectionInput.EnforcementAsked;
import dev.vmha.election.ElectionInput.Fired;
import dev.vmha.election.ElectionInput.IsolationPinged;
import dev.vmha.election.ElectionInput.ListChanged;
import dev.vmha.election.ElectionInput.PromiseOnDisk;
import dev.vmha.election.ElectionInput.Proposing;
import dev.vmha.election.ElectionInput.MasterBeatHeard;
import dev.vmha.election.ElectionInput.PeersListed;
import dev.vmha.election.ElectionInput.ReplicaNotStored;
import dev.vmha.election.ElectionInput.ReplicaStored;
import dev.vmha.election.ElectionInput.Reported;
import dev.vmha.election.ElectionInput.SideChanged;
import dev.vmha.election.ElectionInput.Stalled;
import dev.vmha.election.ElectionInput.ResponseApplied;
import dev.vmha.election.ElectionInput.RoleAsked;
import dev.vmha.election.ElectionInput.Timer;
import dev.vmha.election.ElectionInput.ViewRead;
import dev.vmha.election.ElectionState.ColdStart;
import dev.vmha.election.ElectionState.Diagnosing;
import dev.vmha.election.ElectionState.Electing;
import dev.vmha.election.ElectionState.Isolated;
import dev.vmha.election.ElectionState.Master;
import dev.vmha.election.ElectionState.Slave;
import dev.vmha.election.ElectionState.Uninitialized;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.Enforcement;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The host's role as a pure state machine (seed 000; etcd raft's {@code Step} → {@code Ready}): Uninitialized →
 * Election → Master | Slave, and Isolated; the network heartbeats, the protected-list replica, the self-diagnosis and
 * the isolation response. {@link #step} takes the state and one input and returns the next state and the effects,
 * which {@link ElectionFsm} carries out; no actor, clock or I/O here: time arrives with every input, timers are
 * effects.
 *
 * <p>An election collects ballots for {@code vmha.election.window}; the best {@link Rank} wins; a cold start may wait
 * longer ({@link ElectionWindow}). A host that hears a master during an election follows it. Two masters that hear
 * each other settle it by rank: the lower one steps down.
 *
 * <p>Isolation (seed 000, timelines of seed 003): a slave that lost its master and hears no ballot during its
 * election elects itself, then pings the isolation addresses for {@code icmpPingTimeout}; a master whose coordinator
 * reports every other host silent does the same. No answer and no election traffic: the host is isolated, applies
 * its isolation response and marks its power-on file; any answer or traffic: it is partitioned and acts as master
 * of its side.
 */
public final class ElectionMachine {
  private ElectionMachine() {}

  /** The next state and what to do, in order. */
  public record Step<C>(ElectionState<C> state, List<ElectionEffect<C>> effects) {
    public Step {
      effects = List.copyOf(effects);
    }
  }

  /**
   * The machine as the agent starts: uninitialized, ticking every interval, enforcing HA — and so are the self-fence
   * and the leases, told so in case they kept a suspension this machine (restarted) no longer knows of.
   */
  public static <C> Step<C> start(ElectionConfig config) {
    return new Step<>(ElectionState.initial(config.heartbeatDatastores()), List.of(new Repeat<>(Timer.TICK, config.timing().interval()),
        new ElectionEffect.SetEnforcement<>(Enforcement.ON)));
  }

  public static <C> Step<C> step(ElectionState<C> state, ElectionInput<C> input, ElectionConfig config) {
    Run<C> run = new Run<>(config, input.at());
    return new Step<>(run.step(state, input), run.effects);
  }

  /** One step: the effects it collects. */
  private static final class Run<C> {
    private final ElectionConfig config;
    private final Instant at;
    private final List<ElectionEffect<C>> effects = new ArrayList<>();

    Run(ElectionConfig config, Instant at) {
      this.config = config;
      this.at = at;
    }

    ElectionState<C> step(ElectionState<C> s0, ElectionInput<C> in) {
      ElectionState<C> s = phaseStep(s0, in);
      boolean changed = !s.list().equals(s0.list());
      return store(changed ? reenforce(s) : s, changed || fired(in, Timer.TICK) || in instanceof ReplicaStored<C>);
    }

    /**
     * Without datastores a host that runs no coordinator stores the replica it holds on its own disk when it is newer
     * than the one stored there, one store at a time: when it takes it, when the last store ends, and (after a failed
     * one) at the next tick. A master's coordinator writes its own list (before a restart's power-on goes out).
     */
    private ElectionState<C> store(ElectionState<C> s, boolean now) {
      if (!now || config.heartbeatDatastores() || asMaster(s) || s.disk().storing() || s.list().isEmpty()
          || !s.disk().behind(s.list().get()) || !s.disk().admits(s.list().get())) {
        return s;
      }
      effects.add(new ElectionEffect.StoreReplica<>(s.list().get()));
      return s.disk(s.disk().storing(true));
    }

    private ElectionState<C> phaseStep(ElectionState<C> s0, ElectionInput<C> in) {
      // a replica of the protected list travels with every master's heartbeat; the phase then acts on the beat. A
      // master keeps its coordinator's list (it steps down to take another's): its beats say what the master holds,
      // or a slave with a newer replica would never offer it (seed 709 without datastores: a master powered back
      // with no list took the list of a master it outranked from its beat, and its own beats then hid the empty one)
      ElectionState<C> s = in instanceof MasterBeatHeard<C> b && fromOther(b.master()) && !asMaster(s0)
          ? replicated(s0, b) : s0;
      Optional<ElectionState<C>> common = common(s, in);
      if (common.isPresent()) {
        ElectionState<C> c = common.get();
        return c.phase() instanceof Electing<C> e ? c.phase(e.known(c.view())) : c;
      }
      if (in instanceof RoleAsked<C>) return reply(s);
      if (in instanceof Emergency<C> x) return emergency(s, x);
      if (in instanceof EnforcementAsked<C> x) return enforcement(s, x);
      if (s.phase() instanceof Uninitialized<C>) return uninitialized(s, in);
      if (s.phase() instanceof Electing<C> e) return electing(s, e, in);
      if (s.phase() instanceof Slave<C> sl) return slave(s, sl, in);
      if (s.phase() instanceof Master<C>) return master(s, in);
      if (s.phase() instanceof Diagnosing<C> d) return diagnosing(s, d, in);
      return isolated(s, (Isolated<C>) s.phase(), in);
    }

    /** Inputs every phase treats alike; empty for those it leaves to the phase. */
    private Optional<ElectionState<C>> common(ElectionState<C> s, ElectionInput<C> in) {
      if (in instanceof PeersListed<C> p) return Optional.of(s.listed(p.fsms()));
      if (in instanceof ViewRead<C> v) return Optional.of(s.seen(v.view()));
      if (in instanceof Reported<C> r) return Optional.of(s.reported(r.report()));
      if (in instanceof ListChanged<C> l) return Optional.of(s.newer(l.list()));
      if (in instanceof DiskListRead<C> d) return Optional.of(onDisk(s, d.list()));
      if (in instanceof ReplicaStored<C> r) return Optional.of(onDisk(s, r.onDisk()));
      if (in instanceof ReplicaNotStored<C>) return Optional.of(s.disk(s.disk().storing(false)));
      if (in instanceof PromiseOnDisk<C> p) return Optional.of(s.disk(s.disk().promised(p.promise())));
      if (in instanceof Proposing<C> p) {
        // a master promises its own epoch on its disk too: it counts itself only once that promise is stored
        promise(s, p.epoch(), hostId());
        return Optional.of(s.phase() instanceof Master<C> m ? s.phase(new Master<>(m.side(), p.epoch())) : s);
      }
      if (in instanceof ResponseApplied<C> a) {
        responseApplied(s, a);
        return Optional.of(s);
      }
      if (fired(in, Timer.CLEAR_ISOLATION_FLAG)) {
        effects.add(new ElectionEffect.ClearIsolationFlag<>());
        return Optional.of(s);
      }
      return Optional.empty();
    }

    /** {@code l} is on this host's disk: held too where newer, but a master keeps its coordinator's list. */
    private ElectionState<C> onDisk(ElectionState<C> s, ProtectedList l) {
      return asMaster(s) ? s.disk(s.disk().holding(l)) : s.onDisk(l);
    }

    /**
     * Without datastores, the promise of {@code epoch} to {@code master} is stored on this host's disk, when later
     * than its own; of the epoch it promised, it promises nothing more: a second master proposing it is told whom this
     * host promised it to, and proposes again (two masters never act in one epoch).
     */
    private void promise(ElectionState<C> s, long epoch, String master) {
      // an unknown promise is read first: the one there may be later
      if (!config.heartbeatDatastores() && s.disk().promiseKnown() && epoch > s.disk().promise().epoch()) {
        effects.add(new ElectionEffect.StorePromise<>(new ListPromise(epoch, master)));
      }
    }

    // ---- Uninitialized: waiting for this agent to be a cluster member

    private ElectionState<C> uninitialized(ElectionState<C> s, ElectionInput<C> in) {
      if (in instanceof Fired<C> f && f.timer() == Timer.TICK) {
        effects.add(new AskView<>());
        if (f.cluster().selfUp()) return startColdElection(s);
      }
      return s;
    }

    // ---- Election: collect ballots for the election window

    private ElectionState<C> startElection(ElectionState<C> s, String reason, Optional<String> lostMaster) {
      emit(new HaEvent.ElectionStarted(at, hostId(), reason));
      effects.add(new Schedule<>(Timer.WINDOW_CLOSED, config.timing().electionWindow()));
      balloted(s);
      return s.phase(new Electing<>(Map.of(), lostMaster, 0, Optional.empty()));
    }

    /**
     * Without datastores a host ballots as its election starts, not only at its next tick: a slave that hears the
     * master answers a ballot with its beat ({@link #relay}), which must come within the window, and a window may be
     * shorter than an interval.
     */
    private void balloted(ElectionState<C> s) {
      if (!config.heartbeatDatastores()) effects.add(new ElectionEffect.SendBallot<>(rank(s)));
    }

    /**
     * The election of an agent that just joined: it also waits for the configured hosts and the hosts starting with
     * it ({@link ElectionWindow}), counting as starting those whose datastore heartbeat moves after this moment.
     */
    private ElectionState<C> startColdElection(ElectionState<C> s) {
      emit(new HaEvent.ElectionStarted(at, hostId(), "agent joined the cluster"));
      effects.add(new Schedule<>(Timer.WINDOW_CLOSED, config.timing().electionWindow()));
      balloted(s);
      return s.phase(new Electing<>(Map.of(), Optional.empty(), 0,
          Optional.of(new ColdStart(s.view().map(DatastoreView::now)))));
    }

    private ElectionState<C> electing(ElectionState<C> s, Electing<C> e, ElectionInput<C> in) {
      if (fired(in, Timer.TICK)) {
        effects.add(new AskView<>());
        effects.add(new ElectionEffect.SendBallot<>(rank(s)));
        return s;
      }
      if (in instanceof BallotHeard<C> b && fromOther(b.rank())) return s.phase(e.ballot(b.rank()));
      if (in instanceof MasterBeatHeard<C> beat && fromOther(beat.master())) {
        effects.add(new Cancel<>(Timer.WINDOW_CLOSED));
        return follow(s, beat, "heard master " + beat.master().hostId() + " during the election");
      }
      if (in instanceof Fired<C> f && f.timer() == Timer.WINDOW_CLOSED) return windowClosed(s, e, f.cluster());
      return s;
    }

    private ElectionState<C> windowClosed(ElectionState<C> s, Electing<C> e, ElectionInput.Membership cluster) {
      Duration elapsed = TimingRules.electionElapsed(config.timing().electionWindow(), config.timing().interval(),
          e.extensions());
      // without datastores a master hears a host on the network only: a member this host cannot reach may be master
      // already, counting its silence, while this host follows nobody and fences nothing (seed 38777); with them the
      // master sees its datastore heartbeat, and the cold start waits for that member's ballot as for any
      Set<String> unreached = config.heartbeatDatastores() ? Set.of() : cluster.unreachable();
      Set<String> awaited = e.coldStart().map(cs -> ElectionWindow.awaited(hostId(), config.clusterAddress(),
          e.ballots().keySet(), new ElectionWindow.Expected(config.nodelist(), cluster.hosts(),
              cs.since().map(s::beatingSince).orElse(Set.of()), idsByAddress(s, cluster), unreached)))
          .orElse(Set.of());
      ElectionWindow.Decision d = ElectionWindow.decide(new ElectionWindow.Facts(elapsed,
          Duration.between(config.agentStarted(), at), e.coldStart().isPresent(), s.listedFsms(),
          cluster.hosts().size(), awaited), config.windowTiming());
      if (!d.close()) {
        if (e.extensions() == 0) effects.add(new ElectionEffect.Log<>("election kept open: " + d.reason()));
        effects.add(new Schedule<>(Timer.WINDOW_CLOSED, config.timing().interval()));
        return s.phase(e.extended());
      }
      if (e.extensions() > 0) effects.add(new ElectionEffect.Log<>("election closes: " + d.reason()));
      return closeElection(s, e);
    }

    /**
     * Host ids by cluster address (host:port): from the datastore heartbeats of members, and from the cluster's
     * members (a member's role names its host), which win.
     */
    private static Map<String, String> idsByAddress(ElectionState<?> s, ElectionInput.Membership cluster) {
      Map<String, String> ids = new HashMap<>();
      s.view().ifPresent(v -> v.addresses().forEach((id, address) -> ids.put(address, id)));
      ids.putAll(cluster.idsByAddress());
      return ids;
    }

    private ElectionState<C> closeElection(ElectionState<C> s, Electing<C> e) {
      List<Rank> candidates = new ArrayList<>(e.ballots().values());
      candidates.add(rank(s));
      Rank winner = ElectionRanking.winner(candidates);
      emit(new HaEvent.MasterElected(at, hostId(), winner.hostId(), ElectionRanking.ordered(candidates),
          ElectionRanking.RULE));
      if (winner.hostId().equals(hostId())) {
        // the lost master has been silent since before this election: the new master need not wait for it again
        Map<String, Duration> silent = new HashMap<>();
        e.lostMaster().ifPresent(m -> silent.put(m, config.timing().lostMasterSilence()));
        if (e.lostMaster().isPresent() && e.ballots().isEmpty()) {
          // no master and no election traffic: the third condition decides (seed 003: T0+25 s ping, T0+30 s)
          return diagnose(s, new Diagnosing<>("lost master " + e.lostMaster().get()
              + " and heard no other host's ballot", false, Map.copyOf(silent), at, false, false));
        }
        return becomeMaster(s, Role.ELECTION, silent);
      }
      emit(new HaEvent.RoleChanged(at, hostId(), Role.ELECTION, Role.SLAVE, Optional.of(winner.hostId()),
          Optional.empty()));
      effects.add(new Schedule<>(Timer.MASTER_LOST, config.timing().hostTimeout()));
      return s.phase(new Slave<>(winner, Optional.empty(), true, Optional.empty()));
    }

    // ---- Slave: follow the master, beat to it, elect anew when it falls silent

    private ElectionState<C> follow(ElectionState<C> s, MasterBeatHeard<C> beat, String why) {
      emit(new HaEvent.RoleChanged(at, hostId(), s.phase().role(), Role.SLAVE, Optional.of(beat.master().hostId()),
          Optional.of(why)));
      return heard(s, beat);
    }

    /**
     * A slave of the master that beat: lost if it stays silent for hostTimeout. A beat whose list is older than the
     * one this host holds counts as none: the replica goes on being offered (a master without datastores that
     * started with no list of its own).
     */
    private ElectionState<C> heard(ElectionState<C> s, MasterBeatHeard<C> beat) {
      effects.add(new Schedule<>(Timer.MASTER_LOST, config.timing().hostTimeout()));
      // a beat without a side makes no claim: its master holds no majority (or has datastores) and restarts nothing
      effects.add(new ElectionEffect.CountedByMaster<>(beat.master().hostId(),
          beat.side().map(side -> side.contains(hostId())).orElse(true)));
      boolean listed = beat.list().isPresent() && s.list().map(l -> l.version() <= beat.list().get().version())
          .orElse(true);
      promise(s, beat.proposal(), beat.master().hostId());
      return s.phase(new Slave<>(beat.master(), Optional.of(beat.coordinator()), listed, Optional.of(beat)));
    }

    private ElectionState<C> slave(ElectionState<C> s, Slave<C> sl, ElectionInput<C> in) {
      if (fired(in, Timer.TICK)) {
        effects.add(new AskView<>());
        if (sl.coordinator().isPresent() && s.report().isPresent()) {
          // it holds what is on its disk: a list only in memory is lost with this agent
          effects.add(new ElectionEffect.ReportTo<>(sl.coordinator().get(), s.report().get(),
              sl.masterListed() ? Optional.empty() : s.list(), s.disk().stored()
                  .filter(l -> l.owner().equals(sl.master().hostId())).map(ProtectedList::version),
              s.disk().promise()));
        }
        return s;
      }
      if (in instanceof BallotHeard<C> b && fromOther(b.rank())) return relay(s, sl, b);
      if (in instanceof MasterBeatHeard<C> beat) {
        if (beat.master().hostId().equals(sl.master().hostId())) return heard(s, beat);
        if (beat.master().outranks(sl.master()) && fromOther(beat.master())) {
          return follow(s, beat, "master " + beat.master().hostId() + " outranks " + sl.master().hostId());
        }
        return s;
      }
      if (fired(in, Timer.MASTER_LOST)) {
        emit(new HaEvent.RoleChanged(at, hostId(), Role.SLAVE, Role.ELECTION, Optional.empty(), Optional.empty()));
        return startElection(s, "no heartbeat from master " + sl.master().hostId() + " for "
            + config.timing().hostTimeout().toMillis() + " ms", Optional.of(sl.master().hostId()));
      }
      return s;
    }

    /**
     * Without datastores a host in an election whose ballot reaches this slave is told of this slave's master, if its
     * beats reach this slave ({@link TimingRules#relayedBeatFresh}): the host may not hear the master itself (a
     * one-way loss), while the master counts its silence. It follows the master from the relayed beat and reports to
     * it, or, left out of the master's side, fences itself; else it would elect itself or a host that follows the
     * master and fence only as an outnumbered master (seed 4294: a host's agent restarted in its cold start waited
     * for the ballots of the slaves it heard while the master it could not hear judged it DEAD). With datastores the
     * master sees its datastore heartbeat.
     */
    private ElectionState<C> relay(ElectionState<C> s, Slave<C> sl, BallotHeard<C> b) {
      if (config.heartbeatDatastores() || sl.lastBeat().isEmpty()) return s;
      MasterBeatHeard<C> beat = sl.lastBeat().get();
      if (Duration.between(beat.at(), at).compareTo(TimingRules.relayedBeatFresh(config.timing().interval())) > 0) {
        return s;
      }
      effects.add(new ElectionEffect.RelayBeat<>(b.rank().hostId(), beat));
      return s;
    }

    // ---- Master: run the coordinator, beat to every host, step down for a better master

    private ElectionState<C> becomeMaster(ElectionState<C> s, Role from, Map<String, Duration> knownSilence) {
      emit(new HaEvent.RoleChanged(at, hostId(), from, Role.MASTER, Optional.of(hostId()), Optional.empty()));
      effects.add(new ElectionEffect.StartCoordinator<>(Map.copyOf(knownSilence), s.list()));
      effects.add(new ElectionEffect.CountedByMaster<>(hostId(), true));
      return s.phase(new Master<>(Optional.empty()));
    }

    /** What a master does each tick: beat to every host, and give its coordinator its own report. */
    private void masterTick(ElectionState<C> s) {
      effects.add(new AskView<>());
      Optional<Set<String>> side = s.phase() instanceof Master<C> m ? m.side() : Optional.empty();
      long proposal = s.phase() instanceof Master<C> m ? m.proposal() : 0;
      effects.add(new ElectionEffect.SendMasterBeat<>(rank(s), s.list(), side, proposal));
      s.report().ifPresent(r -> effects.add(new ElectionEffect.ReportToOwn<>(r, s.disk().promise())));
    }

    private ElectionState<C> stepDown(ElectionState<C> s, MasterBeatHeard<C> beat) {
      effects.add(new ElectionEffect.StopCoordinator<>());
      emit(new HaEvent.RoleChanged(at, hostId(), Role.MASTER, Role.SLAVE, Optional.of(beat.master().hostId()),
          Optional.empty()));
      return heard(replicated(s, beat), beat);
    }

    /** The newer of the list held and the one a master's beat carries. */
    private ElectionState<C> replicated(ElectionState<C> s, MasterBeatHeard<C> beat) {
      return beat.list().isPresent() ? s.newer(beat.list().get()) : s;
    }

    /** This host runs a coordinator: master, or diagnosing itself as one. */
    private boolean asMaster(ElectionState<C> s) {
      return s.phase() instanceof Master<C> || s.phase() instanceof Diagnosing<C> d && d.asMaster();
    }

    private ElectionState<C> master(ElectionState<C> s, ElectionInput<C> in) {
      if (fired(in, Timer.TICK)) {
        masterTick(s);
        return s;
      }
      if (in instanceof MasterBeatHeard<C> beat && beat.master().outranks(rank(s))) return stepDown(s, beat);
      if (in instanceof Stalled<C> st && stalledPastMaster(st)) return stalled(s, st);
      if (in instanceof AllHostsSilent<C> a) {
        return diagnose(s, new Diagnosing<>("all " + a.hosts() + " other hosts silent for "
            + config.timing().hostTimeout().toMillis() + " ms", true, Map.of(), at, false, false));
      }
      if (in instanceof CoordinatorStopped<C>) return coordinatorStopped(s);
      if (in instanceof SideChanged<C> c) {
        // fewer than half on its side while its fence hears half or more: those hosts follow a master it cannot
        // hear, whose beats leave it out (seeds 4138, 37150); its own fence counts that as being left out. Half is
        // not left out: the others hold no strict majority, so nobody restarts its VMs, and after an even split heals
        // the other master's beats may come later than Pekko's reachability (CanonicalCasesTest's even split)
        effects.add(new ElectionEffect.CountedByMaster<>(hostId(), !c.outnumbered()));
        return s.phase(new Master<>(c.side(), s.phase() instanceof Master<C> m ? m.proposal() : 0));
      }
      return s;
    }

    private boolean stalledPastMaster(Stalled<C> st) {
      return st.idle().compareTo(config.timing().masterStall()) >= 0;
    }

    /**
     * This master's agent stalled past {@link TimingRules.Detection#masterStall}: its slaves may have elected another
     * master meanwhile, which may have restarted VMs this one still counts stopped or starting. It stops its
     * coordinator and elects anew before it beats again (or its beat, still a master's, would make the new master
     * step down for it: seed 2454 without datastores); in the election it follows the master it hears.
     */
    private ElectionState<C> stalled(ElectionState<C> s, Stalled<C> st) {
      effects.add(new ElectionEffect.StopCoordinator<>());
      emit(new HaEvent.RoleChanged(at, hostId(), s.phase().role(), Role.ELECTION, Optional.empty(), Optional.empty()));
      return startElection(s, "this agent stalled for " + st.idle().toMillis() + " ms: another master may have been"
          + " elected meanwhile", Optional.empty());
    }

    private ElectionState<C> coordinatorStopped(ElectionState<C> s) {
      // the coordinator failed beyond its own restarts: stop being master, let the cluster elect again
      emit(new HaEvent.RoleChanged(at, hostId(), Role.MASTER, Role.ELECTION, Optional.empty(), Optional.empty()));
      return startElection(s, "master coordinator stopped", Optional.empty());
    }

    // ---- Self-diagnosis: ping the isolation addresses, listen for election traffic

    private ElectionState<C> diagnose(ElectionState<C> s, Diagnosing<C> d) {
      emit(new HaEvent.IsolationCheckStarted(at, hostId(), d.trigger(), config.isolationAddresses()));
      pingIsolationAddresses();
      effects.add(new Schedule<>(Timer.DIAGNOSIS_DUE, config.timing().pingTimeout()));
      return s.phase(d);
    }

    private void pingIsolationAddresses() {
      for (String a : config.isolationAddresses()) {
        effects.add(new ElectionEffect.PingIsolationAddress<>(a, config.timing().pingTimeout()));
      }
    }

    /** The diagnosis ends: isolated (nothing answered), or master of this side. */
    private ElectionState<C> settle(ElectionState<C> s, Diagnosing<C> d) {
      SelfDiagnosis.Signals signals = new SelfDiagnosis.Signals(false, d.addressAnswered(), d.electionTraffic());
      SelfDiagnosis.Finding f = SelfDiagnosis.diagnose(signals);
      emit(new HaEvent.SelfDiagnosed(at, hostId(), f.result().name(), f.reason(), signals));
      if (f.result() == SelfDiagnosis.Result.ISOLATED) {
        if (d.asMaster()) effects.add(new ElectionEffect.StopCoordinator<>());
        return becomeIsolated(s, d.asMaster() ? Role.MASTER : Role.ELECTION);
      }
      if (d.asMaster()) return s.phase(new Master<>(Optional.empty()));
      // the lost master has been silent through the diagnosis as well
      Duration took = Duration.between(d.started(), at);
      Map<String, Duration> silent = new HashMap<>();
      d.knownSilence().forEach((h, t) -> silent.put(h, t.plus(took)));
      return becomeMaster(s, Role.ELECTION, silent);
    }

    private ElectionState<C> diagnosing(ElectionState<C> s, Diagnosing<C> d, ElectionInput<C> in) {
      if (fired(in, Timer.TICK)) {
        if (d.asMaster()) masterTick(s);
        else effects.add(new AskView<>());
        return s;
      }
      // an answering isolation address settles it at once: this host is not isolated (SelfDiagnosis), and a lone
      // survivor of a master loss must not spend the whole ping timeout before it takes over
      if (in instanceof IsolationPinged<C> p) {
        if (!p.answered()) return s;
        effects.add(new Cancel<>(Timer.DIAGNOSIS_DUE));
        return settle(s, d.answered());
      }
      if (in instanceof BallotHeard<C> b && fromOther(b.rank())) return s.phase(d.traffic());
      if (in instanceof MasterBeatHeard<C> beat && fromOther(beat.master())) {
        // a master is heard: this host is not isolated
        effects.add(new Cancel<>(Timer.DIAGNOSIS_DUE));
        SelfDiagnosis.Signals heard = new SelfDiagnosis.Signals(true, d.addressAnswered(), d.electionTraffic());
        emit(new HaEvent.SelfDiagnosed(at, hostId(), SelfDiagnosis.Result.PARTITIONED.name(),
            SelfDiagnosis.diagnose(heard).reason(), heard));
        if (!d.asMaster()) return follow(s, beat, "heard master " + beat.master().hostId());
        return beat.master().outranks(rank(s)) ? stepDown(s, beat) : s.phase(new Master<>(Optional.empty()));
      }
      if (fired(in, Timer.DIAGNOSIS_DUE)) return settle(s, d);
      if (in instanceof CoordinatorStopped<C> && d.asMaster()) return coordinatorStopped(s);
      if (in instanceof Stalled<C> st && d.asMaster() && stalledPastMaster(st)) return stalled(s, st);
      return s;
    }

    // ---- Isolated: apply the isolation response, wait for the network to come back

    private ElectionState<C> becomeIsolated(ElectionState<C> s, Role from) {
      emit(new HaEvent.RoleChanged(at, hostId(), from, Role.ISOLATED, Optional.empty(), Optional.empty()));
      effects.add(new Cancel<>(Timer.CLEAR_ISOLATION_FLAG));
      effects.add(new Repeat<>(Timer.RECHECK_ISOLATION, config.timing().hostTimeout()));
      return s.phase(new Isolated<>(applyResponse(s)));
    }

    /**
     * Asks the VM manager to apply the isolation response; false if this host has no VM manager report yet. Where an
     * operator disabled HA (the protected list this host holds says so) no response runs: no master restarts the VMs
     * it would stop, so they keep running.
     */
    private boolean applyResponse(ElectionState<C> s) {
      if (!s.enforcement().on()) {
        effects.add(new ElectionEffect.Log<>("isolated, but an operator suspended HA's enforcement on " + hostId()
            + " (emergency disable): no isolation response; its VMs keep running"));
        return true;
      }
      if (s.list().map(l -> !l.ha().enabledFor(hostId())).orElse(false)) {
        effects.add(new ElectionEffect.Log<>("isolated, but HA is disabled for " + hostId() + " (or the cluster):"
            + " no isolation response; its VMs keep running"));
        return true;
      }
      Map<String, IsolationResponse> listed = s.list().map(ProtectedList::isolationResponses).orElse(Map.of());
      s.report().ifPresent(r -> effects.add(new ElectionEffect.ApplyIsolationResponse<>(r, listed)));
      return s.report().isPresent();
    }

    private ElectionState<C> leaveIsolation(ElectionState<C> s, String why) {
      emit(new HaEvent.IsolationEnded(at, hostId(), why));
      effects.add(new Cancel<>(Timer.RECHECK_ISOLATION));
      // the flag stays until the master has surely read it and restarted the VMs it lists
      effects.add(new Schedule<>(Timer.CLEAR_ISOLATION_FLAG, config.timing().hostTimeout()));
      return s;
    }

    private ElectionState<C> isolated(ElectionState<C> s, Isolated<C> i, ElectionInput<C> in) {
      if (fired(in, Timer.TICK)) {
        effects.add(new AskView<>());
        return i.responseRequested() ? s : s.phase(new Isolated<>(applyResponse(s)));
      }
      if (fired(in, Timer.RECHECK_ISOLATION)) {
        pingIsolationAddresses();
        return s;
      }
      if (in instanceof IsolationPinged<C> p && p.answered()) {
        leaveIsolation(s, "isolation address " + p.address() + " answers again");
        return startElection(s, "isolation over", Optional.empty());
      }
      if (in instanceof BallotHeard<C> b && fromOther(b.rank())) {
        leaveIsolation(s, "election traffic from " + b.rank().hostId());
        return startElection(s, "isolation over", Optional.empty());
      }
      if (in instanceof MasterBeatHeard<C> beat && fromOther(beat.master())) {
        leaveIsolation(s, "heard master " + beat.master().hostId());
        return follow(s, beat, "isolation over");
      }
      return s;
    }

    /**
     * The VM manager applied the isolation response: the power-on file lists what it stopped, with the flag, while
     * this host is isolated. A guest shutdown may outlast the isolation (isolationShutdownTimeout against a re-check
     * every hostTimeout): then it is recorded all the same, but the flag is not raised again.
     */
    private void responseApplied(ElectionState<C> s, ResponseApplied<C> a) {
      if (s.phase() instanceof Isolated<C>) effects.add(new ElectionEffect.DeclareIsolated<>(a.stopped()));
      emit(new HaEvent.IsolationResponseApplied(at, hostId(), names(a.stopped()), names(a.keptRunning()),
          a.failures(), config.isolationResponse(), overridesFor(a)));
    }

    /** The per-VM isolation responses that applied to the VMs the response stopped or kept, for the history. */
    private Map<String, IsolationResponse> overridesFor(ResponseApplied<C> a) {
      Map<String, IsolationResponse> o = new HashMap<>(config.vmIsolationResponse());
      Set<String> listed = new HashSet<>(names(a.stopped()));
      listed.addAll(names(a.keptRunning()));
      o.keySet().retainAll(listed);
      return o;
    }

    private static List<String> names(List<VmSpec> vms) {
      return vms.stream().map(VmSpec::name).toList();
    }

    private ElectionState<C> reply(ElectionState<C> s) {
      Optional<String> master = Optional.empty();
      Optional<C> coordinator = Optional.empty();
      if (s.phase() instanceof Slave<C> sl) {
        master = Optional.of(sl.master().hostId());
        coordinator = sl.coordinator();
      } else if (s.phase().role() == Role.MASTER) {
        master = Optional.of(hostId());
      }
      effects.add(new ElectionEffect.ReplyRole<>(s.phase().role(), master, coordinator,
          s.list().map(l -> OptionalLong.of(l.version())).orElse(OptionalLong.empty())));
      return s;
    }

    // ---- Emergency (seed 001): force a master, reset the election

    private ElectionState<C> emergency(ElectionState<C> s, Emergency<C> x) {
      boolean mine = x.action() == EmergencyAction.RESET_ELECTION || x.host().equals(hostId());
      if (!x.relayed() && (x.action() == EmergencyAction.RESET_ELECTION || !mine)) {
        effects.add(new ElectionEffect.RelayEmergency<>(x.action(), x.host(), x.askedBy()));
      }
      if (!mine) {
        answer(true, "asked " + x.host() + " through the cluster to become master (" + hostId() + " is not it);"
            + " ./vmha status shows whether it did");
        return s;
      }
      if (s.phase() instanceof Uninitialized<C>) {
        answer(false, hostId() + " is not a cluster member yet; nothing done");
        return s;
      }
      if (s.phase() instanceof Diagnosing<C> || s.phase() instanceof Isolated<C>) {
        // its isolation check and response run to their end: the network decides, not the operator
        answer(x.action() == EmergencyAction.RESET_ELECTION, hostId() + " is " + s.phase().role().name()
            + " (checking or applying isolation); it elects again when its network returns");
        return s;
      }
      if (x.action() == EmergencyAction.FORCE_MASTER && s.phase() instanceof Master<C>) {
        answer(true, hostId() + " is master already");
        return s;
      }
      emit(new HaEvent.EmergencyAsked(at, hostId(), x.action(), x.askedBy()));
      Role from = s.phase().role();
      effects.add(new Cancel<>(Timer.MASTER_LOST));
      effects.add(new Cancel<>(Timer.WINDOW_CLOSED));
      if (x.action() == EmergencyAction.FORCE_MASTER) {
        answer(true, hostId() + " is master now (forced by \"" + x.askedBy() + "\"); it restarts VMs only while it"
            + " holds the protected-list lock and their leases have expired, and a better-ranked master it hears still"
            + " takes over");
        return becomeMaster(s, from, Map.of());
      }
      if (s.phase() instanceof Master<C>) effects.add(new ElectionEffect.StopCoordinator<>());
      emit(new HaEvent.RoleChanged(at, hostId(), from, Role.ELECTION, Optional.empty(), Optional.empty()));
      answer(true, "election reset: every host elects anew (asked by \"" + x.askedBy() + "\")");
      return startElection(s, "election reset by \"" + x.askedBy() + "\"", Optional.empty());
    }

    // ---- Emergency HA disable on this host (seed 001's host-emergency-ha-disable)

    /**
     * Suspends this host's enforcement of HA — no self-fence, no power-off for an unrenewed lease, the watchdog petted
     * regardless, no isolation response — only where no master will restart its VMs: the protected list this host
     * holds shows HA disabled for it, or the operator forces it having made sure no master runs. Restoring it is
     * always allowed.
     */
    private ElectionState<C> enforcement(ElectionState<C> s, EnforcementAsked<C> x) {
      if (x.enforcement() == s.enforcement()) {
        answer(true, "HA's enforcement on " + hostId() + " is " + (s.enforcement().on() ? "on" : "suspended")
            + " already");
        return s;
      }
      boolean haDisabled = s.list().map(l -> !l.ha().enabledFor(hostId())).orElse(false);
      if (!x.enforcement().on() && !haDisabled && !x.force()) {
        answer(false, "HA is enabled for " + hostId() + " in the protected list this host holds ("
            + s.list().map(l -> "version " + l.version() + " from " + l.owner()).orElse("none received yet")
            + "): a master may restart its VMs elsewhere, so it keeps enforcing. Disable HA for it first (./vmha host"
            + " ha disable " + hostId() + "), or, when no master can be reached, make sure none runs (every other agent"
            + " down or with HA disabled) and use --force");
        return s;
      }
      boolean forced = !x.enforcement().on() && !haDisabled;
      emit(new HaEvent.HostEnforcementChanged(at, hostId(), x.enforcement(), forced, x.askedBy()));
      effects.add(new ElectionEffect.SetEnforcement<>(x.enforcement()));
      answer(true, x.enforcement().on() ? "HA's enforcement on " + hostId() + " is on again: it fences itself and"
          + " applies its isolation response as configured" : "HA's enforcement on " + hostId() + " is suspended"
          + (forced ? " (forced)" : "") + ": it no longer fences itself or powers off VMs whose lease it cannot renew,"
          + " applies no isolation response, and its watchdog is petted regardless; ./vmha host emergency-enable"
          + " restores it");
      return s.enforcing(x.enforcement());
    }

    /**
     * A newer protected list that shows HA enabled for this host ends a suspension: a master may now restart its
     * VMs, so it must fence itself again when it cannot prove it runs them.
     */
    private ElectionState<C> reenforce(ElectionState<C> s) {
      if (s.enforcement().on() || !s.list().map(l -> l.ha().enabledFor(hostId())).orElse(false)) return s;
      emit(new HaEvent.HostEnforcementChanged(at, hostId(), Enforcement.ON, false,
          "protected list version " + s.list().get().version() + ": HA enabled for " + hostId()));
      effects.add(new ElectionEffect.SetEnforcement<>(Enforcement.ON));
      return s.enforcing(Enforcement.ON);
    }

    private void answer(boolean ok, String message) {
      effects.add(new ElectionEffect.AnswerEmergency<>(ok, message));
    }

    // ---- helpers

    private String hostId() {
      return config.hostId();
    }

    private Rank rank(ElectionState<C> s) {
      return new Rank(s.datastoresSeen(), hostId());
    }

    private boolean fromOther(Rank r) {
      return !r.hostId().equals(hostId());
    }

    private static boolean fired(ElectionInput<?> in, Timer timer) {
      return in instanceof Fired<?> f && f.timer() == timer;
    }

    private void emit(HaEvent e) {
      effects.add(new Emit<>(e));
    }
  }
}
