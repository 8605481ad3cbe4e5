package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.restart.WaitReason;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;

/** The wait reason became an enum (issue 21); stored events keep its string form, so old ones still read. */
class WaitReasonJsonTest {

  @Test
  void aWaitingEventIsStoredWithTheReasonsCodeAndAnEventStoredBeforeTheEnumReadsBack() {
    ActorTestKit kit = ActorTestKit.create("WaitReasonJson", ConfigFactory.load("application-test"));
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      HaEvent.VmRestartWaiting event = new HaEvent.VmRestartWaiting(HistoryTesting.T0, "host1", "vm1",
          WaitReason.EARLIER_GROUP, "start group high 0 waits");
      String json = new String(serialization.serialize(event).get(), StandardCharsets.UTF_8);
      assertTrue(json.contains("\"kind\":\"earlier-group\""), json);
      // as an agent wrote it before the enum: the same string
      String before = "{\"type\":\"VmRestartWaiting\",\"at\":\"" + HistoryTesting.T0 + "\",\"by\":\"host1\","
          + "\"vm\":\"vm1\",\"kind\":\"unknown\",\"reason\":\"host2 did not answer its power-on\"}";
      int id = serialization.findSerializerFor(event).identifier();
      Object read = serialization.deserialize(before.getBytes(StandardCharsets.UTF_8), id,
          Serializers.manifestFor(serialization.findSerializerFor(event), event)).get();
      assertEquals(new HaEvent.VmRestartWaiting(HistoryTesting.T0, "host1", "vm1", WaitReason.POWER_STATE_UNKNOWN,
          "host2 did not answer its power-on"), read);
    } finally {
      kit.shutdownTestKit();
    }
  }
}
