package dev.vmha.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The host's watchdog (issue 19): what stops this host's VMs when the agent stops petting it — dead, frozen, or unable
 * to renew its leases.
 *
 * @param type {@code vmha.watchdog.type}
 * @param device {@code vmha.watchdog.device}: the Linux watchdog device, with type {@code device}
 * @param timeout {@code vmha.watchdog.timeout}: how long the watchdog waits for a pet before it fires
 */
public record WatchdogSettings(Type type, Path device, Duration timeout) {

  public enum Type {
    /** The Linux watchdog API: the host resets when it fires (production). */
    DEVICE,
    /** A separate watchdog process per host that kills the host's VM processes when it fires (demo, lab). */
    PROCESS,
    /** No watchdog: a dead or frozen agent can leave VMs running while they start elsewhere. */
    NONE
  }

  /** The timeout the lease timing counts with: none without a watchdog. */
  public Duration leaseTimeout() {
    return type == Type.NONE ? Duration.ZERO : timeout;
  }
}
