package dev.vmha.sim;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;

/**
 * Cuts and restores the link between two actor systems in one JVM at Pekko's Artery transport: every message in both
 * directions is dropped, Pekko's own cluster heartbeats included, as on a broken network. Needs
 * {@code pekko.remote.artery.advanced.test-mode = on} on both systems.
 */
@SuppressWarnings("deprecation") // Artery's test-mode throttler: the only way to cut a link inside one JVM
final class LinkCutter {
  private LinkCutter() {}

  static void cut(ActorSystem<?> from, Address to) {
    command(from, to, ThrottlerTransportAdapter.blackholeThrottleMode());
  }

  static void restore(ActorSystem<?> from, Address to) {
    command(from, to, ThrottlerTransportAdapter.unthrottledThrottleMode());
  }

  private static void command(ActorSystem<?> from, Address to, ThrottlerTransportAdapter.ThrottleMode mode) {
    RemoteActorRefProvider p = (RemoteActorRefProvider) ((ExtendedActorSystem) Adapter.toClassic(from)).provider();
    p.transport().managementCommand(
        new ThrottlerTransportAdapter.SetThrottle(to, ThrottlerTransportAdapter.bothDirection(), mode));
  }
}
