package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ListLockRuleTest {
  private static final Duration STALE = Duration.ofSeconds(15);

  @Test
  void aFreeLockOrOnesOwnMayBeHeld() {
    assertTrue(ListLockRule.mayHold("host1", Optional.empty(), STALE));
    assertTrue(ListLockRule.mayHold("host1", Optional.of(Map.entry("host1", Duration.ofHours(1))), STALE));
    assertTrue(ListLockRule.mayHold("host1", Optional.of(Map.entry("host1", Duration.ZERO)), STALE));
  }

  @Test
  void anotherMastersLockOnlyOnceItStoodStillLongEnough() {
    assertFalse(ListLockRule.mayHold("host1", Optional.of(Map.entry("host2", Duration.ZERO)), STALE));
    assertFalse(ListLockRule.mayHold("host1", Optional.of(Map.entry("host2", STALE.minusMillis(1))), STALE));
    assertTrue(ListLockRule.mayHold("host1", Optional.of(Map.entry("host2", STALE)), STALE));
  }
}
