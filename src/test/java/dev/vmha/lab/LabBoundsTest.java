package dev.vmha.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lab's bounds are the documented rules applied to the lab's host files, figure by figure. */
class LabBoundsTest {
  private static final LabBounds LAB = LabBounds.of("");

  @Test
  void afterAHealOneMasterComesWithinHealTimingOnceTheTransportResumesAndAVmWithinOnePowerOnTimeoutMore() {
    // HealTiming.rejoin with i 250 ms, T 3 s, W 2 s, Pekko's seed-node timeout 5 s and join retry 10 s:
    // 3 + 5 (agent restart) + 5 + 10 + 2 + 0.5 = 25.5 s; power-on timeout 10 s
    assertEquals(Duration.ofMillis(25_500 + 1_000 + 10_000), LAB.afterHeal(Duration.ZERO));
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
        """);
    assertEquals(Duration.ofSeconds(17 + 1 + 1), defaults.slavePowerLoss());
    assertEquals(Duration.ofSeconds(31 + 1 + 1), defaults.masterPowerLoss());
    // the lab's own timings (docs: demo column 5 s and 6.25 s)
    assertEquals(Duration.ofMillis(5_000 + 250 + 1_000), LAB.slavePowerLoss());
    assertEquals(Duration.ofMillis(6_250 + 250 + 1_000), LAB.masterPowerLoss());
  }
}
