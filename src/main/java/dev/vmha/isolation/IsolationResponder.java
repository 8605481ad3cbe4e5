package dev.vmha.isolation;

import dev.vmha.Failures;
import dev.vmha.LocalMessage;
import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.ResponseMachine.Effect;
import dev.vmha.isolation.ResponseMachine.Input;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The shell of one {@link ResponseMachine} run: it asks the hypervisor what the machine asks for, keeps its timers
 * and replies with what the hypervisor then shows as stopped, then stops.
 */
public final class IsolationResponder {
  public sealed interface Command extends LocalMessage {}

  private record Answered(Input input) implements Command {}

  /** The outcome: VMs now off (to be listed in the power-on file), VMs left running, and failures. */
  public record Applied(List<VmSpec> stopped, List<VmSpec> keptRunning, List<String> failures) implements LocalMessage {}

  private IsolationResponder() {}

  public static Behavior<Command> create(
      Hypervisor hypervisor, Function<String, IsolationResponse> responseFor, Duration shutdownTimeout,
      Duration pollInterval, ActorRef<Applied> replyTo) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Shell shell = new Shell(ctx, timers, hypervisor, new ResponseMachine.Config(responseFor, shutdownTimeout,
          pollInterval), replyTo);
      return shell.carryOut(ResponseMachine.start());
    }));
  }

  private record Shell(ActorContext<Command> ctx, TimerScheduler<Command> timers, Hypervisor hypervisor,
      ResponseMachine.Config config, ActorRef<Applied> replyTo) {

    Behavior<Command> carryOut(ResponseMachine.Step step) {
      for (Effect e : step.effects()) {
        if (e instanceof Effect.Reply r) {
          replyTo.tell(new Applied(r.stopped(), r.keptRunning(), r.failures()));
          return Behaviors.stopped();
        }
        carryOut(e);
      }
      ResponseMachine.State state = step.state();
      return Behaviors.receive(Command.class)
          .onMessage(Answered.class, a -> carryOut(ResponseMachine.step(state, a.input(), config)))
          .build();
    }

    private void carryOut(Effect e) {
      if (e instanceof Effect.ListVms l) {
        ctx.pipeToSelf(hypervisor.poweredOn(), (vms, err) -> new Answered(err == null
            ? new Input.Listed(l.listing(), vms, Optional.empty())
            : new Input.Listed(l.listing(), List.of(), Optional.of(Failures.rootMessage(err)))));
      } else if (e instanceof Effect.PowerOff p) {
        ctx.pipeToSelf(hypervisor.powerOff(p.vm()), (x, err) -> new Answered(new Input.PoweredOff(p.vm(),
            Optional.ofNullable(err).map(Failures::rootMessage))));
      } else if (e instanceof Effect.ShutdownGuest g) {
        ActorRef<Command> self = ctx.getSelf();
        hypervisor.shutdownGuest(g.vm()).whenComplete((x, err) -> { // only a failure is news
          if (err != null) self.tell(new Answered(new Input.ShutdownFailed(g.vm(), Failures.rootMessage(err))));
        });
      } else if (e instanceof Effect.Repeat r) {
        timers.startTimerWithFixedDelay(r.timer(), new Answered(new Input.Fired(r.timer())), r.every());
      } else if (e instanceof Effect.Schedule s) {
        timers.startSingleTimer(s.timer(), new Answered(new Input.Fired(s.timer())), s.after());
      } else if (e instanceof Effect.CancelTimers) {
        timers.cancelAll();
      }
    }
  }
}
