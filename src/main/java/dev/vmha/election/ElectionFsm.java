package dev.vmha.election;

import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.LocalMessage;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.cluster.OwnReachability;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostListCopy;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.election.ElectionEffect.ReplyRole;
import dev.vmha.election.ElectionInput.Timer;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.HostVms;
import dev.vmha.isolation.Enforcement;
import dev.vmha.isolation.IsolationResponder;
import dev.vmha.isolation.SelfFence;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.MasterNotice;
import dev.vmha.timing.StallWatch;
import dev.vmha.timing.TimingRules;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * The shell of the {@link ElectionMachine}: it turns messages, timers and the cluster's state into the machine's
 * inputs and carries out its effects — ballots and heartbeats to the other hosts' FSMs (found through the
 * receptionist), the master coordinator it runs while master, isolation pings, the isolation response, the power-on
 * file's flag, events and timers. The decisions are the machine's.
 */
public final class ElectionFsm {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "vmha-election");

  public sealed interface Command {}

  /**
   * A candidate's ballot, sent to every host during its election; {@code from}: its FSM, which a slave tells of its
   * master's last beat without datastores ({@link ElectionEffect.RelayBeat}).
   */
  public record Ballot(Rank rank, ActorRef<Command> from) implements Command, JsonSerializable {}

  /**
   * A master's network heartbeat, sent to every host, with the master's protected list (empty until it has one), so
   * that any host that becomes master knows every protected VM even where no datastore holds the list.
   */
  public record MasterBeat(
      Rank master, ActorRef<MasterCoordinator.Command> coordinator, Optional<ProtectedList> protectedList,
      Optional<Set<String>> side, long proposal) implements Command, JsonSerializable {}

  /** This host's latest report, from its VM manager. */
  public record LocalReport(HostReport report) implements Command, LocalMessage {}

  public record GetRole(ActorRef<RoleInfo> replyTo) implements Command, LocalMessage {}

  /** An operator's emergency action aimed at {@code host} (a reset: every host), asked through this agent's API. */
  public record EmergencyAsked(EmergencyAction action, String host, String askedBy, ActorRef<EmergencyResult> replyTo)
      implements Command, LocalMessage {}

  /** An emergency action another host's FSM passes on. */
  public record EmergencyRelayed(EmergencyAction action, String host, String askedBy)
      implements Command, JsonSerializable {}

  /**
   * An operator suspends this host's enforcement of HA, or restores it, through this agent's local API ({@code POST
   * /api/v1/local/emergency/ha-disable}, {@code ha-enable}); answered like an emergency action.
   */
  public record EnforcementAsked(Enforcement enforcement, boolean force, String askedBy,
      ActorRef<EmergencyResult> replyTo) implements Command, LocalMessage {}

  /** The answer to {@link EmergencyAsked} and {@link EnforcementAsked}. */
  public record EmergencyResult(boolean ok, String message) implements LocalMessage {}

  /**
   * The host's role, once known its master and its master's coordinator, and the version of the protected list it
   * holds, if any (its own as master, else the replica from the master's heartbeats).
   */
  public record RoleInfo(
      String hostId, Role role, Optional<String> master, Optional<ActorRef<MasterCoordinator.Command>> coordinator,
      OptionalLong listVersion) implements LocalMessage {}

  /** From this host's master coordinator, adapted. */
  private record FromMaster(MasterNotice notice) implements Command, LocalMessage {}

  private record TimerFired(Timer timer) implements Command, LocalMessage {}

  private record Peers(Set<ActorRef<Command>> refs) implements Command, LocalMessage {}

  private record ViewUpdate(DatastoreView view) implements Command, LocalMessage {}

  private record IsolationPinged(String address, boolean answered) implements Command, LocalMessage {}

  private record IsolationApplied(IsolationResponder.Applied applied) implements Command, LocalMessage {}

  /**
   * Without datastores, as this FSM starts: the protected list on this host's disk, the last master's here or the
   * last replica stored ({@link HostListCopy}; empty if none ever was), held as the replica until a newer one comes
   * (seed 18433).
   */
  private record ListKept(Optional<ProtectedList> list) implements Command, LocalMessage {}

  /** Without datastores, the promise on this host's disk: read as this FSM starts, or stored. */
  private record PromiseKept(ListPromise promise) implements Command, LocalMessage {}

  /** The promise on this host's disk cannot be read, or a promise not stored, for {@code why}. */
  private record PromiseNotKept(String why) implements Command, LocalMessage {}

  /** The list on this host's disk cannot be trusted, for {@code why}: this FSM starts with none. */
  private record ListUnreadable(String why) implements Command, LocalMessage {}

  /** A replica's store ended: the list on this host's disk now ({@link HostListCopy#keep}). */
  private record ReplicaKept(ProtectedList onDisk) implements Command, LocalMessage {}

  /** A replica's store of version {@code version} failed, or did not end in time, for {@code why}. */
  private record ReplicaNotKept(long version, String why) implements Command, LocalMessage {}

  private ElectionFsm() {}

  /**
   * @param isolationPinger probes the isolation addresses (ICMP in production)
   * @param coordinator makes the master coordinator this host runs while it is master
   * @param agentStarted when this host's agent started: a cold start waits for the configured hosts from then
   * @param enforcement told when an operator suspends or restores HA's enforcement on this host (its self-fence and
   *     lease keeper act on it)
   * @param counted told, without datastores, whether the master's latest beat counts this host on its side (its
   *     self-fence acts on it)
   * @param listOnDisk without datastores, the protected list on this host's disk: read each time this FSM starts,
   *     a restart by its supervisor too (the replica it held is lost with it), and each newer replica stored to it
   *     while this host is not master; empty with datastores
   */
  public static Behavior<Command> create(
      HaSettings settings, Pinger isolationPinger, ActorRef<DatastoreHeartbeat.Command> datastore,
      Function<MasterCoordinator.Start, Behavior<MasterCoordinator.Command>> coordinator, Consumer<HaEvent> events,
      Clock clock, Instant agentStarted, Consumer<Enforcement> enforcement,
      Consumer<SelfFence.CountedByMaster> counted, Optional<HostListCopy> listOnDisk) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      listOnDisk.ifPresent(copy -> ctx.pipeToSelf(copy.read(),
          (list, err) -> err == null ? new ListKept(list) : new ListUnreadable(Failures.rootMessage(err))));
      listOnDisk.ifPresent(copy -> ctx.pipeToSelf(copy.promised(),
          (p, err) -> err == null ? new PromiseKept(p) : new PromiseNotKept(Failures.rootMessage(err))));
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, ctx.messageAdapter(Receptionist.Listing.class,
          l -> new Peers(l.getAllServiceInstances(KEY)))));
      Shell shell = new Shell(new Io(ctx, timers, settings, isolationPinger, datastore, coordinator, events, clock,
          enforcement, counted, listOnDisk,
          ctx.messageAdapter(DatastoreView.class, ViewUpdate::new),
          ctx.messageAdapter(IsolationResponder.Applied.class, IsolationApplied::new),
          ctx.messageAdapter(MasterNotice.class, FromMaster::new)), ElectionConfig.of(settings, agentStarted));
      shell.carryOut(ElectionMachine.start(shell.config), r -> {});
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            shell.onMessage(m);
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            shell.coordinatorStopped();
            return Behaviors.same();
          })
          .build();
    }));
  }

  /** What the shell talks to. */
  private record Io(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, HaSettings settings, Pinger isolationPinger,
      ActorRef<DatastoreHeartbeat.Command> datastore,
      Function<MasterCoordinator.Start, Behavior<MasterCoordinator.Command>> coordinatorFactory,
      Consumer<HaEvent> events, Clock clock, Consumer<Enforcement> enforcement,
      Consumer<SelfFence.CountedByMaster> counted, Optional<HostListCopy> listOnDisk,
      ActorRef<DatastoreView> viewAdapter,
      ActorRef<IsolationResponder.Applied> appliedAdapter, ActorRef<MasterNotice> masterAdapter) {}

  /**
   * The machine's state and what the shell names for it: the other hosts' FSMs (the machine counts them) and this
   * host's own coordinator while it runs one. Touched only by the actor.
   */
  private static final class Shell {
    private final Io io;
    private final ElectionConfig config;
    private ElectionState<ActorRef<MasterCoordinator.Command>> state;
    private Set<ActorRef<Command>> peers = Set.of();
    /** The FSM each host's latest ballot came from: where a relayed beat goes. */
    private final Map<String, ActorRef<Command>> ballotFrom = new HashMap<>();
    private Optional<ActorRef<MasterCoordinator.Command>> own = Optional.empty();
    /** The answer of the step an operator's emergency action is in, if it gave one. */
    private Optional<EmergencyResult> emergencyAnswer = Optional.empty();
    private final StallWatch stall;

    Shell(Io io, ElectionConfig config) {
      this.io = io;
      this.config = config;
      this.stall = new StallWatch(config.timing().interval(), System::nanoTime);
      this.state = ElectionState.initial(config.heartbeatDatastores());
    }

    void onMessage(Command m) {
      Instant at = io.clock().instant();
      stall.idle().ifPresent(idle -> advance(new ElectionInput.Stalled<>(at, idle), r -> {}));
      if (m instanceof GetRole g) {
        advance(new ElectionInput.RoleAsked<>(at), r -> g.replyTo().tell(roleInfo(r)));
        return;
      }
      if (m instanceof Peers p) peers = p.refs();
      if (m instanceof Ballot b) ballotFrom.put(b.rank().hostId(), b.from());
      if (m instanceof ListUnreadable u) {
        io.ctx().getLog().error("{}: the protected list the last agent left on this host's disk cannot be trusted"
            + " ({}): starting with none", config.hostId(), u.why());
      }
      if (m instanceof PromiseNotKept n) {
        io.ctx().getLog().error("{}: the epoch promised on this host's disk cannot be read or stored ({}){}",
            config.hostId(), n.why(), state.disk().promiseKnown() ? ""
                : ": this host takes, stores and holds no protected list until a promise is read or stored");
      }
      if (m instanceof ReplicaNotKept n) {
        io.ctx().getLog().warn("{}: the protected list v{} was not stored on this host's disk ({}): its master does"
            + " not count this host as holding it until a store succeeds", config.hostId(), n.version(), n.why());
      }
      ElectionInput<ActorRef<MasterCoordinator.Command>> in = input(m, at);
      if (in != null) advance(in, r -> {});
      // the answer is the last effect of this step (AnswerEmergency); the step ran in advance() above
      EmergencyResult answer = emergencyAnswer.orElse(new EmergencyResult(false, "no answer from the election"));
      if (m instanceof EmergencyAsked x) x.replyTo().tell(answer);
      if (m instanceof EnforcementAsked x) x.replyTo().tell(answer);
      emergencyAnswer = Optional.empty();
    }

    /** The machine's input for a message; null for none. */
    private ElectionInput<ActorRef<MasterCoordinator.Command>> input(Command m, Instant at) {
      if (m instanceof TimerFired t) return new ElectionInput.Fired<>(at, t.timer(), membership());
      if (m instanceof Peers p) return new ElectionInput.PeersListed<>(at, p.refs().size());
      if (m instanceof ViewUpdate v) return new ElectionInput.ViewRead<>(at, v.view());
      if (m instanceof LocalReport r) return new ElectionInput.Reported<>(at, r.report());
      if (m instanceof Ballot b) return new ElectionInput.BallotHeard<>(at, b.rank());
      if (m instanceof MasterBeat b) {
        return new ElectionInput.MasterBeatHeard<>(at, b.master(), b.coordinator(), b.protectedList(), b.side(),
            b.proposal());
      }
      if (m instanceof IsolationPinged p) return new ElectionInput.IsolationPinged<>(at, p.address(), p.answered());
      if (m instanceof EmergencyAsked x) return new ElectionInput.Emergency<>(at, x.action(), x.host(), x.askedBy(), false);
      if (m instanceof EmergencyRelayed x) return new ElectionInput.Emergency<>(at, x.action(), x.host(), x.askedBy(), true);
      if (m instanceof EnforcementAsked x) {
        return new ElectionInput.EnforcementAsked<>(at, x.enforcement(), x.force(), x.askedBy());
      }
      if (m instanceof IsolationApplied a) {
        return new ElectionInput.ResponseApplied<>(at, a.applied().stopped(), a.applied().keptRunning(),
            a.applied().failures());
      }
      if (m instanceof ListKept k && k.list().isPresent()) return new ElectionInput.DiskListRead<>(at, k.list().get());
      if (m instanceof ReplicaKept k) return new ElectionInput.ReplicaStored<>(at, k.onDisk());
      if (m instanceof PromiseKept k) return new ElectionInput.PromiseOnDisk<>(at, k.promise());
      if (m instanceof ReplicaNotKept) return new ElectionInput.ReplicaNotStored<>(at);
      if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.ProtectedListChanged p) {
        return new ElectionInput.ListChanged<>(at, p.list());
      }
      if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.Proposing p) {
        return new ElectionInput.Proposing<>(at, p.epoch());
      }
      if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.Side x) {
        return new ElectionInput.SideChanged<>(at, x.heard(), x.outnumbered());
      }
      if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.AllHostsSilent a) {
        return new ElectionInput.AllHostsSilent<>(at, a.hosts());
      }
      if (m instanceof FromMaster f && f.notice() instanceof MasterNotice.Stalled x) {
        return new ElectionInput.Stalled<>(at, x.idle());
      }
      return null;
    }

    private void advance(ElectionInput<ActorRef<MasterCoordinator.Command>> in,
        Consumer<ReplyRole<ActorRef<MasterCoordinator.Command>>> replies) {
      carryOut(ElectionMachine.step(state, in, config), replies);
    }

    void carryOut(ElectionMachine.Step<ActorRef<MasterCoordinator.Command>> step,
        Consumer<ReplyRole<ActorRef<MasterCoordinator.Command>>> replies) {
      state = step.state();
      for (ElectionEffect<ActorRef<MasterCoordinator.Command>> e : step.effects()) {
        if (e instanceof ReplyRole<ActorRef<MasterCoordinator.Command>> r) replies.accept(r);
        else carryOut(e);
      }
    }

    private void carryOut(ElectionEffect<ActorRef<MasterCoordinator.Command>> e) {
      if (e instanceof ElectionEffect.Emit<?> x) io.events().accept(x.event());
      else if (e instanceof ElectionEffect.Log<?> x) io.ctx().getLog().info("{}: {}", config.hostId(), x.message());
      else if (e instanceof ElectionEffect.Schedule<?> x) {
        io.timers().startSingleTimer(x.timer(), new TimerFired(x.timer()), x.after());
      } else if (e instanceof ElectionEffect.Repeat<?> x) {
        io.timers().startTimerWithFixedDelay(x.timer(), new TimerFired(x.timer()), x.every());
      } else if (e instanceof ElectionEffect.Cancel<?> x) io.timers().cancel(x.timer());
      else if (e instanceof ElectionEffect.AskView<?>) {
        io.datastore().tell(new DatastoreHeartbeat.GetView(io.viewAdapter()));
      }
      else if (e instanceof ElectionEffect.SendBallot<?> x) toPeers(new Ballot(x.rank(), io.ctx().getSelf()));
      else if (e instanceof ElectionEffect.RelayBeat<ActorRef<MasterCoordinator.Command>> x) {
        Optional.ofNullable(ballotFrom.get(x.to())).ifPresent(to -> to.tell(new MasterBeat(x.beat().master(),
            x.beat().coordinator(), x.beat().list(), x.beat().side(), x.beat().proposal())));
      }
      else if (e instanceof ElectionEffect.SendMasterBeat<?> x) {
        toPeers(new MasterBeat(x.rank(), own.orElseThrow(), x.list(), x.side(), x.proposal()));
      } else if (e instanceof ElectionEffect.ReportTo<ActorRef<MasterCoordinator.Command>> x) {
        x.coordinator().tell(new MasterCoordinator.SlaveBeat(x.report(), x.replica(), x.holds(), x.promise()));
      } else if (e instanceof ElectionEffect.StoreReplica<?> x) {
        storeReplica(x.list());
      } else if (e instanceof ElectionEffect.StorePromise<?> x) {
        io.listOnDisk().ifPresent(copy -> io.ctx().pipeToSelf(copy.promise(x.promise()),
            (p, err) -> err == null ? new PromiseKept(p) : new PromiseNotKept(Failures.rootMessage(err))));
      } else if (e instanceof ElectionEffect.ReportToOwn<?> x) {
        own.orElseThrow().tell(new MasterCoordinator.SlaveBeat(x.report(), Optional.empty(), Optional.empty(),
            x.promise()));
      } else if (e instanceof ElectionEffect.StartCoordinator<?> x) startCoordinator(x);
      else if (e instanceof ElectionEffect.StopCoordinator<?>) stopCoordinator();
      else if (e instanceof ElectionEffect.PingIsolationAddress<?> x) {
        io.ctx().pipeToSelf(io.isolationPinger().ping(new PingTarget(x.address(), 0), x.timeout()),
            (ok, err) -> new IsolationPinged(x.address(), err == null && ok));
      } else if (e instanceof ElectionEffect.ApplyIsolationResponse<?> x) {
        x.report().vms().tell(new HostVms.ApplyIsolationResponse(x.responseFor(io.settings()::isolationResponseFor),
            io.settings().isolationShutdownTimeout(), io.appliedAdapter()));
      } else if (e instanceof ElectionEffect.DeclareIsolated<?> x) {
        io.datastore().tell(new DatastoreHeartbeat.DeclareIsolated(x.stopped()));
      } else if (e instanceof ElectionEffect.ClearIsolationFlag<?>) {
        io.datastore().tell(DatastoreHeartbeat.ClearIsolation.INSTANCE);
      } else if (e instanceof ElectionEffect.RelayEmergency<?> x) {
        toPeers(new EmergencyRelayed(x.action(), x.host(), x.askedBy()));
      } else if (e instanceof ElectionEffect.SetEnforcement<?> x) {
        io.enforcement().accept(x.enforcement());
      } else if (e instanceof ElectionEffect.CountedByMaster<?> x) {
        io.counted().accept(new SelfFence.CountedByMaster(x.master(), x.counted()));
      } else if (e instanceof ElectionEffect.AnswerEmergency<?> x) {
        emergencyAnswer = Optional.of(new EmergencyResult(x.ok(), x.message()));
      }
    }

    /** On the file's own executor (blocking I/O), bounded: a hung disk is warned of and never holds up the beats. */
    private void storeReplica(ProtectedList list) {
      Duration bound = TimingRules.replicaStoreBound(config.timing().interval());
      io.listOnDisk().ifPresent(copy -> io.ctx().pipeToSelf(copy.keep(list).toCompletableFuture()
          .orTimeout(bound.toMillis(), TimeUnit.MILLISECONDS), (onDisk, err) -> err == null ? new ReplicaKept(onDisk)
              : new ReplicaNotKept(list.version(), Failures.rootCause(err) instanceof TimeoutException
                  ? "no answer within " + bound.toMillis() + " ms" : Failures.rootMessage(err))));
    }

    private void startCoordinator(ElectionEffect.StartCoordinator<?> x) {
      // its own dispatcher: verdicts and restarts never wait behind the HTTP API or the history on the default one,
      // and the status requests it answers never delay the heartbeats and leases on vmha.ha-dispatcher
      MasterCoordinator.Start start = new MasterCoordinator.Start(x.knownSilence(), io.masterAdapter(), x.replica());
      ActorRef<MasterCoordinator.Command> c = io.ctx().spawnAnonymous(io.coordinatorFactory().apply(start),
          DispatcherSelector.fromConfig("vmha.master-dispatcher"));
      io.ctx().watch(c);
      own = Optional.of(c);
    }

    /** The coordinator failed beyond its own restarts (only the running one is watched). */
    void coordinatorStopped() {
      own = Optional.empty();
      advance(new ElectionInput.CoordinatorStopped<>(io.clock().instant()), r -> {});
    }

    private void stopCoordinator() {
      own.ifPresent(c -> {
        io.ctx().unwatch(c);
        io.ctx().stop(c);
      });
      own = Optional.empty();
    }

    /** To every peer this host reaches itself (the receptionist leaves out those any member cannot reach). */
    private void toPeers(Command m) {
      OwnReachability own = OwnReachability.of(io.ctx().getSystem());
      for (ActorRef<Command> p : peers) {
        if (!p.equals(io.ctx().getSelf()) && !own.unreachable(p.path().address())) p.tell(m);
      }
    }

    private RoleInfo roleInfo(ReplyRole<ActorRef<MasterCoordinator.Command>> r) {
      Optional<ActorRef<MasterCoordinator.Command>> coordinator = r.role() == Role.MASTER ? own : r.coordinator();
      return new RoleInfo(config.hostId(), r.role(), r.master(), coordinator, r.listVersion());
    }

    /** This host's membership and the vmha hosts among the members up and reachable from here. */
    private ElectionInput.Membership membership() {
      Cluster cluster = Cluster.get(io.ctx().getSystem());
      var state = cluster.state();
      OwnReachability own = OwnReachability.of(io.ctx().getSystem());
      Set<String> hosts = new HashSet<>();
      Set<String> unreachable = new HashSet<>();
      Map<String, String> ids = new HashMap<>();
      for (var m : state.getMembers()) {
        if (up(m.status())) ClusterRoles.hostId(m).ifPresent(own.unreachable(m) ? unreachable::add : hosts::add);
        if (m.address().getHost().isEmpty() || m.address().getPort().isEmpty()) continue;
        String address = m.address().getHost().get() + ":" + m.address().getPort().get();
        ClusterRoles.hostId(m).ifPresent(id -> ids.put(address, id));
      }
      return new ElectionInput.Membership(up(cluster.selfMember().status()), hosts, unreachable, ids);
    }

    private static boolean up(MemberStatus s) {
      return s == MemberStatus.up() || s == MemberStatus.weaklyUp();
    }
  }
}
