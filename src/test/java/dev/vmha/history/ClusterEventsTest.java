package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cluster's recent events as an agent keeps them (issue 22): each once, by time, bounded; what an agent heard is
 * kept apart from its own events; explain says how far back the other hosts' decisions reach.
 */
class ClusterEventsTest {
  private static final Instant T = HistoryTesting.T0;

  private static HaEvent judged(int second, String by) {
    return new HaEvent.HostJudged(T.plusSeconds(second), by, "host3", Verdict.DEAD, "no heartbeat anywhere", null);
  }

  private static HaEvent restarted(int second, String by) {
    return new HaEvent.VmRestarted(T.plusSeconds(second), by, "web1", "host2");
  }

  @Test
  void keepsEachEventOnceInTimeOrderWhicheverOrderTheyArrive() {
    ClusterEvents ring = new ClusterEvents(10);
    assertTrue(ring.add(restarted(5, "host1")));
    assertTrue(ring.add(judged(2, "host1")));
    assertTrue(ring.add(judged(2, "host2")));
    // sent again: by the relay to an agent it newly sees, or its own event coming back
    assertFalse(ring.add(judged(2, "host1")));
    assertFalse(ring.add(restarted(5, "host1")));
    assertEquals(List.of(judged(2, "host1"), judged(2, "host2"), restarted(5, "host1")), ring.events());
  }

  @Test
  void keepsTheNewestUpToItsCapacity() {
    ClusterEvents ring = new ClusterEvents(3);
    for (int s = 0; s < 5; s++) ring.add(judged(s, "host1"));
    assertEquals(List.of(judged(2, "host1"), judged(3, "host1"), judged(4, "host1")), ring.events());
    // older than every event kept: dropped, not put first only to be evicted
    assertFalse(ring.add(judged(1, "host2")));
    // an evicted one is new again once it is newer than the oldest kept
    assertTrue(ring.add(restarted(3, "host2")));
    assertEquals(List.of(judged(3, "host1"), restarted(3, "host2"), judged(4, "host1")), ring.events());
    assertThrows(IllegalArgumentException.class, () -> new ClusterEvents(0));
  }

  @Test
  void theLogServesHeardEventsAsTheClustersButKeepsThemOutOfItsOwn() {
    EventLog log = EventLog.inMemory();
    List<HaEvent> counted = new ArrayList<>();
    List<HaEvent> followed = new ArrayList<>();
    List<HaEvent> relayed = new ArrayList<>();
    log.subscribe(counted::add);
    log.relayTo(relayed::add);
    log.accept(judged(1, "host2"));
    log.follow(followed::add);
    log.heard(List.of(judged(0, "host1"), restarted(3, "host1")));
    log.heard(List.of(restarted(3, "host1")));
    assertEquals(List.of(judged(1, "host2")), log.recent());
    assertEquals(List.of(judged(1, "host2")), counted);
    assertEquals(List.of(judged(1, "host2")), relayed);
    assertEquals(List.of(judged(0, "host1"), judged(1, "host2"), restarted(3, "host1")), log.clusterRecent());
    // the stream: what was known when it began, then each new one once, as it arrived
    assertEquals(List.of(judged(1, "host2"), judged(0, "host1"), restarted(3, "host1")), followed);
  }

  @Test
  void explainReadsTheJournalsAndTheOtherHostsHeardEventsSayingSinceWhen() {
    List<HaEvent> journal = List.of(judged(2, "host1"), restarted(5, "host1"));
    HaEvent fenced = new HaEvent.HostSelfFenced(T.plusSeconds(1), "host3", "no datastore", List.of("web1"));
    // the ring holds this host's own events too: they are read from its journal only
    ExplainSources from = ExplainSources.of(List.of(journal), List.of(fenced, judged(2, "host1"),
        restarted(5, "host1")));
    assertEquals(List.of(fenced, judged(2, "host1"), restarted(5, "host1")), from.merged());
    assertEquals(Map.of("host3", T.plusSeconds(1)), from.heardSince());
    assertTrue(from.describe().contains("the journals of host1; the other hosts' decisions this agent heard: host3"
        + " since " + T.plusSeconds(1)), from.describe());
    assertTrue(ExplainSources.of(List.of(journal), List.of()).describe().contains("no other host's decision heard"));
  }
}
