package dev.vmha.master;

import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.LocalMessage;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.HostListCopy;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.DecisionLog;
import dev.vmha.host.HostReport;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MigrationOutcome;
import dev.vmha.maintenance.VmMigrator;
import dev.vmha.ping.Pinger;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.VmRestarter;
import dev.vmha.timing.StallWatch;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The shell of the master ({@link MasterMachine} decides): runs as a child of the election FSM while this host is
 * master, turns messages into {@link MasterInput}s and carries out the {@link MasterEffect}s; an effect whose
 * completion matters (a list or lock written, a ping, a power-off) comes back as an input, so the machine decides
 * what follows it.
 */
public final class MasterCoordinator {
  public sealed interface Command {}

  /** A host's network heartbeat to the master, with its report (and its list replica: {@link MasterInput.Beat}). */
  public record SlaveBeat(HostReport report, Optional<ProtectedList> replica, Optional<Long> holds,
      ListPromise promise) implements Command, JsonSerializable {}

  /**
   * An operator powers a VM on under HA protection, at {@code host} or where placement chooses (empty), with
   * {@code protection} (empty: the VM's settings in {@code vmha.vms}, else {@code vmha.vm-defaults}).
   */
  public record PowerOnVm(VmSpec vm, Optional<String> host, Optional<VmProtection> protection,
      ActorRef<OperationResult> replyTo) implements Command, JsonSerializable {}

  /** An operator ({@code by}) asks for a host to enter or exit maintenance mode ({@link Maintenance}). */
  public record SetMaintenance(String host, boolean enter, String by, ActorRef<OperationResult> replyTo)
      implements Command, JsonSerializable {}

  /** An operator powers a VM off through vmha: it is unprotected first, so it is not restarted. */
  public record PowerOffVm(String vm, ActorRef<OperationResult> replyTo) implements Command, JsonSerializable {}

  /** An operator's other change ({@link Operation}). */
  public record Operate(Operation operation, ActorRef<OperationResult> replyTo) implements Command, JsonSerializable {}

  public record GetStatus(ActorRef<ClusterStatus> replyTo) implements Command, JsonSerializable {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

  /** An input for the machine: an adapted message, or an effect's completion. */
  private record In(MasterInput input) implements Command, LocalMessage {}

  private record MemberChange(ClusterEvent.ClusterDomainEvent event) implements Command, LocalMessage {}

  /** A restart decision is persisted (or could not be: {@code error}); now it is carried out. */
  private record DecisionPersisted(VmRestarter.Attempt attempt, Throwable error) implements Command, LocalMessage {}

  /** What the coordinator works with; the I/O boundaries are interfaces so tests can simulate them. */
  public record Deps(
      HaSettings settings, List<Datastore> datastores, HostListCopy hostList,
      ActorRef<DatastoreHeartbeat.Command> datastore, Pinger pinger, DecisionLog events, Clock clock) {}

  /**
   * How a coordinator starts.
   *
   * @param knownSilence hosts already known to be silent, and for how long: a slave that becomes master after
   *     losing its master has heard nothing from it for hostTimeout plus the election
   * @param election this host's election FSM: told when all other hosts fall silent, given each new list to replicate
   * @param replica the newest protected list this host received from a master's heartbeats ({@link MasterConfig})
   */
  public record Start(
      Map<String, Duration> knownSilence, ActorRef<MasterNotice> election, Optional<ProtectedList> replica)
      implements LocalMessage {}

  /** The dispatcher capacity planning runs on (application.conf). */
  private static final String PLANNER = "vmha.capacity-planner";

  private MasterCoordinator() {}

