package dev.vmha.lease;

import java.time.Duration;

/**
 * The lease timing rule (issue 5, docs/FAILURE-DETECTION.md "Leases"). The holder of a VM's lease renews it every
 * {@code renewInterval}; when no renewal has succeeded for {@code fenceAfter} it powers the VM off itself. Another host
 * may take the lease only after seeing its counter stand still for {@link #expiry()}, which must outlast everything
 * the holder may still do: the fence deadline, one renewal interval before the holder notices, the I/O delay of a
 * renewal that landed late, the time a forced power-off takes, all stretched by the worst clock-rate difference
 * between the two hosts (only durations are compared, never the clocks themselves). With a watchdog (issue 19) the
 * holder pets it only while its leases were renewed within {@link #petDeadline()}, so a dead or frozen agent's VMs are
 * stopped by the watchdog within the same expiry (sanlock's renewal-fail timeout plus watchdog fire timeout). The
 * watchdog's timeout is the grace an agent restarted by its supervisor has to pet again; {@link #fenceAfter(Duration,
 * Duration, Duration)} makes the fence deadline, and with it the expiry, cover it. Pure.
 *
 * @param watchdogTimeout how long the host's watchdog waits for a pet before it fires; zero without a watchdog
 * @param clockDriftMax the largest relative rate difference of two hosts' clocks, e.g. 0.01 for 1 %
 */
public record LeaseTiming(
    Duration fenceAfter, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax, double clockDriftMax,
    Duration watchdogTimeout) {

  /** Without a watchdog. */
  public LeaseTiming(
      Duration fenceAfter, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax, double clockDriftMax) {
    this(fenceAfter, renewInterval, ioDelayMax, powerOffMax, clockDriftMax, Duration.ZERO);
  }

  /**
   * The settings' lease timing: the fence deadline from {@link #fenceAfter(Duration, Duration, Duration)}.
   *
   * @param watchdogTimeout zero without a watchdog
   */
  public static LeaseTiming of(Duration hostTimeout, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax,
      double clockDriftMax, Duration watchdogTimeout) {
    return new LeaseTiming(fenceAfter(hostTimeout, renewInterval, watchdogTimeout), renewInterval, ioDelayMax,
        powerOffMax, clockDriftMax, watchdogTimeout);
  }

  /**
   * The restart-grace rule (issue 19, docs/FAILURE-DETECTION.md "Watchdog"): a holder fences its VMs after hostTimeout
   * unrenewed, or — when the watchdog's timeout {@code W}, the grace a restarted agent has to pet again, is longer than
   * that allows — after {@code W + 2 x interval}: the agent must still pet while its renewals succeed (the pet deadline
   * {@code fenceAfter - W - interval} at least one interval, the renewal in flight), and the expiry must cover the
   * watchdog's firing. So every second of grace beyond {@code hostTimeout - 2 x interval} is a second more before a
   * crashed host's VMs may start elsewhere, as with sbd (a fencer waits 2 x the watchdog timeout) and Proxmox (60 s).
   */
  public static Duration fenceAfter(Duration hostTimeout, Duration renewInterval, Duration watchdogTimeout) {
    if (watchdogTimeout.isZero()) return hostTimeout;
    return max(hostTimeout, watchdogTimeout.plus(renewInterval.multipliedBy(2)));
  }

  /** How long a lease must stand still before another host may take it: after both ways the holder stops a VM. */
  public Duration expiry() {
    Duration holderDone = max(agentStopsBy(), watchdogStopsBy());
    return Duration.ofNanos((long) Math.ceil(holderDone.toNanos() * (1 + clockDriftMax)));
  }

  /**
   * When the agent has stopped a VM itself, counted in the holder's time from its last renewal landing: the renewal
   * was issued up to {@code ioDelayMax} before, the fence comes {@code fenceAfter} after it issued, is noticed within
   * an interval and takes up to {@code powerOffMax}.
   */
  public Duration agentStopsBy() {
    return fenceAfter.plus(renewInterval).plus(ioDelayMax).plus(powerOffMax);
  }

  /**
   * The agent pets its watchdog only while every lease it holds was renewed (the renewal issued) within this long: the
   * fence deadline less the watchdog's timeout and one interval, so that a watchdog left unpetted fires no later than
   * the agent itself would have fenced.
   */
  public Duration petDeadline() {
    return fenceAfter.minus(watchdogTimeout).minus(renewInterval);
  }

  /**
   * When a dead or frozen agent's watchdog has stopped its VMs, counted in the holder's time from its last renewal
   * landing (zero without a watchdog): the last pet came before the pet deadline, landed within an interval, the
   * watchdog fires its timeout later, noticed within an interval (the process watchdog's check period; a kernel
   * timer is exact), and the VMs stop within {@code powerOffMax} (a reset: at once).
   */
  public Duration watchdogStopsBy() {
    if (watchdogTimeout.isZero()) return Duration.ZERO;
    return petDeadline().plus(renewInterval).plus(watchdogTimeout).plus(renewInterval).plus(powerOffMax);
  }

  /**
   * Whether the watchdog may be petted, the longest any lease here has gone unrenewed being {@code unrenewed} (an
   * interval while renewals succeed: the one issued at the last round is still in flight).
   */
  public boolean mayPet(Duration unrenewed) {
    return unrenewed.compareTo(petDeadline()) <= 0;
  }

  /**
   * A lease unrenewed this long is reported late (LeaseRenewalLate, metric vmha_lease_renewals_late_total): half the
   * time before its holder fences the VM itself is used up, early enough for an operator to act, and far beyond the
   * one interval a renewal normally takes, so a busy round is no alarm (as the watchdog's near-miss: half its timeout).
   */
  public Duration lateAfter() {
    return fenceAfter.dividedBy(2);
  }

  /** The margin between the holder's fence deadline and the expiry: what protects against late I/O and drift. */
  public Duration margin() {
    return expiry().minus(fenceAfter);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
