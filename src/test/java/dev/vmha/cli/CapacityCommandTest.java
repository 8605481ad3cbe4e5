package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.vmha.api.AgentStatus;
import dev.vmha.config.ApiSettings;
import dev.vmha.config.HaSettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.history.EventLog;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.VmState;
import dev.vmha.restart.WaitReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmha.restart.RestartPriority;
import picocli.CommandLine;

/** ./vmha capacity against a canned GET /api/v1/status, as the agents serve it now; no cluster. */
class CapacityCommandTest {
  /** The agent's JSON, as its HTTP API writes it (Optional fields as their value or null). */
  static final com.fasterxml.jackson.databind.ObjectMapper AGENT_JSON =
      EventLog.JSON.copy().registerModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module());


  private static ClusterStatus.HostStatus host(String id, String verdict, long freeMb, String... vms) {
    return new ClusterStatus.HostStatus(id, ClusterStatus.Seat.SLAVE, dev.vmha.classify.Verdict.valueOf(verdict), "",
        dev.vmha.classify.Reachability.REACHABLE, 0, "127.0.0.1", 8551, 8192, freeMb,
        List.of(vms), java.time.Instant.EPOCH, 0, java.util.Map.of());
  }

  private static ClusterStatus.VmStatus running(String name, long mb, String host) {
    return new ClusterStatus.VmStatus(name, mb, 1, host, new VmState.Running(host), dev.vmha.restart.VmProtection.defaults(), "", 0);
  }

  /**
   * host1 runs db1 (4 GB), host2 web1 and web2 (2 GB each), host3 app1 (3 GB); host4 is dead; lost1 waits. Any one
   * failure is covered; host1 and host2 together are not.
   */
  static JsonNode status() throws Exception {
    ClusterStatus c = new ClusterStatus("host1", "host1", List.of(host("host1", "ALIVE", 4096, "db1"),
        host("host2", "ALIVE", 4096, "web1", "web2"), host("host3", "ALIVE", 5120, "app1"),
        host("host4", "DEAD", 0)), List.of(running("app1", 3072, "host3"), running("db1", 4096, "host1"),
        new ClusterStatus.VmStatus("lost1", 512, 1, "host4", new VmState.Waiting("host4", "host4 dead", Optional.of(WaitReason.NO_ROOM), "x"), dev.vmha.restart.VmProtection.defaults(), "", 0),
        running("web1", 2048, "host2"), running("web2", 2048, "host2")), List.of(), "host1", 0, java.util.Optional.empty());
    AgentStatus a = new AgentStatus("host1", dev.vmha.election.Role.MASTER, java.util.Optional.of("host1"),
        java.util.Optional.of(c), java.util.Optional.empty(), java.util.Optional.empty(), ApiSettings.Auth.TOKENS,
        TransportSettings.Kind.TLS);
    return EventLog.JSON.readTree(AGENT_JSON.writeValueAsString(a));
  }

  private record Run(int exit, String out, JsonNode result) {}

  private static Run run(CapacityCommand cmd, Optional<HaSettings> settings) throws Exception {
    return run(status(), cmd, settings);
  }

  private static Run run(JsonNode status, CapacityCommand cmd, Optional<HaSettings> settings) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CapacityCommand.Outcome o = CapacityCommand.run(status, settings, cmd,
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return new Run(o.exit(), out.toString(StandardCharsets.UTF_8), o.result());
  }

  private static HaSettings settings(String extra) {
    return HaSettings.from(ConfigFactory.parseString("""
        vmha.host.id = "host1"
        das.usedefaultisolationaddress = false
        das.isolationaddress1 = "127.0.0.1"
        """ + extra).withFallback(HaSettings.defaults()).resolve());
  }

  @Test
  void anyOneFailureIsCoveredAndEachIsShown() throws Exception {
    Run r = run(new CapacityCommand(), Optional.empty());
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("cluster (master host1): 3 up hosts, 4 protected VMs running; not running, left out:"
        + " lost1 (waiting); hosts left out: host4 (DEAD)"), r.out());
    assertTrue(r.out().contains("PLAN EXISTS: every protected VM restarts after any 1 host failure (3 failure sets of 3"
        + " up hosts)"), r.out());
    assertTrue(r.out().contains("  fail host2: covered, 2 VMs restart"), r.out());
    assertTrue(r.out().contains("OK: the policy holds"), r.out());
  }

  @Test
  void whatIfTwoHostsFailNamesTheVmsThatWouldNotComeBackAndWhy() throws Exception {
    CapacityCommand cmd = new CapacityCommand();
    cmd.whatIf = "fail host1,host2";
    cmd.max = true;
    Run r = run(cmd, Optional.empty());
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("what-if fail host1,host2:\n  fail host1,host2: NOT COVERED, 1 VMs restart, 2 do not\n"
        + "    db1: host1 -> host3\n"
        + "    web1 (medium, on host2) would not come back: no surviving host has room: needs 2048 MB; the most free"
        + " memory left is 1024 MB (host3)\n"), r.out());
    assertTrue(r.out().contains("max host failures to tolerate: 1\n"), r.out());
  }

  @Test
  void withFewFailureSetsEachIsShownCoveredOrNot() throws Exception {
    Run r = run(new CapacityCommand(), Optional.of(settings("vmha.capacity.host-failures = 2")));
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("NO PLAN: 3 of 6 failure sets leave protected VMs without room (6 failure sets of 3"
        + " up hosts)\n  fail host1: covered, 1 VMs restart\n  fail host2: covered, 2 VMs restart\n"
        + "  fail host3: covered, 1 VMs restart\n  fail host1,host2: NOT COVERED, 1 VMs restart, 2 do not\n"), r.out());
    assertTrue(r.out().contains("  fail host2,host3: NOT COVERED"), r.out());
  }

  @Test
  void bestEffortVmsFromTheConfigAreNotOwedRoom() throws Exception {
    CapacityCommand cmd = new CapacityCommand();
    cmd.whatIf = "fail host1,host2";
    JsonNode old = status(); // from an agent before issue 23, whose status carries no priorities
    old.path("cluster").path("vms").forEach(v -> ((ObjectNode) v).remove("protection"));
    Run r = run(old, cmd, Optional.of(settings("vmha.vms { web1 { priority = best-effort }, web2 { priority = best-effort } }")));
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("fail host1,host2: covered"), r.out());
    assertTrue(r.out().contains("web1 (best-effort, on host2) would not come back: best-effort, tried once"), r.out());
  }

  @Test
  void anAddedVmOrARemovedHostCanBreakThePlan() throws Exception {
    CapacityCommand add = new CapacityCommand();
    add.addVms = List.of("big1:5000:2");
    Run r = run(add, Optional.empty());
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("what-if: add big1 (5000 MB, medium) on host3"), r.out());
    assertTrue(r.out().contains("big1 (medium, on host3) would not come back"), r.out());
    assertTrue(r.out().contains("OVERCOMMITTED"), r.out());

    CapacityCommand remove = new CapacityCommand();
    remove.removeHosts = List.of("host3");
    remove.json = true;
    Run j = run(remove, Optional.empty());
    assertEquals(1, j.exit());
    assertEquals("", j.out(), "--json: only the JSON, printed by call()");
    assertEquals(false, j.result().path("ok").asBoolean());
    assertTrue(j.result().path("whatIf").get(0).asText().startsWith("remove host3: 1 VMs move off"), j.result().toString());
    assertEquals(2, j.result().path("plan").path("sets").asLong());
  }

  @Test
  void theSlotAndPercentagePoliciesGiveTheirOwnVerdicts() throws Exception {
    Run slots = run(new CapacityCommand(), Optional.of(settings("vmha.capacity.model = slots")));
    assertTrue(slots.out().contains("slots: 4096 MB, 32 MHz each; 6 in all (host1 2, host2 2, host3 2), 4 used, 4 left"
        + " after the 1 largest hosts fail; the slots tolerate 1 host failures"), slots.out());
    assertEquals(0, slots.exit(), slots.out());
    Run pct = run(new CapacityCommand(), Optional.of(settings("vmha.capacity { policy = percentage, percentage.memory = 60 }")));
    assertEquals(1, pct.exit(), pct.out());
    assertTrue(pct.out().contains("free now: memory 54.2 % (reserve 60 %), CPU not known"), pct.out());
    assertTrue(pct.out().contains("VIOLATION: 54.2 % of the up hosts' memory is free, 60 % is reserved"), pct.out());
  }

  @Test
  void exitCodesForUsageAndForNoAgentOrMaster(@TempDir Path dir) throws Exception {
    Path saved = dir.resolve("status.json");
    Files.writeString(saved, status().toString());
    assertEquals(0, execute("--from", saved.toString()));
    assertEquals(1, execute("--from", saved.toString(), "--what-if", "fail host1,host3"));
    assertEquals(2, execute("--from", saved.toString(), "--what-if", "host1"));
    assertEquals(2, execute("--from", saved.toString(), "--what-if", "fail host4"), "host4 is not up");
    assertEquals(2, execute("--from", saved.toString(), "--add-vm", "x:0:1"));
    assertEquals(2, execute("--from", saved.toString(), "--remove-host", "host9"));
    assertEquals(2, execute("--from", dir.resolve("missing.json").toString()));
    Path noMaster = dir.resolve("no-master.json");
    Files.writeString(noMaster, EventLog.JSON.writeValueAsString(new AgentStatus("host1",
        dev.vmha.election.Role.SLAVE, java.util.Optional.empty(), java.util.Optional.empty(),
        java.util.Optional.of("no master elected yet"), java.util.Optional.empty(), ApiSettings.Auth.TOKENS, TransportSettings.Kind.TLS)));
    assertEquals(3, execute("--from", noMaster.toString()));
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertEquals(3, execute("--agent", "127.0.0.1:" + closed));
  }

  private static int execute(String... args) {
    CommandLine cl = new CommandLine(new CapacityCommand());
    CapacityCommand cmd = cl.getCommand();
    cmd.options.env = java.util.Map.of("VMHA_TOKEN", "t");
    return cl.execute(args);
  }
}
