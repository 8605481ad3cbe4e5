package dev.vmha.host;

import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.LocalMessage;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.Enforcement;
import dev.vmha.isolation.IsolationResponder;
import dev.vmha.lease.VmLeases;
import dev.vmha.ping.PingTarget;
import dev.vmha.timing.StallWatch;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The host's VM manager, the shell of the {@link HostVmsMachine}: the only actor that talks to the hypervisor. It
 * polls every {@code das.failuredetectioninterval}, turns requests, the hypervisor's answers and its child
 * {@link VmLeases}' (which renews the leases and has a VM powered off here when its lease is lost) into the
 * machine's inputs, carries out its effects and publishes the {@link HostReport}. The decisions are the machine's.
 */
public final class HostVms {
  public sealed interface Command {}

  /**
   * Power a VM on here, after taking its lease; {@code grant} is the expired lease the master judged this host may
   * replace (empty: the master saw none). Sent by the master, possibly from another JVM.
   */
  public record PowerOn(VmSpec vm, Optional<VmLease> grant, ActorRef<Result> replyTo)
      implements Command, JsonSerializable {}

  /** An operator's power-off through vmha: the VM is not restarted anywhere. */
  public record PowerOff(String vm, ActorRef<Result> replyTo) implements Command, JsonSerializable {}

  public record Result(String vm, String host, boolean ok, String error) implements JsonSerializable {}

  /**
   * Migrate a VM out of this host: its writer stops (keeping its state), then its lease is released; answered with
   * the image to start at the target, or the error (then it still runs here, unless {@code stopped} says otherwise).
   */
  public record MigrateOut(String vm, ActorRef<MigratedOut> replyTo) implements Command, JsonSerializable {}

  /**
   * {@code image}: the VM's state once its writer here stopped and its lease is released; empty on failure, when
   * {@code stopped} says whether its writer here stopped all the same (then it runs nowhere).
   */
  public record MigratedOut(String vm, String host, Optional<MigrationImage> image, boolean stopped, String error)
      implements JsonSerializable {}

  /** Migrate a VM into this host from its image: its lease is taken first, as for a power-on. */
  public record MigrateIn(MigrationImage image, ActorRef<Result> replyTo) implements Command, JsonSerializable {}

  /** This host is isolated: apply the isolation response to its VMs and report what is now off. */
  public record ApplyIsolationResponse(
      Function<String, IsolationResponse> responseFor, Duration shutdownTimeout,
      ActorRef<IsolationResponder.Applied> replyTo) implements Command, LocalMessage {}

  /** Power off every VM here and refuse power-ons until {@link Unfence}: this host fences itself. */
  public record Fence(String reason, ActorRef<IsolationResponder.Applied> replyTo) implements Command, LocalMessage {}

  public enum Unfence implements Command, LocalMessage { INSTANCE }

  private enum Poll implements Command, LocalMessage { INSTANCE }

  /** The lease of a VM here was lost: power it off now. */
  private record LeaseLost(String vm, String reason) implements Command, LocalMessage {}

  /** An operator suspended or restored HA's enforcement on this host: for the lease keeper. */
  public record Enforce(Enforcement enforcement) implements Command, LocalMessage {}

  /** A hypervisor or lease call answered: the machine's input, stamped when the actor takes it. */
  private record Answered(Function<Instant, HostVmsInput<ActorRef<JsonSerializable>>> input)
      implements Command, LocalMessage {}

  private record FenceApplied(IsolationResponder.Applied applied, ActorRef<IsolationResponder.Applied> replyTo)
      implements Command, LocalMessage {}

  private HostVms() {}

