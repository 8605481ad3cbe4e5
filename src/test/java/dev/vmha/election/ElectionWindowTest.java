package dev.vmha.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElectionWindowTest {
  private static final Duration W = Duration.ofSeconds(2);
  private static final Duration T = Duration.ofSeconds(3);

  private static ElectionWindow.Decision decide(long elapsedMs, boolean cold, int listed, int members, Set<String> awaited) {
    return ElectionWindow.decide(new ElectionWindow.Facts(Duration.ofMillis(elapsedMs), cold, listed, members, awaited),
        W, T);
  }

  @Test
  void closesWhenTheWindowEndsWithEveryMemberListedAndNoOneAwaited() {
    assertFalse(decide(1999, true, 3, 3, Set.of()).close());
    assertTrue(decide(2000, true, 3, 3, Set.of()).close());
    assertTrue(decide(2000, false, 3, 3, Set.of()).close());
  }

  @Test
  void waitsForTheListingForOneMoreWindowAtMost() {
    assertFalse(decide(2000, false, 2, 3, Set.of()).close());
    assertFalse(decide(3999, false, 2, 3, Set.of()).close());
    assertTrue(decide(4000, false, 2, 3, Set.of()).close());
  }

  @Test
  void aColdStartWaitsForStartingHostsForHostTimeoutBeyondTheWindowAtMost() {
    assertEquals(Duration.ofSeconds(5), ElectionWindow.coldStartBound(W, T));
    ElectionWindow.Decision waiting = decide(2000, true, 3, 3, Set.of("host5"));
    assertFalse(waiting.close());
    assertTrue(waiting.reason().contains("host5"), waiting.reason());
    assertFalse(decide(4999, true, 3, 3, Set.of("host5")).close());
    ElectionWindow.Decision given = decide(5000, true, 3, 3, Set.of("host5"));
    assertTrue(given.close());
    assertTrue(given.reason().contains("host5"), given.reason());
  }

  @Test
  void anElectionAfterAMasterLossNeverWaitsForStartingHosts() {
    assertTrue(decide(2000, false, 3, 3, Set.of("host5")).close());
  }

  @Test
  void awaitsMembersAndBeatingHostsThatSentNoBallotButNeverItself() {
    assertEquals(Set.of("host2", "host4"), ElectionWindow.awaited("host1", Set.of("host3"),
        Set.of("host1", "host2", "host3"), Set.of("host1", "host3", "host4")));
    assertEquals(Set.of(), ElectionWindow.awaited("host1", Set.of("host2"), Set.of("host1"), Set.of("host2")));
  }
}
