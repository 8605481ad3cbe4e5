package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmha.classify.Verdict;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Merging, filtering and formatting for ./vmha history. */
class TimelineTest {
  private static final Instant T = HistoryTesting.T0;
  private static final HaEvent JUDGED = new HaEvent.HostJudged(T.plusMillis(4120), "host1", "host3", Verdict.DEAD,
      "no net heartbeat 10 s, ping silent 5 s, datastore ds1 hb 18 s old", null);
  private static final HaEvent PLANNED = new HaEvent.VmRestartPlanned(T.plusSeconds(5), "host1", "web1", "host3",
      "host2", "most free memory");
  private static final HaEvent RESTARTED = new HaEvent.VmRestarted(T.plusSeconds(7), "host1", "web1", "host2");
  private static final HaEvent ELECTION = new HaEvent.ElectionStarted(T.plusSeconds(1), "host2", "no master beat");
  private static final HaEvent FENCED = new HaEvent.HostSelfFenced(T.plusSeconds(2), "host3", "no datastore",
      List.of("web1", "db1"));

  private static List<HaEvent> merged(Timeline.Filter f) {
    return Timeline.merge(List.of(List.of(JUDGED, PLANNED, RESTARTED), List.of(ELECTION), List.of(FENCED)), f);
  }

  @Test
  void mergesEveryJournalByTime() {
    assertEquals(List.of(ELECTION, FENCED, JUDGED, PLANNED, RESTARTED), merged(Timeline.Filter.ALL));
  }

  @Test
  void filtersByHostTakenByOrAbout() {
    assertEquals(List.of(FENCED, JUDGED, PLANNED), merged(new Timeline.Filter(null, null, "host3", null)));
    assertEquals(List.of(ELECTION, PLANNED, RESTARTED), merged(new Timeline.Filter(null, null, "host2", null)));
  }

  @Test
  void filtersByVm() {
    assertEquals(List.of(FENCED, PLANNED, RESTARTED), merged(new Timeline.Filter(null, null, null, "web1")));
    assertEquals(List.of(FENCED), merged(new Timeline.Filter(null, null, null, "db1")));
  }

  @Test
  void filtersByTimeInclusive() {
    assertEquals(List.of(FENCED, JUDGED, PLANNED),
        merged(new Timeline.Filter(T.plusSeconds(2), T.plusSeconds(5), null, null)));
  }

  @Test
  void formatsOneReadableLinePerEventWithTheDay() {
    assertEquals(List.of(
            "---- 2025-03-01 (Z) ----",
            "03:12:04.120 host1    host3 declared DEAD: no net heartbeat 10 s, ping silent 5 s, datastore ds1 hb 18 s old",
            "03:12:05.000 host1    web1 (was on host3) to restart at host2: most free memory"),
        Timeline.format(List.of(JUDGED, PLANNED), ZoneOffset.UTC));
  }

  @Test
  void parsesInstantsLocalTimesAndTimesOfDay() {
    ZoneId zone = ZoneId.of("Europe/Berlin");
    LocalDate today = LocalDate.of(2025, 3, 1);
    assertEquals(T, Timeline.parseTime("2025-03-01T03:12:00Z", zone, today));
    assertEquals(Instant.parse("2025-03-01T02:12:00Z"), Timeline.parseTime("2025-03-01T03:12", zone, today));
    assertEquals(Instant.parse("2025-03-01T02:12:04Z"), Timeline.parseTime("03:12:04", zone, today));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Timeline.parseTime("yesterday", zone, today));
    assertEquals("'yesterday' is not a time: use 2025-03-01T03:12:00Z, 2025-03-01T03:12 (local) or 03:12[:04]"
        + " (today, local)", e.getMessage());
  }
}
