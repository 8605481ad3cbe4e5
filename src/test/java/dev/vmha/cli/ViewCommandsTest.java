package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.api.TestAgent;
import dev.vmha.history.EventLog;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./vmha hosts, vms, datastores, events and explain --agent against an agent's /api/v1 on a stub master
 * ({@link TestAgent}): tables, --json, and the exit codes of README (0 ok, 2 usage, 3 not found or no master).
 */
class ViewCommandsTest {
  @TempDir Path dir;
  private TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    agent = new TestAgent("ViewCommandsTest", dir);
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
  }

  private CliRun.Result vmha(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--agent";
    all[args.length + 1] = agent.address();
    return CliRun.vmha(Map.of("VMHA_TOKEN", agent.tokens.read()), dir, all);
  }

  @Test
  void hostsShowTheDeadAndRemovedWithSinceAndHeartbeatAges() {
    CliRun.Result r = vmha("hosts");
    assertEquals(0, r.exit(), r.err());
    String host2 = r.out().lines().filter(l -> l.startsWith("host2")).findFirst().orElseThrow();
    assertTrue(host2.contains("DEAD") && host2.contains("REMOVED") && host2.contains("1 min")
        && host2.contains("ds1 59 s") && host2.contains("no heartbeat anywhere"), r.out());
    assertTrue(r.out().lines().findFirst().orElseThrow().startsWith("HOST "), r.out());
    CliRun.Result one = vmha("hosts", "host1");
    assertEquals(0, one.exit(), one.err());
    assertEquals(2, one.out().lines().count(), one.out());
    CliRun.Result missing = vmha("hosts", "nosuch");
    assertEquals(3, missing.exit());
    assertTrue(missing.err().contains("no host \"nosuch\" is known to the master"), missing.err());
    assertEquals(2, vmha("hosts", "a/b").exit());
  }

  @Test
  void vmsAndDatastoresPrintTablesOrTheAgentsJson() throws Exception {
    CliRun.Result vms = vmha("vms");
    assertEquals(0, vms.exit(), vms.err());
    assertTrue(vms.out().lines().anyMatch(l -> l.startsWith("vm1") && l.contains("running") && l.contains("medium")
        && l.contains("configured")),
        vms.out());
    CliRun.Result json = vmha("vms", "vm1", "--json");
    assertEquals(0, json.exit(), json.err());
    assertEquals("vm1", EventLog.JSON.readTree(json.out()).path("name").asText());
    assertEquals(3, vmha("vms", "nosuch").exit());
    CliRun.Result ds = vmha("datastores");
    assertEquals(0, ds.exit(), ds.err());
    assertTrue(ds.out().lines().anyMatch(l -> l.startsWith("ds1") && l.contains("yes") && l.contains("host1")
        && l.contains("host2 59 s")), ds.out());
  }

  @Test
  void withoutAMasterTheMastersViewsExitThree() {
    agent.masterKnown.set(false);
    for (String view : new String[] {"hosts", "vms", "datastores"}) {
      CliRun.Result r = vmha(view);
      assertEquals(3, r.exit(), view + ": " + r.err());
      assertTrue(r.err().contains("no master elected yet"), r.err());
    }
  }

  @Test
  void eventsAreFilteredByTheAgentAndABadTimeIsAUsageError() {
    CliRun.Result r = vmha("events", "--host", "host2", "--limit", "1");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("host2 declared DEAD") || r.out().contains("DEAD"), r.out());
    assertEquals(1, r.out().lines().filter(l -> l.contains("host1 ")).count(), r.out());
    assertEquals(2, vmha("events", "--since", "yesterday").exit());
    CliRun.Result none = vmha("events", "--vm", "nosuch");
    assertEquals(0, none.exit());
    assertTrue(none.out().contains("(no events)"), none.out());
  }

  @Test
  void explainAsksTheAgentWhenGivenOne() {
    CliRun.Result vm = vmha("explain", "vm", "vm1");
    assertEquals(0, vm.exit(), vm.err());
    assertTrue(vm.out().startsWith("vm1 runs at host1: restarted there"), vm.out());
    CliRun.Result host = vmha("explain", "host", "host2", "--json");
    assertEquals(0, host.exit(), host.err());
    assertTrue(host.out().contains("\"verdict\":\"host2 was judged DEAD"), host.out());
    CliRun.Result missing = vmha("explain", "host", "host9");
    assertEquals(3, missing.exit());
    assertTrue(missing.err().contains("no event mentions host9"), missing.err());
  }
}
