package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.HaSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal on its default database, an H2 file under the agent's data directory. */
class HistoryJournalTest {
  @TempDir Path dir;

  @Test
  void historySurvivesARestartOfTheAgentsActorSystem() throws Exception {
    HaSettings s = HistoryTesting.settings("host1", dir, "");
    HistoryTesting.persistsAndSurvivesRestart(s);
    assertTrue(Files.exists(dir.resolve("history.mv.db")), "the H2 file is <data-dir>/history.mv.db");
  }

  /**
   * Issue 20 finding 6: with H2 AUTO_SERVER the database opened a TCP server on every interface (user sa, no
   * password) and advertised it in history.lock.db; the agent's database must be open to its own process only.
   */
  @Test
  void theHistoryDatabaseOpensNoServer() throws Exception {
    HaSettings s = HistoryTesting.settings("host1", dir, "");
    ActorTestKit kit = HistoryTesting.kit("HistoryNoServer", s);
    try {
      ActorRef<HistoryJournal.Command> journal = kit.spawn(HistoryJournal.create(HistoryJournal.own("host1"), 600));
      TestProbe<Done> stored = kit.createTestProbe();
      journal.tell(new HistoryJournal.Record(HistoryTesting.own("host1", 1), stored.ref()));
      // the first write opens the database: slow on a loaded machine
      stored.expectMessage(Duration.ofSeconds(30), Done.getInstance());
      Path lock = dir.resolve("history.lock.db");
      String advertised = Files.exists(lock) ? Files.readString(lock, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
      assertFalse(advertised.contains("server="), "H2 serves the history over TCP: " + advertised);
      assertFalse(s.history().jdbcUrl().toUpperCase().contains("AUTO_SERVER"), s.history().jdbcUrl());
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void boundedLogCompactsOldEventsAndRecordsWhatWasDropped() throws Exception {
    // maxSlaveEvents 20: a snapshot every 2 events, the newest 9 chunks (18 events) kept after it
    HaSettings s = HistoryTesting.settings("host1", dir, "das.config.fdm.event.maxSlaveEvents = 20");
    ActorTestKit kit = HistoryTesting.kit("HistoryBound", s);
    try {
      ActorRef<HistoryJournal.Command> journal =
          kit.spawn(HistoryJournal.create(HistoryJournal.own("host1"), s.history().maxSlaveEvents()));
      TestProbe<Done> stored = kit.createTestProbe();
      for (int i = 0; i < 45; i++) {
        journal.tell(new HistoryJournal.Record(HistoryTesting.own("host1", i), stored.ref()));
        stored.expectMessage(Done.getInstance());
      }
      TestProbe<HistoryState> state = kit.createTestProbe();
      journal.tell(new HistoryJournal.GetState(state.ref()));
      HistoryState st = state.receiveMessage();
      // the last snapshot at event 44 dropped events 1..26 (44 - 18); 19 remain
      assertEquals(45, st.events());
      assertEquals(26, st.compacted());
      assertEquals(HistoryTesting.T0, st.compactedFrom());
      assertEquals(HistoryTesting.T0.plusSeconds(25), st.compactedTo());
      assertEquals("26 earlier events compacted (from 2025-03-01T03:12:00Z to 2025-03-01T03:12:25Z)",
          st.compactionSummary());
      // Pekko deletes the events behind the snapshot: at most maxSlaveEvents stay in the table
      state.awaitAssert(Duration.ofSeconds(10), () -> {
        assertEquals(19, storedRows(s, "history|host1"));
        return null;
      });
      try (HistoryReader reader = new HistoryReader()) {
        HistoryReader.Journal j = reader.read(s).get(0);
        assertEquals(26, j.state().compacted(), "the reader sees the compaction in the latest snapshot");
        assertEquals(List.of(HistoryTesting.own("host1", 26), HistoryTesting.own("host1", 44)),
            List.of(j.events().get(0), j.events().get(j.events().size() - 1)));
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void persistLatencyOnH2() throws Exception {
    HaSettings s = HistoryTesting.settings("host1", dir, "");
    ActorTestKit kit = HistoryTesting.kit("HistoryLatency", s);
    try {
      ActorRef<HistoryJournal.Command> journal = kit.spawn(HistoryJournal.create(HistoryJournal.own("host1"), 600));
      TestProbe<Done> stored = kit.createTestProbe();
      int n = 200;
      long start = 0;
      for (int i = -20; i < n; i++) { // the first 20 warm up
        if (i == 0) start = System.nanoTime();
        journal.tell(new HistoryJournal.Record(HistoryTesting.own("host1", i), stored.ref()));
        stored.expectMessage(Done.getInstance());
      }
      double ms = (System.nanoTime() - start) / 1e6 / n;
      System.out.printf("HistoryJournalTest: H2 persist-and-confirm latency %.2f ms per event (%d events)%n", ms, n);
      assertTrue(ms < 100, "persisting one event takes " + ms + " ms");
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static int storedRows(HaSettings s, String persistenceId) throws Exception {
    try (Connection c = DriverManager.getConnection(s.history().jdbcUrl(), "sa", "");
        ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM \"event_journal\" WHERE"
            + " \"persistence_id\" = '" + persistenceId + "' AND \"deleted\" = FALSE")) {
      r.next();
      return r.getInt(1);
    }
  }
}
