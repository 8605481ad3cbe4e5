package dev.vmha.lease;

import java.time.Duration;

/**
 * The lease timing rule (issue 5, docs/FAILURE-DETECTION.md "Leases"). The holder of a VM's lease renews it every
 * {@code renewInterval}; when no renewal has succeeded for {@code fenceAfter} it powers the VM off itself. Another host
 * may take the lease only after seeing its counter stand still for {@link #expiry()}, which must outlast everything
 * the holder may still do: the fence deadline, one renewal interval before the holder notices, the I/O delay of a
 * renewal that landed late, the time a forced power-off takes, all stretched by the worst clock-rate difference
 * between the two hosts (only durations are compared, never the clocks themselves). Pure.
 *
 * @param clockDriftMax the largest relative rate difference of two hosts' clocks, e.g. 0.01 for 1 %
 */
public record LeaseTiming(
    Duration fenceAfter, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax, double clockDriftMax) {

  /** How long a lease must stand still before another host may take it. */
  public Duration expiry() {
    Duration holderDone = fenceAfter.plus(renewInterval).plus(ioDelayMax).plus(powerOffMax);
    return Duration.ofNanos((long) Math.ceil(holderDone.toNanos() * (1 + clockDriftMax)));
  }

  /** The margin between the holder's fence deadline and the expiry: what protects against late I/O and drift. */
  public Duration margin() {
    return expiry().minus(fenceAfter);
  }
}
