package dev.vmha.isolation;

import java.time.Duration;
import java.util.Optional;

/**
 * When a host must power off its own VMs because it can no longer prove to the cluster that it runs them (seed 001's
 * self-fencing, MISSION §6). The master restarts a silent host's VMs only after this rule has surely fired on that
 * host, so a VM never runs twice:
 * <ul>
 *   <li>with heartbeat datastores: this host's heartbeat has reached no datastore for {@code fenceTimeout} — the
 *       master sees the heartbeat still and acts only after it has been still for longer;
 *   <li>without any (the vSAN case of seed 000): this host has been on the strict minority side of the cluster for
 *       {@code fenceTimeout} — only a strict majority restarts, and only after longer still. An even split fences
 *       nobody and restarts nothing.
 * </ul>
 * Pure.
 */
public final class FencingRule {
  private FencingRule() {}

  /**
   * @param sinceOwnWrite how long this host's own heartbeat has reached no datastore
   * @param minorityFor how long this host has seen a strict minority of the members reachable (zero if not now)
   * @return why the host must fence itself, or empty
   */
  public static Optional<String> mustFence(
      boolean datastoresConfigured, Duration sinceOwnWrite, Duration minorityFor, Duration fenceTimeout) {
    if (datastoresConfigured) {
      return sinceOwnWrite.compareTo(fenceTimeout) >= 0
          ? Optional.of("its heartbeat reached no datastore for " + sinceOwnWrite.toMillis() + " ms")
          : Optional.empty();
    }
    return minorityFor.compareTo(fenceTimeout) >= 0
        ? Optional.of("it saw only a minority of the cluster for " + minorityFor.toMillis() + " ms")
        : Optional.empty();
  }

  /** A strict minority: fewer than half of the members are reachable (self included). */
  public static boolean minority(int reachable, int members) {
    return 2 * reachable < members;
  }

  /** A strict majority: more than half. */
  public static boolean majority(int reachable, int members) {
    return 2 * reachable > members;
  }
}
