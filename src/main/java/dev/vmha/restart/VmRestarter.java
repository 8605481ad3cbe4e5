package dev.vmha.restart;

import dev.vmha.LocalMessage;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One VM being brought up: asks each candidate host in turn to power it on and reports the outcome to the master's
 * coordinator. Only a host's explicit refusal moves on to the next host: a host that does not answer within
 * {@code vmha.restart.power-on-timeout} may still have started the VM, so trying elsewhere could start it twice.
 */
public final class VmRestarter {
  public sealed interface Command {}

  private record Answer(HostVms.PowerOnResult result, Throwable error) implements Command, LocalMessage {}

  /** A host to try and its VM manager. */
  public record Candidate(String hostId, ActorRef<HostVms.Command> vms) {}

  /** The outcome, sent to the coordinator: {@code host} is where it runs, or null with {@code reason}. */
  public record Outcome(VmSpec vm, String host, String reason) implements LocalMessage {}

  private VmRestarter() {}

  public static Behavior<Command> create(
      String masterId, VmSpec vm, List<Candidate> candidates, Duration powerOnTimeout, ActorRef<Outcome> report,
      Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> tryNext(ctx, masterId, vm, candidates, 0, powerOnTimeout, report, events, clock, ""));
  }

  private static Behavior<Command> tryNext(
      ActorContext<Command> ctx, String masterId, VmSpec vm,
      List<Candidate> candidates, int index, Duration timeout, ActorRef<Outcome> report, Consumer<HaEvent> events,
      Clock clock, String failures) {
    if (index >= candidates.size()) {
      report.tell(new Outcome(vm, null, candidates.isEmpty() ? "no host to try" : "every host refused:" + failures));
      return Behaviors.stopped();
    }
    Candidate c = candidates.get(index);
    events.accept(new HaEvent.VmRestartAttempted(clock.instant(), masterId, vm.name(), c.hostId(), index + 1));
    ctx.ask(HostVms.PowerOnResult.class, c.vms(), timeout, ref -> new HostVms.PowerOn(vm, ref), Answer::new);
    return Behaviors.receive(Command.class)
        .onMessage(Answer.class, a -> {
          if (a.error() == null && a.result().started()) {
            events.accept(new HaEvent.VmRestarted(clock.instant(), masterId, vm.name(), c.hostId()));
            report.tell(new Outcome(vm, c.hostId(), null));
            return Behaviors.stopped();
          }
          if (a.error() != null) {
            String why = "no answer from " + c.hostId() + " within " + timeout.toMillis()
                + " ms: its power state is unknown, so no other host is tried";
            events.accept(new HaEvent.VmRestartFailed(clock.instant(), masterId, vm.name(), c.hostId(), why));
            report.tell(new Outcome(vm, null, why));
            return Behaviors.stopped();
          }
          String why = a.result().error();
          events.accept(new HaEvent.VmRestartFailed(clock.instant(), masterId, vm.name(), c.hostId(), why));
          return tryNext(ctx, masterId, vm, candidates, index + 1, timeout, report, events, clock,
              failures + " " + c.hostId() + ": " + why + ";");
        })
        .build();
  }
}
