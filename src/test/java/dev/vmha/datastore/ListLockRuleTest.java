package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ListLockRuleTest {
  private static final Duration STALE = Duration.ofSeconds(15);

  private static Optional<ListLockSeen> lock(String owner, Duration stillFor) {
    return Optional.of(new ListLockSeen(owner, 7, stillFor));
  }

  @Test
  void aFreeLockOrOnesOwnMayBeHeld() {
    assertTrue(ListLockRule.mayHold("host1", Optional.empty(), STALE));
    assertTrue(ListLockRule.mayHold("host1", lock("host1", Duration.ofHours(1)), STALE));
    assertTrue(ListLockRule.mayHold("host1", lock("host1", Duration.ZERO), STALE));
  }

  @Test
  void anotherMastersLockOnlyOnceItStoodStillLongEnough() {
    assertFalse(ListLockRule.mayHold("host1", lock("host2", Duration.ZERO), STALE));
    assertFalse(ListLockRule.mayHold("host1", lock("host2", STALE.minusMillis(1)), STALE));
    assertTrue(ListLockRule.mayHold("host1", lock("host2", STALE), STALE));
  }

  @Test
  void aTakeoverNamesTheWriteItJudgedStaleARenewalNone() {
    assertEquals(lock("host2", STALE), ListLockRule.replacing("host1", lock("host2", STALE)));
    assertEquals(Optional.empty(), ListLockRule.replacing("host1", lock("host1", STALE)));
    assertEquals(Optional.empty(), ListLockRule.replacing("host1", Optional.empty()));
  }

  @Test
  void aLockWriteLandsOverItsOwnAFreeLockOrExactlyTheWriteJudgedStale() {
    HostHeartbeat host2 = new HostHeartbeat("host2", 7, java.time.Instant.EPOCH);
    assertTrue(ListLockRule.mayWrite("host1", Optional.empty(), Optional.empty()));
    assertTrue(ListLockRule.mayWrite("host2", Optional.of(host2), Optional.empty()));
    assertFalse(ListLockRule.mayWrite("host1", Optional.of(host2), Optional.empty()));
    assertTrue(ListLockRule.mayWrite("host1", Optional.of(host2), lock("host2", STALE)));
    assertFalse(ListLockRule.mayWrite("host1", Optional.of(new HostHeartbeat("host2", 8, java.time.Instant.EPOCH)),
        lock("host2", STALE)), "renewed since it was judged stale");
  }
}