  public static Behavior<Command> create(Deps deps, Start start) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      MasterConfig config = new MasterConfig(deps.settings().hostId(), deps.settings(),
          deps.datastores().stream().map(Datastore::name).toList(), start.replica());
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChange::new), ClusterEvent.MemberEvent.class));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, MemberChange::new),
          ClusterEvent.ReachabilityEvent.class));
      timers.startTimerWithFixedDelay(Tick.INSTANCE, deps.settings().failureDetectionInterval());
      return new Shell(ctx, deps, start.election(), config).run(MasterMachine.start(config, start.knownSilence()));
    }));
  }

  private static final class Shell {
    private final ActorContext<Command> ctx;
    private final Deps deps;
    private final ActorRef<MasterNotice> election;
    private final MasterConfig config;
    private final ActorRef<DatastoreView> views;
    private final ActorRef<RestartOutcome> outcomes;
    private final ActorRef<MigrationOutcome> migrations;
    private final MasterIo io;
    private final Map<RequestId, ActorRef<OperationResult>> requests = new HashMap<>();
    /** The hosts the machine was told this host does not reach. */
    private final Set<String> unreachable = new HashSet<>();
    private long lastRequest;
    private MasterState state;
    private final StallWatch stall;

    Shell(ActorContext<Command> ctx, Deps deps, ActorRef<MasterNotice> election, MasterConfig config) {
      this.ctx = ctx;
      this.deps = deps;
      this.election = election;
      this.config = config;
      this.views = ctx.messageAdapter(DatastoreView.class, v -> new In(new MasterInput.ViewRead(v)));
      this.outcomes = ctx.messageAdapter(RestartOutcome.class, o -> new In(new MasterInput.Restarted(o)));
      this.migrations = ctx.messageAdapter(MigrationOutcome.class, o -> new In(new MasterInput.Migrated(o)));
      this.io = new MasterIo(deps, ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(PLANNER)),
          ctx.getSystem().scheduler(), this::vmsOf);
      this.stall = new StallWatch(deps.settings().failureDetectionInterval(), System::nanoTime);
    }

    Behavior<Command> run(MasterMachine.Step first) {
      apply(first);
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> {
            MemberEvents.reachability(ctx.getSystem(), unreachable).forEach(this::step);
            return step(new MasterInput.Tick());
          })
          .onMessage(In.class, i -> step(i.input()))
          .onMessage(SlaveBeat.class, b -> step(new MasterInput.Beat(b.report(), b.replica(), b.holds(), b.promise())))
          .onMessage(MemberChange.class, m -> {
            MemberEvents.input(m.event(), unreachable).ifPresent(this::step);
            MemberEvents.reachability(ctx.getSystem(), unreachable).forEach(this::step);
            return Behaviors.same();
          })
          .onMessage(PowerOnVm.class, p -> step(new MasterInput.PowerOn(request(p.replyTo()), p.vm(), p.host(),
              p.protection())))
          .onMessage(PowerOffVm.class, p -> step(new MasterInput.PowerOff(request(p.replyTo()), p.vm())))
          .onMessage(Operate.class, o -> step(new MasterInput.Operate(request(o.replyTo()), o.operation())))
          .onMessage(SetMaintenance.class, m -> step(new MasterInput.Maintenance(request(m.replyTo()), m.host(),
              m.enter(), m.by())))
          .onMessage(DecisionPersisted.class, d -> {
            if (d.error() != null) ctx.getLog().warn("restart of {} not persisted in the history ({}); restarting it"
                + " anyway", d.attempt().vm().name(), Failures.rootMessage(d.error()));
            startRestarter(d.attempt());
            return Behaviors.same();
          })
          .onMessage(GetStatus.class, g -> {
            g.replyTo().tell(MasterMachine.status(state, deps.clock().instant(), config));
            return Behaviors.same();
          })
          .onSignal(PostStop.class, stop -> {
            // stepping down: an operator still waiting is told now, not by the API's timeout
            requests.values().forEach(to -> to.tell(new OperationResult(false, "master " + config.self() + " stepped"
                + " down before it answered: the request may or may not have taken effect; check the status")));
            return Behaviors.same();
          })
          .build();
    }

    private RequestId request(ActorRef<OperationResult> replyTo) {
      RequestId id = new RequestId(++lastRequest);
      requests.put(id, replyTo);
      return id;
    }

    private Behavior<Command> step(MasterInput input) {
      stall.idle().ifPresent(idle -> apply(MasterMachine.step(state, new MasterInput.Stalled(idle),
          deps.clock().instant(), config)));
      apply(MasterMachine.step(state, input, deps.clock().instant(), config));
      return Behaviors.same();
    }

    private void apply(MasterMachine.Step step) {
      state = step.state();
      step.effects().forEach(this::carryOut);
    }

    private void carryOut(MasterEffect effect) {
      Optional<CompletionStage<MasterInput>> answer = io.answer(effect);
      if (answer.isPresent()) {
        ctx.pipeToSelf(answer.get(), (in, err) -> new In(in));
      } else if (effect instanceof MasterEffect.Emit e) {
        deps.events().accept(e.event());
      } else if (effect instanceof MasterEffect.Log l) {
        if (l.warn()) ctx.getLog().warn(l.message()); else ctx.getLog().info(l.message());
      } else if (effect instanceof MasterEffect.ReadView) {
        deps.datastore().tell(new DatastoreHeartbeat.GetView(views));
      } else if (effect instanceof MasterEffect.Down d) {
        Cluster.get(ctx.getSystem()).manager().tell(new Down(AddressFromURIString.parse(d.address())));
      } else if (effect instanceof MasterEffect.PersistThenStart s) {
        VmRestarter.Attempt a = new VmRestarter.Attempt(s.vm(), s.grant(), s.hosts().stream()
            .map(h -> new VmRestarter.Candidate(h, vmsOf(h))).toList(), s.attempt());
        if (s.decision().isPresent()) {
          ctx.pipeToSelf(deps.events().persisted(s.decision().get()), (ok, err) -> new DecisionPersisted(a, err));
        } else {
          startRestarter(a);
        }
      } else if (effect instanceof MasterEffect.Migrate m) {
        ctx.spawnAnonymous(VmMigrator.create(new VmMigrator.Move(m.vm(), m.from(), vmsOf(m.from()), m.to(),
            vmsOf(m.to())), deps.settings().hypervisorBounds().migrationStep(), migrations),
            DispatcherSelector.sameAsParent());
      } else if (effect instanceof MasterEffect.Reply r) {
        Optional.ofNullable(requests.remove(r.request()))
            .ifPresent(to -> to.tell(new OperationResult(r.ok(), r.message(), r.invalidField(), r.alreadyProtected(),
                r.notFound())));
      } else if (effect instanceof MasterEffect.ToElection n) {
        election.tell(n.notice());
      }
    }

    private ActorRef<HostVms.Command> vmsOf(String host) {
      return state.hosts().get(host).report().orElseThrow().vms();
    }

    private void startRestarter(VmRestarter.Attempt a) {
      ctx.spawnAnonymous(VmRestarter.create(config.self(), a, deps.settings().powerOnTimeout(), outcomes,
          deps.events(), deps.clock()), DispatcherSelector.sameAsParent());
    }
  }
}
