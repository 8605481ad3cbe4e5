package dev.vmha.host;

import dev.vmha.LocalMessage;
import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import java.util.function.Consumer;
import java.util.function.Function;
import dev.vmha.config.IsolationResponse;
import dev.vmha.isolation.IsolationResponder;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The host's VM manager: the only actor that talks to the hypervisor. Polls the powered-on VMs every
 * {@code das.failuredetectioninterval} and publishes a {@link HostReport}; carries out the master's power-on requests.
 */
public final class HostVms {
  public sealed interface Command {}

  private enum Poll implements Command, LocalMessage { INSTANCE }

  private record Polled(List<VmSpec> vms, Throwable error) implements Command, LocalMessage {}

  /** Power a VM on here; answered with {@link PowerOnResult}. Sent by the master, possibly from another JVM. */
  public record PowerOn(VmSpec vm, ActorRef<PowerOnResult> replyTo) implements Command, JsonSerializable {}

  public record PowerOnResult(String vm, String host, boolean started, String error) implements JsonSerializable {}

  private record PoweredOn(PowerOn request, Throwable error) implements Command, LocalMessage {}

  /** This host is isolated: apply the isolation response to its VMs and report what is now off. */
  public record ApplyIsolationResponse(
      Function<String, IsolationResponse> responseFor, Duration shutdownTimeout,
      ActorRef<IsolationResponder.Applied> replyTo) implements Command, LocalMessage {}

  private HostVms() {}

  /**
   * @param publish receives the host's report after every poll (the election FSM forwards it to the master, the
   *     datastore heartbeat writes it into the power-on file)
   */
  /** Power off every VM here and refuse power-ons until {@link Unfence}: this host fences itself. */
  public record Fence(String reason, ActorRef<IsolationResponder.Applied> replyTo) implements Command, LocalMessage {}

  public enum Unfence implements Command, LocalMessage { INSTANCE }

  private record FenceApplied(IsolationResponder.Applied applied, ActorRef<IsolationResponder.Applied> replyTo)
      implements Command, LocalMessage {}

  /**
   * @param publish receives the host's report after every poll (the election FSM forwards it to the master, the
   *     datastore heartbeat writes it into the power-on file)
   */
  public static Behavior<Command> create(
      String hostId, PingTarget management, long memoryMb, int cpus, Duration pollInterval, Hypervisor hypervisor,
      Consumer<HostReport> publish) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Poll.INSTANCE, Duration.ZERO, pollInterval);
      return new Vms(ctx, hostId, management, memoryMb, cpus, pollInterval, hypervisor, publish)
          .running(Optional.empty(), List.of());
    }));
  }

  private record Vms(
      ActorContext<Command> ctx, String hostId, PingTarget management, long memoryMb, int cpus, Duration pollInterval,
      Hypervisor hypervisor, Consumer<HostReport> publish) {

    /**
     * @param fenced why this host refuses to run VMs, while it is fenced
     * @param fencedOff the VMs the fence powered off, reported so the master restarts them elsewhere
     */
    Behavior<Command> running(Optional<String> fenced, List<VmSpec> fencedOff) {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Poll.INSTANCE, () -> {
            ctx.pipeToSelf(hypervisor.poweredOn(), Polled::new);
            return Behaviors.same();
          })
          .onMessage(Polled.class, p -> {
            if (p.error() != null) {
              ctx.getLog().warn("cannot list the VMs of {}: {}", hostId, p.error().toString());
            } else {
              publish.accept(new HostReport(hostId, management, memoryMb, cpus, p.vms(), ctx.getSelf(),
                  fenced.isPresent(), fencedOff));
            }
            return Behaviors.same();
          })
          .onMessage(PowerOn.class, r -> {
            if (fenced.isPresent()) {
              r.replyTo().tell(new PowerOnResult(r.vm().name(), hostId, false, hostId + " is fenced: " + fenced.get()));
            } else {
              ctx.pipeToSelf(hypervisor.powerOn(r.vm()), (ok, err) -> new PoweredOn(r, err));
            }
            return Behaviors.same();
          })
          .onMessage(ApplyIsolationResponse.class, a -> {
            ctx.spawnAnonymous(IsolationResponder.create(hypervisor, a.responseFor(), a.shutdownTimeout(),
                pollInterval, a.replyTo()));
            return Behaviors.same();
          })
          .onMessage(Fence.class, f -> {
            ctx.spawnAnonymous(IsolationResponder.create(hypervisor, vm -> IsolationResponse.POWER_OFF, pollInterval,
                pollInterval, ctx.messageAdapter(IsolationResponder.Applied.class,
                    a -> new FenceApplied(a, f.replyTo()))));
            return running(Optional.of(f.reason()), fencedOff);
          })
          .onMessage(FenceApplied.class, a -> {
            a.replyTo().tell(a.applied());
            return running(fenced, a.applied().stopped());
          })
          .onMessageEquals(Unfence.INSTANCE, () -> running(Optional.empty(), List.of()))
          .onMessage(PoweredOn.class, p -> {
            String err = p.error() == null ? null : Failures.rootMessage(p.error());
            if (err == null && fenced.isPresent()) {
              // started just before the fence came down: it must not run here
              hypervisor.powerOff(p.request().vm().name());
              err = hostId + " fenced itself while starting it: " + fenced.get();
            }
            p.request().replyTo().tell(new PowerOnResult(p.request().vm().name(), hostId, err == null, err));
            ctx.getSelf().tell(Poll.INSTANCE); // report the new VM at once
            return Behaviors.same();
          })
          .build();
    }
  }
}
