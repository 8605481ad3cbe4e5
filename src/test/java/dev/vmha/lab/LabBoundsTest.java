package dev.vmha.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lab's bounds are the documented rules applied to the lab's host files, figure by figure. */
class LabBoundsTest {
  private static final LabBounds LAB = LabBounds.of("");

  @Test
  void afterAHealOneMasterComesWithinHealTimingOnceTheTransportResumesAndAVmWithinOnePowerOnTimeoutMore() {
    // TimingRules.Heal.rejoin with i 250 ms, T 3 s, W 2 s, Pekko's seed-node timeout 5 s and join retry 10 s:
    // 3 + 5 (agent restart) + 5 + 10 + 2 + 0.5 = 25.5 s; power-on timeout 10 s
    // after a short cut the leases of a failed host's VMs, expiring after the lab's restart grace, take longer
    assertEquals(LAB.leaseExpired().plusSeconds(10), LAB.afterHeal(Duration.ZERO));
    // a 30 s cut: TCP's back-off resumes the connections within the cut's length and one initial RTO
    assertEquals(Duration.ofMillis(30_000 + 1_000 + 25_500 + 10_000), LAB.afterHeal(Duration.ofSeconds(30)));
    // never beyond TCP_RTO_MAX
    assertEquals(LAB.afterHeal(Duration.ofSeconds(120)), LAB.afterHeal(Duration.ofMinutes(10)));
  }

  @Test
  void detectionBudgetsAreDocsFailureDetectionWithThePowerLossToTheLastBeatAndThePowerOns() {
    LabBounds defaults = LabBounds.of("""
        das { failuredetectioninterval = 1000, config.fdm { hostTimeout = 10, icmpPingTimeout = 5, deadIcmpPingInterval = 10 } }
        vmha.election.window = 15s
        vmha.datastores = ["/ds1", "/ds2"]
        vmha.watchdog.timeout = ""
        """);
    assertEquals(Duration.ofSeconds(17 + 1 + 1), defaults.slavePowerLoss());
    assertEquals(Duration.ofSeconds(31 + 1 + 1), defaults.masterPowerLoss());
    // the lab's own timings: detection alone (docs: demo column 5 s and 6.25 s) would be quicker than the leases
    // with the lab's restart grace, so its power losses wait for the expiry
    assertEquals(LAB.leaseExpired().plusSeconds(1), LAB.slavePowerLoss());
    assertEquals(LAB.leaseExpired().plusSeconds(1), LAB.masterPowerLoss());
  }

  /**
   * The lab's grace (watchdog timeout W) lengthens its leases' fence deadline to W + 2 intervals, so the VMs of a
   * failed host start elsewhere once the expiry — ((W + 0.5 s) + 0.25 s + 0.25 s + 0.25 s) x 1.01, counted in the
   * master's ticks, which a loaded machine makes slower (10 % allowed) — and three rounds have passed, and an agent gone
   * while its address answers ping costs the same.
   */
  @Test
  void failoversOfLeasedVmsWaitForTheExpiryWhichCoversTheLabsRestartGrace() {
    Duration w = LAB.watchdogTimeout();
    assertTrue(w.compareTo(Duration.ofMillis(2_500)) > 0, "a grace beyond hostTimeout - 2 intervals: " + w);
    Duration expiry = Duration.ofNanos((long) Math.ceil(w.plusMillis(500 + 750).toNanos() * 1.01));
    assertEquals(Duration.ofNanos((long) Math.ceil(expiry.toNanos() * 1.10)).plusMillis(750), LAB.leaseExpired());
    assertTrue(LAB.leaseExpired().compareTo(w) > 0, "an agent restarted within the grace finds its leases untaken");
    assertEquals(LAB.leaseExpired().plusSeconds(1), LAB.agentGone());
    assertEquals(LAB.leaseExpired().plusSeconds(10), LAB.afterHeal(Duration.ZERO),
        "after a short cut the expiry is longer than the rejoin path (26.5 s)");
  }
}
