package dev.vmha.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
      v = v.next(I, Map.of("ds1", new DatastoreScan("ds1", Map.of(
          "host2", new HostHeartbeat("host2", c, Instant.EPOCH, "10.0.0.2:2551"),
          "host1", new HostHeartbeat("host1", 1, Instant.EPOCH, "10.0.0.1:2551")), Map.of(), List.of())));
    }
    return v;
  }

  @Test
  void aHostUpLongBeforeThisOneRunsACluster() {
    assertEquals(List.of("10.0.0.2:2551"), JoinRule.runningHosts(twoRounds(500, 501), "host1", I, T));
  }

  @Test
  void hostsStartingTogetherMayFoundTheCluster() {
    assertEquals(List.of(), JoinRule.runningHosts(twoRounds(3, 4), "host1", I, T), "a cold start");
  }

  @Test
  void aStaleHeartbeatFromAnEarlierRunIsNoCluster() {
    assertEquals(List.of(), JoinRule.runningHosts(twoRounds(500, 500), "host1", I, T), "it does not move");
  }

  @Test
  void whileAClusterRunsThisHostJoinsThroughTheSeedsAndTheRunningHostsButNeverItself() {
    Address h1 = new Address("pekko", "vmha", "10.0.0.1", 2551);
    Address h2 = new Address("pekko", "vmha", "10.0.0.2", 2551);
    Address h3 = new Address("pekko", "vmha", "10.0.0.3", 2551);
    assertEquals(List.of(h1, h2), JoinRule.seeds(List.of(h1, h2), h1, List.of()), "no cluster: Pekko's own rule");
    assertEquals(List.of(h2, h3), JoinRule.seeds(List.of(h1, h2), h1, List.of(h3)));
    assertEquals(List.of(h3), JoinRule.seeds(List.of(h1), h1, List.of(h3, h1)));
  }
}
