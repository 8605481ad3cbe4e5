package dev.vmha.lease;

import dev.vmha.Failures;
import dev.vmha.LocalMessage;
import dev.vmha.isolation.Enforcement;
import dev.vmha.timing.TimingRules;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.lease.LeaseInput.Written;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The leases of the VMs on one host (child of the host's VM manager): the shell of the {@link LeaseMachine}. It ticks
 * every renewal interval, turns requests and the lease datastore's answers into the machine's inputs and carries out
 * its effects — the lease I/O, the fences, the watchdog's report, events and warnings. The decisions are the
 * machine's.
 */
public final class VmLeases {
  public sealed interface Command extends LocalMessage {}

  /** Take the VM's lease before starting it; {@code grant} is the expired lease the master saw, if any. */
  public record Take(String vm, Optional<VmLease> grant, ActorRef<Taken> replyTo) implements Command {}

  public record Taken(String vm, boolean ok, String reason) implements LocalMessage {}

  /**
   * Told to the host's watchdog every round: {@code settled} once the VMs found at start have been adopted or released
   * (a first VM list came and no adoption is pending), the longest any lease here has gone unrenewed, and whether
   * that matters (not while an operator's emergency disable suspended enforcement).
   */
  public record Renewal(boolean settled, Duration longestUnrenewed, Enforcement enforcement) {}

  /** An operator suspended or restored this host's enforcement of HA ({@link LeaseInput.Enforce}). */
  public record Enforce(Enforcement enforcement) implements Command {}

  /**
   * The VM migrated away (its writer here has stopped): its lease is released now, so that the target can take it,
   * and {@code replyTo} told once the release is written (or failed, with the reason).
   */
  public record Release(String vm, ActorRef<Released> replyTo) implements Command {}

  public record Released(String vm, Optional<String> error) implements LocalMessage {}

  /** The VMs powered on here or being started: every other lease held here is released. */
  public record Running(Set<String> vms) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /** A lease datastore call answered: the machine's input, stamped when the actor takes it. */
  private record Answered(Function<Instant, LeaseInput<ActorRef<LocalMessage>>> input) implements Command {}

  private VmLeases() {}

  /**
   * @param fence told to power a VM off at once, with the reason
   * @param renewals told after every round how the leases here stand (the host's watchdog)
   * @param events told when a lease goes unrenewed for {@link TimingRules.Lease#lateAfter()}
   */
  public static Behavior<Command> create(
      String hostId, Optional<Datastore> leaseDatastore, TimingRules.Lease timing, BiConsumer<String, String> fence,
      Consumer<Renewal> renewals, Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, timing.renewInterval());
      return new Shell(ctx, new LeaseConfig(hostId, leaseDatastore.map(Datastore::name), timing), leaseDatastore,
          fence, renewals, events, clock).running(LeaseState.initial());
    }));
  }

  /** What the shell talks to; the machine's state is its behaviour's. */
  private record Shell(ActorContext<Command> ctx, LeaseConfig config, Optional<Datastore> store,
      BiConsumer<String, String> fence, Consumer<Renewal> renewals, Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(LeaseState<ActorRef<LocalMessage>> state) {
      return Behaviors.receive(Command.class).onAnyMessage(m -> running(next(state, m))).build();
    }

    /** The machine answers a take with a {@link Taken} and a release with a {@link Released}, each to its asker. */
    private LeaseState<ActorRef<LocalMessage>> next(LeaseState<ActorRef<LocalMessage>> state, Command m) {
      Instant at = clock.instant();
      LeaseInput<ActorRef<LocalMessage>> in;
      if (m instanceof Tick) in = new LeaseInput.Tick<>(at);
      else if (m instanceof Take t) in = new LeaseInput.Take<>(at, t.vm(), t.grant(), t.replyTo().unsafeUpcast());
      else if (m instanceof Release r) in = new LeaseInput.Release<>(at, r.vm(), r.replyTo().unsafeUpcast());
      else if (m instanceof Running r) in = new LeaseInput.Running<>(at, r.vms());
      else if (m instanceof Enforce e) in = new LeaseInput.Enforce<>(at, e.enforcement());
      else in = ((Answered) m).input().apply(at);
      LeaseMachine.Step<ActorRef<LocalMessage>> step = LeaseMachine.step(state, in, config);
      step.effects().forEach(this::carryOut);
      return step.state();
    }

    private void carryOut(LeaseEffect<ActorRef<LocalMessage>> e) {
      if (e instanceof LeaseEffect.Reply<ActorRef<LocalMessage>> r) r.to().tell(new Taken(r.vm(), r.ok(), r.reason()));
      else if (e instanceof LeaseEffect.Swap<ActorRef<LocalMessage>> w) {
        ctx.pipeToSelf(store.orElseThrow().swapLease(w.expected(), w.next()),
            (ok, err) -> new Answered(at -> new LeaseInput.Swapped<>(at, w, Written.of(ok, err))));
      } else if (e instanceof LeaseEffect.Read<ActorRef<LocalMessage>> r) {
        ctx.pipeToSelf(store.orElseThrow().readLease(r.vm()), (l, err) -> new Answered(at -> err == null
            ? new LeaseInput.Found<>(at, r, l, Optional.empty())
            : new LeaseInput.Found<>(at, r, Optional.empty(), Optional.of(Failures.rootMessage(err)))));
      } else if (e instanceof LeaseEffect.Repair<ActorRef<LocalMessage>> p) {
        ctx.pipeToSelf(store.orElseThrow().repairLease(p.next()),
            (ok, err) -> new Answered(at -> new LeaseInput.Repaired<>(at, p, Written.of(ok, err))));
      } else if (e instanceof LeaseEffect.Release<?> r) store.orElseThrow().releaseLease(r.lease());
      else if (e instanceof LeaseEffect.ReleaseAnswered<ActorRef<LocalMessage>> r) {
        r.lease().map(l -> store.orElseThrow().releaseLease(l)).orElse(CompletableFuture.completedFuture(null))
            .whenComplete((x, err) -> r.to().tell(new Released(r.vm(),
                Optional.ofNullable(err).map(Failures::rootMessage))));
      }
      else if (e instanceof LeaseEffect.Fence<?> f) fence.accept(f.vm(), f.why());
      else if (e instanceof LeaseEffect.Emit<?> x) events.accept(x.event());
      else if (e instanceof LeaseEffect.Warn<?> w) ctx.getLog().warn(w.message());
      else if (e instanceof LeaseEffect.ReportRenewal<?> r) {
        renewals.accept(new Renewal(r.settled(), r.longestUnrenewed(), r.enforcement()));
      }
    }
  }
}
