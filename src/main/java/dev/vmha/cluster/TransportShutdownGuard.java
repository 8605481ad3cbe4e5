package dev.vmha.cluster;

import java.time.Duration;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.PoisonPill;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Bounds the last step of an actor system's termination. Pekko 1.7.0's Artery waits without a deadline for every
 * outbound stream to complete before it lets the system terminate (apache/pekko#3247, bounded upstream only from
 * 2.0.0-M4 by #3317). Over TLS (Artery's {@code tls-tcp} opens connections with {@code IgnoreComplete}) an outbound
 * control stream to a member that quarantined this one can stay open for good: the TLS stage waits for the peer to
 * close a connection the peer has no reason to close, and the system never terminates (seen with two agents removed
 * together, {@code security.TlsTerminationTest}). Once the user guardian has stopped, termination has begun; if the
 * system is still there after its grace ({@code TimingRules.transportShutdownGrace}), this closes its TCP connections (stops {@code /system/IO-TCP}): the
 * stuck stream then fails and termination completes within milliseconds.
 *
 * <p>A system actor: it lives until termination's last step, and does nothing while the system runs.
 */
public final class TransportShutdownGuard {
  private TransportShutdownGuard() {}

  /** The guard's own message. */
  public sealed interface Command {}

  private enum CloseConnections implements Command { INSTANCE }

  public static Behavior<Command> create(Duration grace) {
    return Behaviors.setup(ctx -> {
      ExtendedActorSystem system = (ExtendedActorSystem) Adapter.toClassic(ctx.getSystem());
      ctx.watch(Adapter.toTyped(system.guardian()));
      return Behaviors.withTimers(timers -> Behaviors.receive(Command.class)
          .onSignal(Terminated.class, t -> {
            timers.startSingleTimer(CloseConnections.INSTANCE, grace);
            return Behaviors.same();
          })
          .onMessageEquals(CloseConnections.INSTANCE, () -> {
            ctx.getLog().warn("the actor system has not terminated {} after its guardian stopped: a stream of the"
                + " cluster transport waits for a peer (apache/pekko#3247); closing its TCP connections", grace);
            system.actorSelection("/system/IO-TCP").tell(PoisonPill.getInstance(), ActorRef.noSender());
            return Behaviors.same();
          })
          .build());
    });
  }
}
