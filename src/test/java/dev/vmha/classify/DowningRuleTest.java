package dev.vmha.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DowningRuleTest {
  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration I = Duration.ofSeconds(1);
  private static final Duration SILENCE = Duration.ofSeconds(40);

  private static Evidence answering(Map<String, Duration> ages, boolean datastores, int side, int cluster) {
    return new Evidence(SILENCE, Reachability.UNREACHABLE, true, ages, false, T, I, datastores, side, cluster);
  }

  @Test
  void aDeadHostIsDowned() {
    assertTrue(DowningRule.down(Verdict.DEAD, Verdict.ALIVE, answering(Map.of(), true, 1, 5)).isPresent());
  }

  @Test
  void anAgentUnreachableHostIsDownedOnlyTheSecondTime() {
    Evidence stale = answering(Map.of("ds1", SILENCE), true, 3, 5);
    assertEquals(Optional.empty(), DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.ALIVE, stale));
    assertTrue(DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.AGENT_UNREACHABLE, stale).isPresent());
  }

  @Test
  void withDatastoresAnAgentIsDownedOnlyWhenItsDatastoreHeartbeatStopped() {
    Evidence moving = answering(Map.of("ds1", Duration.ofSeconds(1)), true, 3, 5);
    Evidence unreadable = answering(Map.of(), true, 3, 5);
    assertEquals(Optional.empty(), DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.AGENT_UNREACHABLE, moving));
    assertEquals(Optional.empty(), DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.AGENT_UNREACHABLE, unreadable));
  }

  @Test
  void withoutDatastoresOnlyAStrictMajorityDownsAnAgent() {
    // issue 18 item 3: the minority host1 downed host3..5 after the heal, then thought itself a whole cluster
    assertEquals(Optional.empty(), DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.AGENT_UNREACHABLE,
        answering(Map.of(), false, 2, 5)));
    assertTrue(DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.AGENT_UNREACHABLE,
        answering(Map.of(), false, 3, 5)).isPresent());
  }

  @Test
  void aReachableOrPartitionedHostIsNeverDowned() {
    Evidence reachable = new Evidence(SILENCE, Reachability.REACHABLE, true, Map.of(), false, T, I, false, 5, 5);
    assertEquals(Optional.empty(), DowningRule.down(Verdict.AGENT_UNREACHABLE, Verdict.AGENT_UNREACHABLE, reachable));
    assertEquals(Optional.empty(), DowningRule.down(Verdict.PARTITIONED, Verdict.PARTITIONED,
        answering(Map.of("ds1", Duration.ofSeconds(1)), true, 3, 5)));
  }
}
