package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.api.AgentStatus;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.capacity.FailoverPlanner;
import dev.vmha.classify.Verdict;
import dev.vmha.config.CapacitySettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.history.EventLog;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.VmState;
import dev.vmha.restart.RestartPriority;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  /** The agent's JSON, as its HTTP API writes it (Optional fields as their value or null). */
  static final com.fasterxml.jackson.databind.ObjectMapper AGENT_JSON =
      EventLog.JSON.copy().registerModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module());

  /** What `vmha status` prints for master host1 with this cluster view, at {@code now}. */
  private static String printed(ClusterStatus c, Instant now) throws Exception {
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("host", "host1");
    agent.put("role", "MASTER");
    agent.put("master", "host1");
    agent.put("cluster", c);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StatusCommand.print(EventLog.JSON.readTree(AGENT_JSON.writeValueAsString(agent)),
        new PrintStream(out, true, StandardCharsets.UTF_8), now, ZoneOffset.UTC);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsWhatIsKnownOfEachVm() throws Exception {
    Instant heard = Instant.parse("2026-12-01T03:12:00Z");
    ClusterStatus c = new ClusterStatus("host1", "host1", List.of(), List.of(
        new ClusterStatus.VmStatus("vm1", 512, 1, "host2",
            new VmState.LastReported("host2", heard, Verdict.PARTITIONED, "datastore heartbeat moves"), dev.vmha.restart.VmProtection.defaults(), "", 0),
        new ClusterStatus.VmStatus("vm2", 512, 1, "host1", new VmState.Fenced("host1", "its host fenced itself: no majority"), dev.vmha.restart.VmProtection.defaults(), "", 0),
        new ClusterStatus.VmStatus("vm3", 512, 1, "host3", new VmState.Running("host3"), dev.vmha.restart.VmProtection.defaults(), "", 0)), List.of(), "host1", 0, java.util.Optional.empty());
    String text = printed(c, heard.plusSeconds(12));
    assertTrue(text.matches("(?s).*vm1 +512 +1 +medium/0 +last-reported +host2 +running there as last reported; unknown since "
        + "03:12:00 \\(12 s ago\\) \\(PARTITIONED: datastore heartbeat moves\\).*"), text);
    assertTrue(text.matches("(?s).*vm2 +512 +1 +medium/0 +fenced +host1 +powered off by its host's fence: its host fenced itself: "
        + "no majority.*"), text);
    assertTrue(text.matches("(?s).*vm3 +512 +1 +medium/0 +running +host3 *\\n.*"), text);
    assertTrue(!text.contains("capacity:"), "no plan, no line: " + text);
  }

  @Test
  void warnsOnlyWhenTheClusterTransportIsPlainTcp() throws Exception {
    for (TransportSettings.Kind k : TransportSettings.Kind.values()) {
      AgentStatus a = new AgentStatus("host1", dev.vmha.election.Role.SLAVE, Optional.empty(), Optional.empty(),
          Optional.of("no master elected yet"), Optional.empty(),
          dev.vmha.config.ApiSettings.Auth.TOKENS, k);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StatusCommand.print(EventLog.JSON.readTree(AGENT_JSON.writeValueAsString(a)),
          new PrintStream(out, true, StandardCharsets.UTF_8), Instant.EPOCH, ZoneOffset.UTC);
      String text = out.toString(StandardCharsets.UTF_8);
      assertEquals(k == TransportSettings.Kind.PLAIN_TCP, text.contains("WARNING: cluster transport is plain TCP"), text);
    }
  }

  /** Issue 22: where an operator disabled HA, status says so first; with HA enabled it says nothing of it. */
  @Test
  void saysWhereHaIsDisabled() throws Exception {
    for (boolean cluster : List.of(true, false)) {
      ClusterStatus c = new ClusterStatus("host1", "host1", List.of(), List.of(), List.of(), "host1", 1, Optional.empty(),
          new dev.vmha.datastore.ProtectedList.HaSwitch(cluster, cluster ? List.of("host2") : List.of()));
      String text = printed(c, Instant.EPOCH);
      assertEquals(!cluster, text.contains("HA DISABLED for the cluster"), text);
      assertEquals(cluster, text.contains("HA disabled for hosts: host2"), text);
    }
  }

  @Test
  void showsTheMastersCapacityPlanAndTheVmsThatWouldNotComeBack() throws Exception {
    CapacityPlan plan = new CapacityPlan(CapacitySettings.Policy.HOST_FAILURES, 1, false,
        Optional.of(new FailoverPlanner.Max(0, true, "")), List.of("1 of 3 failure sets of up to 1 hosts leave"
        + " protected VMs without room (overcommitted)"), List.of(new CapacityPlan.Unplaced("big", "host2",
        RestartPriority.HIGH, List.of("host2"), "no surviving host has room: needs 3000 MB")));
    ClusterStatus c = new ClusterStatus("host1", "host1", List.of(), List.of(), List.of(), "host1", 1, Optional.of(plan));
    AgentStatus a = new AgentStatus("host1", dev.vmha.election.Role.MASTER, Optional.of("host1"), Optional.of(c),
        Optional.empty(), Optional.empty(),
        dev.vmha.config.ApiSettings.Auth.TOKENS, TransportSettings.Kind.TLS);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StatusCommand.print(EventLog.JSON.readTree(AGENT_JSON.writeValueAsString(a)),
        new PrintStream(out, true, StandardCharsets.UTF_8), Instant.EPOCH, ZoneOffset.UTC);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("capacity: OVERCOMMITTED (policy host-failures, N = 1); a failover plan exists for up to"
        + " 0 host failures\n  1 of 3 failure sets"), text);
    assertTrue(text.contains("  if host2 failed, big (on host2) would not come back: no surviving host has room:"
        + " needs 3000 MB"), text);
  }
}
