package dev.vmha.master;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.classify.Verdict;
import dev.vmha.history.EventLog;
import dev.vmha.restart.WaitReason;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The status of protected VMs says what the master knows, never "not running" for a VM it cannot see. */
class VmStateRuleTest {
  private static final Instant NOW = Instant.parse("2026-12-01T03:12:30Z");
  private static final Instant MASTER_SINCE = Instant.parse("2026-12-01T03:00:00Z");
  private static final Instant HEARD = Instant.parse("2026-12-01T03:12:00Z");

  private static VmStateRule.HostFacts heard(String... vms) {
    return new VmStateRule.HostFacts(Verdict.ALIVE, "beating", true, NOW, false, Set.of(vms));
  }

  private static VmStateRule.VmFacts placed(String vm, String host) {
    return new VmStateRule.VmFacts(vm, host, Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static VmState derive(VmStateRule.VmFacts vm, Map<String, VmStateRule.HostFacts> hosts) {
    return VmStateRule.derive(vm, hosts, NOW, MASTER_SINCE);
  }

  @Test
  void anIsolatedHostThatKeepsItsVmsRunsThemAsLastReported() {
    // leave-powered-on: its power-on file lists nothing stopped, its last report listed vm1
    var hosts = Map.of("host1", heard(), "host2", new VmStateRule.HostFacts(Verdict.ISOLATED,
        "isolated: its power-on file says so", false, HEARD, false, Set.of("vm1")));
    assertEquals(new VmState.LastReported("host2", HEARD, Verdict.ISOLATED, "isolated: its power-on file says so"),
        derive(placed("vm1", "host2"), hosts));
  }

  @Test
  void aPartitionedHostsVmsAreRunningAsLastReportedOrUnknown() {
    var hosts = Map.of("host1", heard(), "host2", new VmStateRule.HostFacts(Verdict.PARTITIONED,
        "datastore heartbeat moves", false, HEARD, false, Set.of("vm1")));
    assertEquals(new VmState.LastReported("host2", HEARD, Verdict.PARTITIONED, "datastore heartbeat moves"),
        derive(placed("vm1", "host2"), hosts));
    assertEquals(new VmState.Unknown("host2", HEARD, Verdict.PARTITIONED, "datastore heartbeat moves"),
        derive(placed("vm3", "host2"), hosts), "placed there, but its last report did not list it");
  }

  @Test
  void aSilentHostNotJudgedYetIsNotCalledNotRunningEither() {
    var hosts = Map.of("host2", new VmStateRule.HostFacts(Verdict.ALIVE, "beating", false, HEARD, false,
        Set.of("vm1")));
    assertEquals(new VmState.LastReported("host2", HEARD, Verdict.ALIVE, "silent, not judged yet"),
        derive(placed("vm1", "host2"), hosts));
    assertEquals(new VmState.Unknown("host9", MASTER_SINCE, Verdict.ALIVE, "not heard by this master yet"),
        derive(placed("vm1", "host9"), Map.of()));
  }

  @Test
  void aFencedMinorityShowsItsVmsFencedNotWaitingForRoom() {
    // no datastores, {host1, host2} | {host3, host4, host5}: host1's master sees its own side fenced
    var hosts = Map.of(
        "host1", new VmStateRule.HostFacts(Verdict.ALIVE, "beating", true, NOW, true, Set.of()),
        "host2", new VmStateRule.HostFacts(Verdict.ALIVE, "beating", true, NOW, true, Set.of()),
        "host3", new VmStateRule.HostFacts(Verdict.PARTITIONED, "no strict majority", false, HEARD, false,
            Set.of("vm3")));
    String why = "at host1, its host fenced itself: no majority";
    var lost = new VmStateRule.Lost("host1", why, 0, NOW, Optional.of(WaitReason.NO_ROOM), "no live host has room");
    assertEquals(new VmState.Fenced("host1", why),
        derive(new VmStateRule.VmFacts("vm1", "host1", Optional.empty(), Optional.of(lost), Optional.empty()), hosts));
    assertEquals(new VmState.LastReported("host3", HEARD, Verdict.PARTITIONED, "no strict majority"),
        derive(placed("vm3", "host3"), hosts), "the other side's VMs run there as last reported");
  }

  @Test
  void aDeadHostsVmsAreRestartingWaitingOrScheduledAndRunOnceReported() {
    var hosts = Map.of(
        "host1", heard("vm4"),
        "host3", new VmStateRule.HostFacts(Verdict.DEAD, "datastore heartbeat still", false, HEARD, false,
            Set.of("vm1", "vm2", "vm3", "vm4")));
    Instant started = NOW.minusSeconds(2);
    assertEquals(new VmState.Starting("host1", 1, started), derive(new VmStateRule.VmFacts("vm1", "host3",
        Optional.of(new VmStateRule.Start("host1", 1, started)), Optional.empty(), Optional.empty()), hosts));
    var waiting = new VmStateRule.Lost("host3", "host3 is DEAD", 0, NOW, Optional.of(WaitReason.NO_ROOM),
        "needs 512 MB");
    assertEquals(new VmState.Waiting("host3", "host3 is DEAD", Optional.of(WaitReason.NO_ROOM), "needs 512 MB"),
        derive(new VmStateRule.VmFacts("vm2", "host3", Optional.empty(), Optional.of(waiting), Optional.empty()), hosts));
    Instant retry = NOW.plusSeconds(120);
    var scheduled = new VmStateRule.Lost("host3", "retry after refused", 1, retry, Optional.empty(), "");
    assertEquals(new VmState.RetryScheduled("host3", 1, retry), derive(
        new VmStateRule.VmFacts("vm3", "host3", Optional.empty(), Optional.of(scheduled), Optional.empty()), hosts));
    assertEquals(new VmState.Running("host1"), derive(placed("vm4", "host3"), hosts),
        "reported at host1 before the list follows");
    assertEquals(new VmState.NotRunning("host3"), derive(placed("vm5", "host3"), hosts));
    assertEquals(new VmState.GivenUp("host3", "3 attempts failed"), derive(new VmStateRule.VmFacts("vm6", "host3",
        Optional.empty(), Optional.empty(), Optional.of("3 attempts failed")), hosts));
  }

  @Test
  void aLiveHostThatDoesNotRunItsVmShowsItNotRunning() {
    assertEquals(new VmState.NotRunning("host1"), derive(placed("vm1", "host1"), Map.of("host1", heard())));
  }

  @Test
  void theStateTravelsAsJsonWithItsKind() throws Exception {
    VmState s = new VmState.LastReported("host2", HEARD, Verdict.PARTITIONED, "datastore heartbeat moves");
    String json = EventLog.JSON.writeValueAsString(s);
    JsonNode n = EventLog.JSON.readTree(json);
    assertEquals("last-reported", n.path("kind").asText());
    assertEquals(s, EventLog.JSON.readValue(json, VmState.class));
  }

  @Test
  void aWaitingVmShowsItsWaitReasonByCodeOrNullWhenPlacedInTheNextRound() throws Exception {
    VmState waiting = new VmState.Waiting("host3", "host3 is DEAD", Optional.of(WaitReason.NO_ROOM), "needs 512 MB");
    VmState next = new VmState.Waiting("host3", "host3 is DEAD", Optional.empty(), "");
    assertEquals("no-room", EventLog.JSON.valueToTree(waiting).path("waitingFor").asText());
    assertEquals(true, EventLog.JSON.valueToTree(next).path("waitingFor").isNull());
    assertEquals(waiting, EventLog.JSON.readValue(EventLog.JSON.writeValueAsString(waiting), VmState.class));
    assertEquals(next, EventLog.JSON.readValue(EventLog.JSON.writeValueAsString(next), VmState.class));
  }
}
