package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two agents' relays (issue 22), in one actor system with every message serialized: an agent that appears late is sent
 * the other's recent events, then each next one as it is taken, both ways; nothing heard joins a host's own events.
 */
class EventRelayTest {
  private static final Instant T = HistoryTesting.T0;
  private static final Duration WAIT = Duration.ofMillis(
      (long) (10_000 * Double.parseDouble(System.getProperty("pekko.test.timefactor", "1.0"))));
  private final ActorTestKit kit = ActorTestKit.create("EventRelayTest", ConfigFactory.load("application-test"));

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private void await(String what, java.util.function.BooleanSupplier done) {
    kit.createTestProbe().awaitAssert(WAIT, () -> {
      assertTrue(done.getAsBoolean(), what);
      return null;
    });
  }

  @Test
  void aLateAgentHearsTheRecentEventsThenEachNextOneBothWays() {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    EventLog one = EventLog.inMemory();
    EventLog two = EventLog.inMemory();
    HaEvent judged = new HaEvent.HostJudged(T, "host1", "host3", Verdict.DEAD, "no heartbeat anywhere", null);
    one.accept(judged);
    kit.spawn(EventRelay.create(one));
    ActorRef<EventRelay.Command> late = kit.spawn(EventRelay.create(two));
    await("host2 heard host1's verdict taken before it started", () -> two.clusterRecent().contains(judged));

    HaEvent restarted = new HaEvent.VmRestarted(T.plusSeconds(2), "host1", "web1", "host2");
    HaEvent fenced = new HaEvent.HostSelfFenced(T.plusSeconds(3), "host2", "no datastore", List.of("db1"));
    one.accept(restarted);
    two.accept(fenced);
    await("each heard the other's next event", () -> two.clusterRecent().contains(restarted)
        && one.clusterRecent().contains(fenced));
    assertEquals(List.of(judged, restarted, fenced), two.clusterRecent());
    assertEquals(List.of(fenced), two.recent());
    assertEquals(List.of(judged, restarted), one.recent());

    // a stopped relay no longer takes the log's events: the next relay of the host does
    kit.stop(late);
    ActorRef<EventRelay.Command> again = kit.spawn(EventRelay.create(two));
    HaEvent unfenced = new HaEvent.HostUnfenced(T.plusSeconds(4), "host2", "datastore back");
    two.accept(unfenced);
    await("host1 heard host2's event through its new relay", () -> one.clusterRecent().contains(unfenced));
    assertEquals(List.of(judged, restarted, fenced, unfenced), one.clusterRecent());
    kit.stop(again);
  }
}
