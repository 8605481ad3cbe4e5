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

  private static DatastoreView round(DatastoreView v, long host2Counter) {
    return round(v, host2Counter, "10.0.0.2:2551");
  }

  /** One datastore round; host2 writes {@code address} ("" while it is no cluster member). */
  private static DatastoreView round(DatastoreView v, long host2Counter, String address) {
    return v.next(I, Map.of("ds1", new DatastoreScan("ds1", Map.of(
        "host2", new HostHeartbeat("host2", host2Counter, Instant.EPOCH, address),
        "host1", new HostHeartbeat("host1", 1, Instant.EPOCH, "10.0.0.1:2551")), Map.of(), Map.of())));
  }

  /** The hosts found running from two reads in which host2's heartbeat counter goes from {@code first} to {@code second}. */
  private static List<String> running(long first, long second) {
    DatastoreView a = round(DatastoreView.initial(List.of("ds1")), first);
    return JoinRule.runningHosts(a, round(a, second), "host1");
  }

  @Test
  void aMemberWhoseHeartbeatMovesRunsACluster() {
    assertEquals(List.of("10.0.0.2:2551"), running(500, 501));
  }

  @Test
  void agentsThatAreNoMembersYetMayFoundTheCluster() {
    DatastoreView a = round(DatastoreView.initial(List.of("ds1")), 3, "");
    assertEquals(List.of(), JoinRule.runningHosts(a, round(a, 4, ""), "host1"), "a cold start: nobody is a member");
  }

  @Test
  void aStaleHeartbeatFromAnEarlierRunIsNoCluster() {
    assertEquals(List.of(), running(500, 500), "it does not move");
  }

  @Test
  void aDatastoreReadableOnlyLaterStillNeedsTwoReads() {
    DatastoreView unreadable = DatastoreView.initial(List.of("ds1")).next(I, Map.of());
    DatastoreView first = round(unreadable, 500);
    assertEquals(List.of(), JoinRule.runningHosts(unreadable, first, "host1"), "seen once: not yet moving");
    assertEquals(List.of("10.0.0.2:2551"), JoinRule.runningHosts(first, round(first, 501), "host1"));
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
