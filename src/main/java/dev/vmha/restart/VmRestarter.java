package dev.vmha.restart;

import dev.vmha.LocalMessage;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One attempt to bring a VM up: asks each candidate host in turn to take the VM's lease and power it on, and reports
 * the outcome to the master's coordinator. Only a host's explicit refusal moves on to the next host: a host that does
 * not answer within {@code vmha.restart.power-on-timeout} may still have started the VM, so the outcome names it and
 * the coordinator waits until that host shows whether it runs the VM before anything is tried again.
 */
public final class VmRestarter {
  public sealed interface Command {}

  private record Answer(HostVms.Result result, Throwable error) implements Command, LocalMessage {}

  /** A host to try and its VM manager. */
  public record Candidate(String hostId, ActorRef<HostVms.Command> vms) {}

  /** What one attempt works with: {@code grant} is the expired lease the master judged may be replaced. */
  public record Attempt(VmSpec vm, Optional<VmLease> grant, List<Candidate> candidates, int number) {}

  private VmRestarter() {}

  public static Behavior<Command> create(
      String masterId, Attempt attempt, Duration powerOnTimeout, ActorRef<RestartOutcome> report,
      Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> new Run(ctx, masterId, attempt, powerOnTimeout, report, events, clock).tryNext(0, ""));
  }

  private record Run(
      ActorContext<Command> ctx, String masterId, Attempt attempt, Duration timeout, ActorRef<RestartOutcome> report,
      Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> tryNext(int index, String failures) {
      VmSpec vm = attempt.vm();
      List<Candidate> candidates = attempt.candidates();
      if (index >= candidates.size()) {
        report.tell(new RestartOutcome.Refused(vm,
            candidates.isEmpty() ? "no host to try" : "every host refused:" + failures));
        return Behaviors.stopped();
      }
      Candidate c = candidates.get(index);
      events.accept(new HaEvent.VmRestartAttempted(clock.instant(), masterId, vm.name(), c.hostId(), attempt.number()));
      ctx.ask(HostVms.Result.class, c.vms(), timeout, ref -> new HostVms.PowerOn(vm, attempt.grant(), ref),
          Answer::new);
      return Behaviors.receive(Command.class)
          .onMessage(Answer.class, a -> {
            if (a.error() == null && a.result().ok()) {
              events.accept(new HaEvent.VmRestarted(clock.instant(), masterId, vm.name(), c.hostId()));
              report.tell(new RestartOutcome.Started(vm, c.hostId()));
              return Behaviors.stopped();
            }
            if (a.error() != null) {
              String why = "no answer from " + c.hostId() + " within " + timeout.toMillis()
                  + " ms: its power state is unknown, so no other host is tried until it shows";
              events.accept(new HaEvent.VmRestartFailed(clock.instant(), masterId, vm.name(), c.hostId(), why));
              report.tell(new RestartOutcome.Unanswered(vm, c.hostId(), why));
              return Behaviors.stopped();
            }
            String why = a.result().error();
            events.accept(new HaEvent.VmRestartFailed(clock.instant(), masterId, vm.name(), c.hostId(), why));
            return tryNext(index + 1, failures + " " + c.hostId() + ": " + why + ";");
          })
          .build();
    }
  }
}
