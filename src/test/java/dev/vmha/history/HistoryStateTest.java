package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bounded log's arithmetic, without a database. */
class HistoryStateTest {
  @Test
  void limitsBecomeChunksThatNeverStoreMoreThanTheLimit() {
    assertEquals(new HistoryState.Bound(100, 9), HistoryState.Bound.of(1000), "vSphere's maxMasterEvents");
    assertEquals(new HistoryState.Bound(60, 9), HistoryState.Bound.of(600), "vSphere's maxSlaveEvents");
    assertEquals(new HistoryState.Bound(1, 14), HistoryState.Bound.of(15));
    for (int max : new int[] {10, 15, 99, 600, 1000, 1005, 12345}) {
      HistoryState.Bound b = HistoryState.Bound.of(max);
      assertTrue((b.keepChunks() + 1) * b.chunk() <= max, "peak for " + max);
      assertTrue(b.keepChunks() * b.chunk() >= max * 8 / 10, "kept after a snapshot for " + max);
    }
  }

  @Test
  void compactionFollowsPekkosDeletionAndKeepsTheSpan() {
    HistoryState.Bound b = HistoryState.Bound.of(600);
    HistoryState s = HistoryState.EMPTY;
    for (int i = 0; i < 540; i++) s = s.with(HistoryTesting.own("host1", i), b);
    assertEquals(0, s.compacted(), "nothing dropped below 9 chunks");
    assertNull(s.compactedFrom());
    for (int i = 540; i < 2000; i++) {
      s = s.with(HistoryTesting.own("host1", i), b);
      long n = i + 1;
      // Pekko deletes up to n - keepChunks * chunk at every snapshot (n % chunk == 0)
      long expected = Math.max(0, (n - n % b.chunk()) - (long) b.keepChunks() * b.chunk());
      assertEquals(expected, s.compacted(), "after event " + n);
      assertTrue(s.retained() <= 600);
    }
    assertEquals(HistoryTesting.T0, s.compactedFrom());
    assertEquals(HistoryTesting.T0.plusSeconds(s.compacted() - 1), s.compactedTo());
  }
}
