package dev.vmha.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElectionWindowTest {
  private static final Duration W = Duration.ofSeconds(2);
  private static final Duration T = Duration.ofSeconds(3);
  /** cold-start-wait: counted from the agent's start, which here is 7 s before the election (its join). */
  private static final Duration C = Duration.ofSeconds(20);
  private static final long JOIN_MS = 7000;
  private static final ElectionWindow.Timing TIMING = new ElectionWindow.Timing(W, T, C);

  private static ElectionWindow.Decision decide(long elapsedMs, boolean cold, int listed, int members, Set<String> awaited) {
    return ElectionWindow.decide(new ElectionWindow.Facts(Duration.ofMillis(elapsedMs),
        Duration.ofMillis(JOIN_MS + elapsedMs), cold, listed, members, awaited), TIMING);
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

  /** The lab (issue 18 item 9): host1 joined 7 s after its start; host5 joins 12 s after that. */
  @Test
  void aColdStartWaitsForAwaitedHostsUntilColdStartWaitAfterTheAgentStarted() {
    ElectionWindow.Decision waiting = decide(2000, true, 3, 3, Set.of("host5"));
    assertFalse(waiting.close());
    assertTrue(waiting.reason().contains("host5"), waiting.reason());
    // beyond window + hostTimeout, the former bound: still within cold-start-wait of the agent's start
    assertFalse(decide(5000, true, 3, 3, Set.of("host5")).close());
    assertFalse(decide(12999, true, 3, 3, Set.of("host5")).close());
    ElectionWindow.Decision given = decide(13000, true, 3, 3, Set.of("host5"));
    assertTrue(given.close());
    assertTrue(given.reason().contains("host5") && given.reason().contains("20000 ms"), given.reason());
  }

  @Test
  void aHostSeenStartingGetsHostTimeoutBeyondTheWindowEvenWhenColdStartWaitHasPassed() {
    Duration late = C.plus(Duration.ofSeconds(1));
    assertFalse(ElectionWindow.coldStartOver(W, late, TIMING));
    assertFalse(ElectionWindow.coldStartOver(W.plus(T).minusMillis(1), late, TIMING));
    assertTrue(ElectionWindow.coldStartOver(W.plus(T), late, TIMING));
    assertFalse(ElectionWindow.coldStartOver(W.plus(T), C.minusMillis(1), TIMING));
  }

  @Test
  void anElectionAfterAMasterLossNeverWaitsForStartingHosts() {
    assertTrue(decide(2000, false, 3, 3, Set.of("host5")).close());
  }

  @Test
  void awaitsMembersAndBeatingHostsThatSentNoBallotButNeverItself() {
    assertEquals(Set.of("host2", "host4"), ElectionWindow.awaited("host1", "10.0.0.11:2551", Set.of("host3"),
        new ElectionWindow.Expected(List.of(), Set.of("host1", "host2", "host3"), Set.of("host1", "host3", "host4"),
            Map.of(), Set.of())));
    assertEquals(Set.of(), ElectionWindow.awaited("host1", "10.0.0.11:2551", Set.of("host2"),
        new ElectionWindow.Expected(List.of(), Set.of("host1"), Set.of("host2"), Map.of(), Set.of())));
  }

  /**
   * A member this host's own failure detector does not reach is not awaited, by id or as a configured host: its
   * ballots cannot come, and it may be master already, counting this host's silence (seed 38777).
   */
  @Test
  void neverAwaitsAMemberItCannotReach() {
    List<String> nodelist = List.of("10.0.0.11:2551", "10.0.0.14:2551");
    Map<String, String> ids = Map.of("10.0.0.11:2551", "host1", "10.0.0.14:2551", "host4");
    assertEquals(Set.of("host2"), ElectionWindow.awaited("host1", "10.0.0.11:2551", Set.of(),
        new ElectionWindow.Expected(nodelist, Set.of("host1", "host2"), Set.of("host4"), ids, Set.of("host4"))));
  }

  /** The nodelist: a configured host is awaited by id once known, by its address before it ever showed up. */
  @Test
  void awaitsTheConfiguredHostsByIdWhereKnownElseByAddress() {
    List<String> nodelist = List.of("10.0.0.11:2551", "10.0.0.12:2551", "10.0.0.13:2551", "10.0.0.15:2551");
    Map<String, String> ids = Map.of("10.0.0.11:2551", "host1", "10.0.0.12:2551", "host2", "10.0.0.13:2551", "host3");
    assertEquals(Set.of("host3", "10.0.0.15:2551"), ElectionWindow.awaited("host1", "10.0.0.11:2551",
        Set.of("host2"), new ElectionWindow.Expected(nodelist, Set.of("host1", "host2", "host3"), Set.of(), ids,
            Set.of())));
    // this host is never awaited, by address either (it is not yet a member with an address others know)
    assertEquals(Set.of(), ElectionWindow.awaited("host1", "10.0.0.11:2551", Set.of(),
        new ElectionWindow.Expected(List.of("10.0.0.11:2551"), Set.of(), Set.of(), Map.of(), Set.of())));
  }
}
