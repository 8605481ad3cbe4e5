package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FencingRuleTest {
  private static final Duration FENCE = Duration.ofSeconds(10);

  @Test
  void withDatastoresTheOwnHeartbeatDecides() {
    assertEquals(Optional.empty(), FencingRule.mustFence(true, Duration.ofMillis(9_999), Duration.ZERO, FENCE));
    assertTrue(FencingRule.mustFence(true, FENCE, Duration.ZERO, FENCE).isPresent());
    // a minority is no reason to fence while the datastores say the host runs: case 5 must leave every VM alone
    assertEquals(Optional.empty(), FencingRule.mustFence(true, Duration.ZERO, Duration.ofMinutes(5), FENCE));
  }

  @Test
  void withoutDatastoresAStrictMinorityDecides() {
    assertEquals(Optional.empty(), FencingRule.mustFence(false, Duration.ofMinutes(5), Duration.ofMillis(9_999), FENCE));
    assertTrue(FencingRule.mustFence(false, Duration.ZERO, FENCE, FENCE).get().contains("minority"));
  }

  @Test
  void strictMajorityAndMinority() {
    assertTrue(FencingRule.minority(1, 4));
    assertFalse(FencingRule.minority(2, 4)); // an even split fences nobody
    assertFalse(FencingRule.majority(2, 4)); // and restarts nothing
    assertTrue(FencingRule.majority(3, 4));
    assertTrue(FencingRule.majority(3, 5));
    assertTrue(FencingRule.minority(2, 5));
    assertFalse(FencingRule.majority(1, 1) && FencingRule.minority(1, 1));
  }
}
