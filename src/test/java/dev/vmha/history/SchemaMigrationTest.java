package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.config.HaSettings;
import dev.vmha.election.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
      insert(s, 1, V1_JSON, jacksonJson, V1_MANIFEST);
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

  /** Fields added for replay (no version change): events stored before them read with the fields missing. */
  @Test
  void eventsStoredBeforeTheReplayFieldsStillRead() throws Exception {
    HaSettings s = HistoryTesting.settings("host1", dir, "");
    ActorTestKit kit = HistoryTesting.kit("ReplayFields", s);
    try {
      int jacksonJson = SerializationExtension.get(kit.system()).findSerializerFor(V2).identifier();
      insert(s, 1, "{\"type\":\"SelfDiagnosed\",\"at\":\"2025-03-01T03:12:00Z\",\"by\":\"host1\","
          + "\"result\":\"ISOLATED\",\"reason\":\"no master heartbeat\"}", jacksonJson,
          "dev.vmha.history.HaEvent$SelfDiagnosed");
      insert(s, 2, "{\"type\":\"IsolationResponseApplied\",\"at\":\"2025-03-01T03:12:00Z\",\"by\":\"host1\","
          + "\"stopped\":[\"vm1\"],\"keptRunning\":[],\"failures\":[]}", jacksonJson,
          "dev.vmha.history.HaEvent$IsolationResponseApplied");
      try (HistoryReader reader = new HistoryReader()) {
        assertEquals(List.of(
                new HaEvent.SelfDiagnosed(HistoryTesting.T0, "host1", "ISOLATED", "no master heartbeat", null),
                new HaEvent.IsolationResponseApplied(HistoryTesting.T0, "host1", List.of("vm1"), List.of(), List.of(),
                    null, Map.of())),
            reader.read(s).get(0).events());
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** RoleChanged of version 1: {@code from} as text, "(why)" when it followed a master, and a null master. */
  @Test
  void aVersion1RoleChangeReadsWithItsRoleAndReason() throws Exception {
    HaSettings s = HistoryTesting.settings("host1", dir, "");
    ActorTestKit kit = HistoryTesting.kit("RoleChangedV1", s);
    try {
      int jacksonJson = SerializationExtension.get(kit.system()).findSerializerFor(V2).identifier();
      String manifest = "dev.vmha.history.HaEvent$RoleChanged";
      insert(s, 1, "{\"type\":\"RoleChanged\",\"at\":\"2025-03-01T03:12:00Z\",\"by\":\"host1\","
          + "\"from\":\"SLAVE\",\"to\":\"ELECTION\",\"master\":null}", jacksonJson, manifest);
      insert(s, 2, "{\"type\":\"RoleChanged\",\"at\":\"2025-03-01T03:12:00Z\",\"by\":\"host1\","
          + "\"from\":\"(master host3 outranks host2)\",\"to\":\"SLAVE\",\"master\":\"host3\"}", jacksonJson,
          manifest);
      insert(s, 3, "{\"type\":\"RoleChanged\",\"at\":\"2025-03-01T03:12:00Z\",\"by\":\"host1\","
          + "\"from\":\"(isolation over)\",\"to\":\"SLAVE\",\"master\":\"host3\"}", jacksonJson, manifest);
      try (HistoryReader reader = new HistoryReader()) {
        assertEquals(List.of(
                new HaEvent.RoleChanged(HistoryTesting.T0, "host1", Role.SLAVE, Role.ELECTION, Optional.empty(),
                    Optional.empty()),
                new HaEvent.RoleChanged(HistoryTesting.T0, "host1", Role.SLAVE, Role.SLAVE, Optional.of("host3"),
                    Optional.of("master host3 outranks host2")),
                new HaEvent.RoleChanged(HistoryTesting.T0, "host1", Role.ISOLATED, Role.SLAVE, Optional.of("host3"),
                    Optional.of("isolation over"))),
            reader.read(s).get(0).events());
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** A row as an older agent wrote it into the host's own journal. */
  private static void insert(HaSettings s, long seq, String json, int serializer, String manifest) throws Exception {
    try (Connection c = DriverManager.getConnection(s.history().jdbcUrl(), "sa", "");
        PreparedStatement insert = c.prepareStatement("INSERT INTO \"event_journal\" (\"persistence_id\","
            + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
            + " \"event_ser_id\", \"event_ser_manifest\") VALUES (?, ?, 'old', 0, '', ?, ?, ?)")) {
      insert.setString(1, HistoryJournal.own("host1").id());
      insert.setLong(2, seq);
      insert.setBytes(3, json.getBytes(StandardCharsets.UTF_8));
      insert.setInt(4, serializer);
      insert.setString(5, manifest);
      insert.executeUpdate();
    }
  }
}
