package dev.vmha.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The budgets docs/FAILURE-DETECTION.md states, with the vSphere defaults and the demo's settings. */
class DetectionTimingTest {
  private static final DetectionTiming DEFAULTS = new DetectionTiming(Duration.ofSeconds(1), Duration.ofSeconds(10),
      Duration.ofSeconds(5), Duration.ofSeconds(15));
  private static final DetectionTiming DEMO = new DetectionTiming(Duration.ofMillis(250), Duration.ofSeconds(3),
      Duration.ofSeconds(1), Duration.ofSeconds(2));

  @Test
  void theBoundsAVerdictWaitsFor() {
    assertEquals(Duration.ofSeconds(15), DetectionTiming.datastoreStillBound(DEFAULTS.hostTimeout()));
    assertEquals(Duration.ofSeconds(25), DetectionTiming.majorityStillBound(DEFAULTS.hostTimeout()));
    assertEquals(Duration.ofSeconds(10), DEFAULTS.judgeAfter(true));
    assertEquals(Duration.ofSeconds(25), DEFAULTS.judgeAfter(false), "a host never heard may be in an election");
  }

  @Test
  void theBudgetPerCaseWithTheDefaults() {
    assertEquals(Duration.ofSeconds(17), DEFAULTS.slavePowerLoss(), "max(T + P, 1.5 T + i) + i");
    assertEquals(Duration.ofSeconds(31), DEFAULTS.masterPowerLoss(), "max(T + W + P, 1.5 T + i) + i");
    assertEquals(Duration.ofSeconds(31), DEFAULTS.masterAndSlavePowerLoss());
    assertEquals(Duration.ofSeconds(32), DEFAULTS.isolatedSlave(), "T + W + P + 2i");
    assertEquals(Duration.ofSeconds(27), DEFAULTS.isolatedMaster(), "max(T + P, T + W) + 2i");
    assertEquals(Duration.ofSeconds(11), DEFAULTS.agentUnreachable(), "T + i");
  }

  @Test
  void theBudgetPerCaseWithTheDemoSettings() {
    assertEquals(Duration.ofMillis(5000), DEMO.slavePowerLoss());
    assertEquals(Duration.ofMillis(6250), DEMO.masterPowerLoss());
    assertEquals(Duration.ofMillis(6500), DEMO.isolatedSlave());
    assertEquals(Duration.ofMillis(5500), DEMO.isolatedMaster());
    assertEquals(Duration.ofMillis(3250), DEMO.agentUnreachable());
  }

  @Test
  void aSilenceIsProvenByTheYoungestDatastoreHeartbeatOnlyWhenTheFailureDetectorDoesNotHearTheHost() {
    Map<String, Duration> ages = Map.of("ds1", Duration.ofSeconds(20), "ds2", Duration.ofSeconds(12));
    assertEquals(Optional.of(Duration.ofSeconds(12)),
        DetectionTiming.silenceProvenByDatastores(ages, Reachability.UNREACHABLE));
    assertEquals(Optional.of(Duration.ofSeconds(12)),
        DetectionTiming.silenceProvenByDatastores(ages, Reachability.UNKNOWN));
    assertEquals(Optional.empty(), DetectionTiming.silenceProvenByDatastores(ages, Reachability.REACHABLE),
        "a host the failure detector hears may beat any moment (its storage alone may be lost)");
    assertEquals(Optional.empty(), DetectionTiming.silenceProvenByDatastores(Map.of(), Reachability.UNREACHABLE));
  }
}