  /**
   * @param publish receives the host's report after every poll (the election FSM forwards it to the master, the
   *     datastore heartbeat writes it into the power-on file)
   * @param leaseDatastore where the VMs' leases live; empty without datastores
   * @param renewals how the leases stand after every lease round (the host's watchdog pets on it)
   * @param staleAfterStall how long this agent may stall before the power-ons queued behind it are stale
   *     ({@link TimingRules.Detection#slaveStall})
   */
  public static Behavior<Command> create(
      String hostId, PingTarget management, long memoryMb, int cpus, Duration pollInterval, Hypervisor hypervisor,
      Optional<Datastore> leaseDatastore, TimingRules.Lease leaseTiming, Consumer<HostReport> publish,
      Consumer<VmLeases.Renewal> renewals, Duration staleAfterStall, Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Poll.INSTANCE, Duration.ZERO, pollInterval);
      ActorRef<VmLeases.Command> leases = ctx.spawn(VmLeases.create(hostId, leaseDatastore, leaseTiming,
          (vm, why) -> ctx.getSelf().tell(new LeaseLost(vm, why)), renewals, events, clock), "leases",
          DispatcherSelector.sameAsParent());
      ctx.watch(leases); // a failed lease keeper fails the VM manager: its supervisor restarts both
      return new Shell(ctx, hostId, management, memoryMb, cpus, pollInterval, hypervisor, leases, publish, events,
          clock, new StallWatch(pollInterval, System::nanoTime), staleAfterStall).running(HostVmsState.initial());
    }));
  }

  /** What the shell talks to; the machine's state is its behaviour's. */
  private record Shell(
      ActorContext<Command> ctx, String hostId, PingTarget management, long memoryMb, int cpus, Duration pollInterval,
      Hypervisor hypervisor, ActorRef<VmLeases.Command> leases, Consumer<HostReport> publish,
      Consumer<HaEvent> events, Clock clock, StallWatch stall, Duration staleAfterStall) {
    Behavior<Command> running(HostVmsState state) {
      return Behaviors.receive(Command.class).onAnyMessage(m -> running(next(state, m))).build();
    }

    private HostVmsState next(HostVmsState state, Command m) {
      if (m instanceof FenceApplied a) {
        a.replyTo().tell(a.applied());
        return state;
      }
      if (m instanceof Enforce e) {
        leases.tell(new VmLeases.Enforce(e.enforcement()));
        return state;
      }
      HostVmsState current = stall.idle().map(idle -> apply(state, new HostVmsInput.Stalled<>(clock.instant(), idle,
          staleAfterStall))).orElse(state);
      HostVmsState next = apply(current, input(m, clock.instant()));
      if (m instanceof ApplyIsolationResponse a) {
        ctx.spawnAnonymous(IsolationResponder.create(hypervisor, a.responseFor(), a.shutdownTimeout(),
            pollInterval, a.replyTo()), DispatcherSelector.sameAsParent());
      } else if (m instanceof Fence f) {
        ctx.spawnAnonymous(IsolationResponder.create(hypervisor, vm -> IsolationResponse.POWER_OFF,
            pollInterval, pollInterval, ctx.messageAdapter(IsolationResponder.Applied.class,
                a -> new FenceApplied(a, f.replyTo()))), DispatcherSelector.sameAsParent());
      }
      return next;
    }

    private HostVmsState apply(HostVmsState state, HostVmsInput<ActorRef<JsonSerializable>> in) {
      HostVmsMachine.Step<ActorRef<JsonSerializable>> step = HostVmsMachine.step(state, in, hostId);
      step.effects().forEach(this::carryOut);
      return step.state();
    }

    /** The machine answers with a {@link Result}, or a {@link MigratedOut} to a migration out, each to its asker. */
    private static HostVmsInput<ActorRef<JsonSerializable>> input(Command m, Instant at) {
      if (m instanceof Poll) return new HostVmsInput.PollDue<>(at);
      if (m instanceof PowerOn r) return new HostVmsInput.PowerOn<>(at, r.vm(), r.grant(), r.replyTo().unsafeUpcast());
      if (m instanceof MigrateIn r) {
        return new HostVmsInput.PowerOn<>(at, r.image().vm(), Optional.empty(), Optional.of(r.image()),
            r.replyTo().unsafeUpcast());
      }
      if (m instanceof MigrateOut r) return new HostVmsInput.MigrateOut<>(at, r.vm(), r.replyTo().unsafeUpcast());
      if (m instanceof PowerOff r) return new HostVmsInput.PowerOff<>(at, r.vm(), r.replyTo().unsafeUpcast());
      if (m instanceof LeaseLost l) return new HostVmsInput.LeaseLost<>(at, l.vm(), l.reason());
      if (m instanceof ApplyIsolationResponse) return new HostVmsInput.Isolating<>(at);
      if (m instanceof Fence f) return new HostVmsInput.Fencing<>(at, f.reason());
      if (m instanceof Unfence) return new HostVmsInput.Unfence<>(at);
      return ((Answered) m).input().apply(at);
    }

    private void carryOut(HostVmsEffect<ActorRef<JsonSerializable>> e) {
      if (e instanceof HostVmsEffect.ListVms<?> l) {
        ctx.pipeToSelf(hypervisor.poweredOn(), (vms, err) -> new Answered(at -> err == null
            ? new HostVmsInput.Polled<>(at, l.seq(), vms) : new HostVmsInput.PollFailed<>(at, l.seq(), err.toString())));
      } else if (e instanceof HostVmsEffect.PollNow<?>) {
        ctx.getSelf().tell(Poll.INSTANCE);
      } else if (e instanceof HostVmsEffect.TakeLease<ActorRef<JsonSerializable>> t) {
        HostVmsInput.PowerOn<ActorRef<JsonSerializable>> r = t.request();
        ctx.ask(VmLeases.Taken.class, leases, TimingRules.leaseTakeBound(pollInterval),
            ref -> new VmLeases.Take(r.vm().name(), r.grant(), ref), (taken, err) -> new Answered(at -> err != null
                ? new HostVmsInput.LeaseUnanswered<>(at, r, Failures.rootMessage(err))
                : new HostVmsInput.LeaseTaken<>(at, r, taken.ok(), taken.reason())));
      } else if (e instanceof HostVmsEffect.PowerOnVm<ActorRef<JsonSerializable>> p) {
        ctx.pipeToSelf(p.request().image().map(hypervisor::migrateIn).orElseGet(() -> hypervisor.powerOn(
            p.request().vm())),
            (x, err) -> new Answered(at -> new HostVmsInput.PoweredOn<>(at, p.request(), failure(err))));
      } else if (e instanceof HostVmsEffect.StopWriter<ActorRef<JsonSerializable>> w) {
        ctx.pipeToSelf(hypervisor.migrateOut(w.request().vm()), (image, err) -> new Answered(at ->
            new HostVmsInput.WriterStopped<>(at, w.request(), Optional.ofNullable(image), failure(err))));
      } else if (e instanceof HostVmsEffect.ReleaseLease<ActorRef<JsonSerializable>> r) {
        ctx.ask(VmLeases.Released.class, leases, TimingRules.leaseReleaseBound(pollInterval),
            ref -> new VmLeases.Release(r.request().vm(), ref), (released, err) -> new Answered(at ->
                new HostVmsInput.LeaseReleased<>(at, r.request(), r.image(),
                    err != null ? failure(err) : released.error())));
      } else if (e instanceof HostVmsEffect.MigratedOut<ActorRef<JsonSerializable>> m) {
        m.to().tell(new MigratedOut(m.vm(), hostId, m.image(), m.stopped(), m.error()));
      } else if (e instanceof HostVmsEffect.PowerOffVm<ActorRef<JsonSerializable>> p) {
        ctx.pipeToSelf(hypervisor.powerOff(p.request().vm()),
            (x, err) -> new Answered(at -> new HostVmsInput.PoweredOff<>(at, p.request(), failure(err))));
      } else if (e instanceof HostVmsEffect.ForceOff<?> f) {
        ctx.pipeToSelf(hypervisor.powerOff(f.vm()),
            (x, err) -> new Answered(at -> new HostVmsInput.ForcedOff<>(at, f.vm(), failure(err))));
      } else if (e instanceof HostVmsEffect.Reply<ActorRef<JsonSerializable>> r) {
        r.to().tell(new Result(r.vm(), hostId, r.ok(), r.error().orElse(null)));
      } else if (e instanceof HostVmsEffect.Emit<?> x) {
        events.accept(x.event());
      } else if (e instanceof HostVmsEffect.Warn<?> w) {
        ctx.getLog().warn(w.message());
      } else if (e instanceof HostVmsEffect.LeasesRunning<?> l) {
        leases.tell(new VmLeases.Running(l.vms()));
      } else if (e instanceof HostVmsEffect.Report<?> r) {
        publish.accept(new HostReport(hostId, management, memoryMb, cpus, r.poweredOn(),
            ctx.getSelf(), r.fenced(), r.stopped(), r.starting(), r.seq()));
      }
    }

    private static Optional<String> failure(Throwable err) {
      return Optional.ofNullable(err).map(Failures::rootMessage);
    }
  }
}
