package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.config.HaSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An event stored by schema version 1 (DatastoreAccessChanged with "detail") still reads after the rename. */
class SchemaMigrationTest {
  private static final String V1_MANIFEST = "dev.vmha.history.HaEvent$DatastoreAccessChanged";
  private static final String V1_JSON = "{\"type\":\"DatastoreAccessChanged\",\"at\":\"2025-03-01T03:12:00Z\","
      + "\"by\":\"host1\",\"datastore\":\"ds1\",\"accessible\":false,\"detail\":\"not mounted\"}";
  private static final HaEvent.DatastoreAccessChanged V2 = new HaEvent.DatastoreAccessChanged(
      HistoryTesting.T0, "host1", "ds1", false, "not mounted");

  @TempDir Path dir;

  @Test
  void aVersion1EventInTheJournalReadsAsTheCurrentRecord() throws Exception {
    HaSettings s = HistoryTesting.settings("host1", dir, "");
    ActorTestKit kit = HistoryTesting.kit("SchemaMigration", s);
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      int jacksonJson = serialization.findSerializerFor(V2).identifier();
      assertEquals(V1_MANIFEST + "#2", Serializers.manifestFor(serialization.findSerializerFor(V2), V2),
          "events are written with their schema version");
      // a row as an agent of schema version 1 wrote it: manifest without a version, the old field name
      try (Connection c = DriverManager.getConnection(s.history().jdbcUrl(), "sa", "");
          PreparedStatement insert = c.prepareStatement("INSERT INTO \"event_journal\" (\"persistence_id\","
              + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
              + " \"event_ser_id\", \"event_ser_manifest\") VALUES (?, 1, 'v1', 0, '', ?, ?, ?)")) {
        insert.setString(1, HistoryJournal.own("host1").id());
        insert.setBytes(2, V1_JSON.getBytes(StandardCharsets.UTF_8));
        insert.setInt(3, jacksonJson);
        insert.setString(4, V1_MANIFEST);
        insert.executeUpdate();
      }
      // the journal recovers it
      ActorRef<HistoryJournal.Command> journal = kit.spawn(HistoryJournal.create(HistoryJournal.own("host1"), 600));
      TestProbe<HistoryState> state = kit.createTestProbe();
      journal.tell(new HistoryJournal.GetState(state.ref()));
      assertEquals(1, state.receiveMessage().events());
      // and ./vmha history reads it as the current record
      try (HistoryReader reader = new HistoryReader()) {
        assertEquals(List.of(V2), reader.read(s).get(0).events());
      }
    } finally {
      kit.shutdownTestKit();
    }
  }
}
