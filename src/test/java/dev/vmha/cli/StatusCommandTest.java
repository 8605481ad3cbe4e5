package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.api.AgentStatus;
import dev.vmha.classify.Verdict;
import dev.vmha.config.TransportSettings;
import dev.vmha.history.EventLog;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.VmState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  @Test
  void printsWhatIsKnownOfEachVm() throws Exception {
    Instant heard = Instant.parse("2026-12-01T03:12:00Z");
    ClusterStatus c = new ClusterStatus("host1", "host1", List.of(), List.of(
        new ClusterStatus.VmStatus("vm1", 512, "host2",
            new VmState.LastReported("host2", heard, Verdict.PARTITIONED, "datastore heartbeat moves")),
        new ClusterStatus.VmStatus("vm2", 512, "host1", new VmState.Fenced("host1", "its host fenced itself: no majority")),
        new ClusterStatus.VmStatus("vm3", 512, "host3", new VmState.Running("host3"))), List.of());
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("host", "host1");
    agent.put("role", "MASTER");
    agent.put("master", "host1");
    agent.put("cluster", c);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StatusCommand.print(EventLog.JSON.readTree(EventLog.JSON.writeValueAsString(agent)),
        new PrintStream(out, true, StandardCharsets.UTF_8), heard.plusSeconds(12), ZoneOffset.UTC);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.matches("(?s).*vm1 +512 +last-reported +host2 +running there as last reported; unknown since "
        + "03:12:00 \\(12 s ago\\) \\(PARTITIONED: datastore heartbeat moves\\).*"), text);
    assertTrue(text.matches("(?s).*vm2 +512 +fenced +host1 +powered off by its host's fence: its host fenced itself: "
        + "no majority.*"), text);
    assertTrue(text.matches("(?s).*vm3 +512 +running +host3 *\\n.*"), text);
  }

  @Test
  void warnsOnlyWhenTheClusterTransportIsPlainTcp() throws Exception {
    for (TransportSettings.Kind k : TransportSettings.Kind.values()) {
      AgentStatus a = new AgentStatus("host1", "SLAVE", null, null, "no master elected yet", null,
          dev.vmha.config.ApiSettings.Auth.TOKENS, k);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StatusCommand.print(EventLog.JSON.readTree(EventLog.JSON.writeValueAsString(a)),
          new PrintStream(out, true, StandardCharsets.UTF_8), Instant.EPOCH, ZoneOffset.UTC);
      String text = out.toString(StandardCharsets.UTF_8);
      assertEquals(k == TransportSettings.Kind.PLAIN_TCP, text.contains("WARNING: cluster transport is plain TCP"), text);
    }
  }

  /** Issue 22: where an operator disabled HA, status says so first; with HA enabled it says nothing of it. */
  @Test
  void saysWhereHaIsDisabled() throws Exception {
    for (boolean cluster : List.of(true, false)) {
      ClusterStatus c = new ClusterStatus("host1", "host1", List.of(), List.of(), List.of(),
          new dev.vmha.datastore.ProtectedList.HaSwitch(cluster, cluster ? List.of("host2") : List.of()));
      Map<String, Object> agent = new LinkedHashMap<>();
      agent.put("host", "host1");
      agent.put("role", "MASTER");
      agent.put("master", "host1");
      agent.put("cluster", c);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StatusCommand.print(EventLog.JSON.readTree(EventLog.JSON.writeValueAsString(agent)),
          new PrintStream(out, true, StandardCharsets.UTF_8), Instant.EPOCH, ZoneOffset.UTC);
      String text = out.toString(StandardCharsets.UTF_8);
      assertEquals(!cluster, text.contains("HA DISABLED for the cluster"), text);
      assertEquals(cluster, text.contains("HA disabled for hosts: host2"), text);
    }
  }
}
