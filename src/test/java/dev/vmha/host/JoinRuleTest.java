package dev.vmha.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostHeartbeat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;

class JoinRuleTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final Duration T = Duration.ofSeconds(10);

  /** Two rounds in which host2's heartbeat counter goes from {@code first} to {@code second}. */
  private static DatastoreView twoRounds(long first, long second) {
    DatastoreView v = DatastoreView.initial(List.of("ds1"));
    for (long c : new long[] {first, second}) {
      v = v.next(I, Map.of("ds1", new DatastoreScan("ds1",
          Map.of("host2", new HostHeartbeat("host2", c, Instant.EPOCH), "host1", new HostHeartbeat("host1", 1, Instant.EPOCH)),
          Map.of(), List.of())));
    }
    return v;
  }

  @Test
  void aHostUpLongBeforeThisOneMeansACluster() {
    assertTrue(JoinRule.clusterRunning(twoRounds(500, 501), "host1", I, T));
  }

  @Test
  void hostsStartingTogetherMayFoundTheCluster() {
    assertFalse(JoinRule.clusterRunning(twoRounds(3, 4), "host1", I, T), "a cold start: every agent just began");
  }

  @Test
  void aStaleHeartbeatFromAnEarlierRunIsNoCluster() {
    assertFalse(JoinRule.clusterRunning(twoRounds(500, 500), "host1", I, T), "it does not move: nobody runs");
  }

  @Test
  void whileAClusterRunsThisHostIsNotItsOwnSeed() {
    Address h1 = new Address("pekko", "vmha", "127.0.0.1", 2551);
    Address h2 = new Address("pekko", "vmha", "127.0.0.1", 2552);
    assertEquals(List.of(h2), JoinRule.seeds(List.of(h1, h2), h1, true));
    assertEquals(List.of(h1, h2), JoinRule.seeds(List.of(h1, h2), h1, false));
  }
}
