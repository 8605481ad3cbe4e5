package dev.vmha.isolation;

import dev.vmha.Failures;
import dev.vmha.LocalMessage;
import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Applies the isolation response to every VM powered on at an isolated host: power-off at once, guest shutdown with
 * power-off after {@code das.isolationShutdownTimeout}, or leave it running. Reports what the hypervisor then
 * shows as stopped — never what it was merely asked to stop — so that only VMs really off are offered for restart.
 */
public final class IsolationResponder {
  public sealed interface Command extends LocalMessage {}

  private record Listed(List<VmSpec> vms, Throwable error) implements Command {}

  private record OffDone() implements Command {}

  private enum Poll implements Command { INSTANCE }

  private enum Deadline implements Command { INSTANCE }

  private record Polled(List<VmSpec> vms, Throwable error) implements Command {}

  private record Final(List<VmSpec> vms, Throwable error) implements Command {}

  /** The outcome: VMs now off (to be listed in the power-on file), VMs left running, and failures. */
  public record Applied(List<VmSpec> stopped, List<VmSpec> keptRunning, List<String> failures) implements LocalMessage {}

  private IsolationResponder() {}

  public static Behavior<Command> create(
      Hypervisor hypervisor, Function<String, IsolationResponse> responseFor, Duration shutdownTimeout,
      Duration pollInterval, ActorRef<Applied> replyTo) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.pipeToSelf(hypervisor.poweredOn(), Listed::new);
      Run run = new Run(ctx, timers, hypervisor, responseFor, shutdownTimeout, pollInterval, replyTo);
      return Behaviors.receive(Command.class).onMessage(Listed.class, run::start).build();
    }));
  }

  private record Run(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Hypervisor hypervisor,
      Function<String, IsolationResponse> responseFor, Duration shutdownTimeout, Duration pollInterval,
      ActorRef<Applied> replyTo) {

    Behavior<Command> start(Listed l) {
      if (l.error() != null) {
        replyTo.tell(new Applied(List.of(), List.of(), List.of("cannot list VMs: " + Failures.rootMessage(l.error()))));
        return Behaviors.stopped();
      }
      List<VmSpec> toStop = new ArrayList<>();
      Set<String> shuttingDown = new HashSet<>();
      List<CompletableFuture<Void>> offs = new ArrayList<>();
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (VmSpec vm : l.vms()) {
        switch (responseFor.apply(vm.name())) {
          case POWER_OFF -> {
            toStop.add(vm);
            offs.add(hypervisor.powerOff(vm.name()).toCompletableFuture()
                .exceptionally(e -> { failures.add(vm.name() + ": " + Failures.rootMessage(e)); return null; }));
          }
          case SHUTDOWN -> {
            toStop.add(vm);
            shuttingDown.add(vm.name());
            hypervisor.shutdownGuest(vm.name()).toCompletableFuture()
                .exceptionally(e -> { failures.add(vm.name() + " (shutdown): " + Failures.rootMessage(e)); return null; });
          }
          case LEAVE_POWERED_ON -> { }
        }
      }
      ctx.pipeToSelf(CompletableFuture.allOf(offs.toArray(CompletableFuture[]::new)), (x, e) -> new OffDone());
      if (!shuttingDown.isEmpty()) {
        timers.startTimerWithFixedDelay(Poll.INSTANCE, pollInterval);
        timers.startSingleTimer(Deadline.INSTANCE, shutdownTimeout);
      }
      return waiting(toStop, shuttingDown, false, failures);
    }

    private Behavior<Command> waiting(List<VmSpec> toStop, Set<String> shuttingDown, boolean offDone, List<String> failures) {
      if (offDone && shuttingDown.isEmpty()) return finish(toStop, failures);
      return Behaviors.receive(Command.class)
          .onMessage(OffDone.class, d -> waiting(toStop, shuttingDown, true, failures))
          .onMessageEquals(Poll.INSTANCE, () -> {
            ctx.pipeToSelf(hypervisor.poweredOn(), Polled::new);
            return Behaviors.same();
          })
          .onMessage(Polled.class, p -> {
            if (p.error() != null) return Behaviors.same();
            Set<String> still = new HashSet<>(shuttingDown);
            still.retainAll(p.vms().stream().map(VmSpec::name).toList());
            return waiting(toStop, still, offDone, failures);
          })
          .onMessageEquals(Deadline.INSTANCE, () -> {
            // the guests took too long: power them off, as vSphere does after isolationShutdownTimeout
            List<CompletableFuture<Void>> offs = shuttingDown.stream()
                .map(vm -> hypervisor.powerOff(vm).toCompletableFuture()
                    .exceptionally(e -> { failures.add(vm + ": " + Failures.rootMessage(e)); return null; }))
                .toList();
            ctx.pipeToSelf(CompletableFuture.allOf(offs.toArray(CompletableFuture[]::new)), (x, e) -> new OffDone());
            timers.cancelAll();
            return waiting(toStop, Set.of(), false, failures);
          })
          .build();
    }

    private Behavior<Command> finish(List<VmSpec> toStop, List<String> failures) {
      timers.cancelAll();
      ctx.pipeToSelf(hypervisor.poweredOn(), Final::new);
      return Behaviors.receive(Command.class)
          .onMessage(Final.class, f -> {
            if (f.error() != null) {
              // without the hypervisor's word nothing counts as stopped: nothing may be restarted elsewhere
              replyTo.tell(new Applied(List.of(), List.of(), List.of("cannot confirm the VMs are off: "
                  + Failures.rootMessage(f.error()))));
              return Behaviors.stopped();
            }
            Set<String> running = new HashSet<>(f.vms().stream().map(VmSpec::name).toList());
            List<VmSpec> stopped = toStop.stream().filter(vm -> !running.contains(vm.name())).toList();
            replyTo.tell(new Applied(stopped, f.vms(), List.copyOf(failures)));
            return Behaviors.stopped();
          })
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }
  }
}
