package dev.vmha.master;

import static dev.vmha.master.MasterScript.VM1;
import static dev.vmha.master.MasterScript.VM2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.maintenance.MigrationOutcome;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Maintenance mode in the master machine ({@link Maintenance}), driven by {@link MasterScript}. */
class MaintenanceTest {
  private static final VmProtection LOW = new VmProtection(RestartPriority.LOW, 0,
      ReadyCondition.RESOURCES_ALLOCATED, Duration.ofSeconds(600), List.of());
  private static final VmProtection HIGH = new VmProtection(RestartPriority.HIGH, 0,
      ReadyCondition.RESOURCES_ALLOCATED, Duration.ofSeconds(600), List.of());

  private final MasterScript m = new MasterScript();

  private ClusterStatus.HostStatus host(String id) {
    return m.status().hosts().stream().filter(h -> h.id().equals(id)).findFirst().orElseThrow();
  }

  private MaintenanceMode stored(String host) {
    return m.stored.orElseThrow().maintenanceOf(host);
  }

  /** vm1 (low) and vm2 (high) run at host2; host2 is drained and in maintenance. */
  private void host2InMaintenance() {
    m.protectOnHost2(LOW, HIGH, true);
    m.maintenance("host2", true, "alice");
    m.tick();
    m.answerMigration(true);
    m.tick();
    m.answerMigration(true);
    m.tick(); // host2's report without its VMs follows the tick
    m.tick();
    assertEquals(MaintenanceMode.IN_MAINTENANCE, stored("host2"));
  }

  @Test
  void enteringMaintenanceMovesTheVmsOneAtATimeHighestPriorityFirstThenTheHostIsInMaintenance() {
    m.protectOnHost2(LOW, HIGH, true);
    m.mark();
    RequestId id = m.maintenance("host2", true, "alice");
    assertTrue(m.reply(id).ok(), m.reply(id).message());
    assertEquals(MaintenanceMode.ENTERING, stored("host2"), "stored before it is answered");
    HaEvent.HostMaintenanceChanged entering = m.only(HaEvent.HostMaintenanceChanged.class);
    assertEquals(MaintenanceMode.ENTERING, entering.mode());
    assertEquals("alice", entering.requestedBy());

    m.tick();
    m.tick();
    assertEquals(1, m.migrations.size(), "one migration at a time: " + m.migrations);
    MasterEffect.Migrate first = m.answerMigration(true);
    assertEquals(VM2, first.vm(), "the highest priority first");
    assertEquals("host2", first.from());
    assertFalse(first.to().equals("host2"));
    assertEquals(first.to(), m.stored.orElseThrow().vms().get("vm2").host(), "the list follows the VM");
    assertEquals(MaintenanceMode.ENTERING, host("host2").maintenance());
    assertEquals("migrating vm1 to host1", host("host2").maintenanceWait());

    m.tick();
    MasterEffect.Migrate second = m.answerMigration(true);
    assertEquals(VM1, second.vm());
    m.tick();
    assertEquals(MaintenanceMode.ENTERING, stored("host2"), "until host2 reports no VM");
    m.tick();
    assertEquals(MaintenanceMode.IN_MAINTENANCE, stored("host2"));
    assertEquals(MaintenanceMode.IN_MAINTENANCE, host("host2").maintenance());
    assertEquals(List.of(MaintenanceMode.ENTERING, MaintenanceMode.IN_MAINTENANCE),
        m.events(HaEvent.HostMaintenanceChanged.class).stream().map(HaEvent.HostMaintenanceChanged::mode).toList());
    assertEquals(List.of("vm2", "vm1"), m.events(HaEvent.VmMigrated.class).stream()
        .map(HaEvent.VmMigrated::vm).toList());
    m.ticks(Duration.ofSeconds(30));
    assertTrue(m.migrations.isEmpty());
  }

  @Test
  void aVmThatFitsNowhereKeepsRunningAndTheHostStaysEnteringWithTheReasonUntilRoomAppears() {
    m.host1MemoryMb = 512;
    m.host3MemoryMb = 512;
    m.protectOnHost2(LOW, HIGH, true);
    m.maintenance("host2", true, "alice");
    m.ticks(Duration.ofSeconds(10));
    assertTrue(m.migrations.isEmpty(), "nothing fits: " + m.migrations);
    assertEquals(MaintenanceMode.ENTERING, host("host2").maintenance());
    assertTrue(host("host2").maintenanceWait().contains("fits on no other host"), host("host2").maintenanceWait());

    m.host3MemoryMb = 4096;
    m.tick(); // host3's report with the room follows the tick
    m.tick();
    MasterEffect.Migrate mig = m.answerMigration(true);
    assertEquals("host3", mig.to());
  }

  /**
   * A host in maintenance that crashes (or is shut down for its maintenance) is judged DEAD and its member downed, as
   * Pacemaker and vSphere do — else it stays an unreachable member for ever and no agent can join — but no failover
   * is owed: maintenance drained it, and it takes no VMs until it leaves maintenance.
   */
  @Test
  void aHostInMaintenanceThatDiesIsJudgedAndDownedWithoutFailoverAndTakesNoVms() {
    host2InMaintenance();
    m.in(new MasterInput.Membership("host2", Reachability.REACHABLE, "up", Optional.empty(), "pekko://vmha@h2:1"));
    m.mark();
    m.host2NetBeating = false;
    m.host2DatastoreBeating = false;
    m.in(new MasterInput.Membership("host2", Reachability.UNREACHABLE, "unreachable", Optional.empty(),
        "pekko://vmha@h2:1"));
    m.ticks(m.settings.hostTimeout().plus(m.settings.icmpPingTimeout()));
    m.answerPings(false);
    HaEvent.HostJudged dead = m.only(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, dead.verdict(), dead.reason());
    assertEquals(List.of("host2"), m.since().stream().filter(MasterEffect.Down.class::isInstance)
        .map(e -> ((MasterEffect.Down) e).host()).toList(), "downed: it no longer blocks the cluster");
    m.ticks(m.settings.hostTimeout());
    assertTrue(m.starts.isEmpty(), "no failover: " + m.starts);
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class));
    assertEquals(MaintenanceMode.IN_MAINTENANCE, stored("host2"), "still in maintenance");
    assertFalse(m.stored.orElseThrow().vms().values().stream().anyMatch(e -> e.host().equals("host2")),
        "vm1 and vm2 stay where maintenance moved them");

    VmSpec vm3 = new VmSpec("vm3", 256, 1);
    RequestId there = m.powerOn(vm3, "host2", VmProtection.defaults());
    assertFalse(m.reply(there).ok(), "placement skips it: " + m.reply(there).message());

    RequestId exit = m.maintenance("host2", false, "bob");
    assertTrue(m.reply(exit).ok(), m.reply(exit).message());
    assertEquals(MaintenanceMode.NONE, stored("host2"));
    HaEvent.HostMaintenanceChanged left = m.events(HaEvent.HostMaintenanceChanged.class).get(0);
    assertEquals(MaintenanceMode.NONE, left.mode());
    assertEquals("bob", left.requestedBy());
  }

  @Test
  void aNewMasterCarriesMaintenanceOnFromTheStoredList() {
    host2InMaintenance();
    MasterScript next = new MasterScript();
    next.stored = m.stored;
    next.host2NetBeating = false;
    next.host2DatastoreBeating = false;
    next.started();
    next.mark();
    next.ticks(next.settings.hostTimeout().multipliedBy(3));
    assertEquals(MaintenanceMode.IN_MAINTENANCE, next.status().hosts().stream()
        .filter(h -> h.id().equals("host2")).findFirst().map(ClusterStatus.HostStatus::maintenance).orElseThrow());
    assertEquals(List.of(), next.events(HaEvent.HostJudged.class));
  }

  @Test
  void aMigrationThatStoppedTheWriterButStartedNowhereRestartsTheVmElsewhere() {
    m.protectOnHost2(LOW, HIGH, true);
    m.maintenance("host2", true, "alice");
    m.tick();
    MasterEffect.Migrate mig = m.migrations.poll();
    m.host2Running = List.of(VM1);
    m.mark();
    m.in(new MasterInput.Migrated(new MigrationOutcome.NotMoved(mig.vm(), "host2", mig.to(), Optional.empty(),
        "refused")));
    assertEquals("-", m.only(HaEvent.VmNotMigrated.class).runsAt());
    // restarted once host2's reports lack it (they may have been sent before its writer stopped)
    for (long i = 0; i <= m.ticksIn(m.settings.hostTimeout()) + 2 && m.starts.isEmpty(); i++) m.tick();
    MasterEffect.PersistThenStart restart = m.starts.poll();
    assertTrue(restart != null, "restarted: " + m.since());
    assertEquals(VM2, restart.vm());
    assertFalse(restart.hosts().contains("host2"), "not on the host entering maintenance: " + restart.hosts());
  }

  @Test
  void aFailedMigrationLeavesTheVmRunningAndIsTriedAgainAfterHostTimeout() {
    m.protectOnHost2(LOW, HIGH, true);
    m.maintenance("host2", true, "alice");
    m.tick();
    m.mark();
    m.answerMigration(false);
    assertEquals("host2", m.only(HaEvent.VmNotMigrated.class).runsAt());
    assertEquals("host2", m.stored.orElseThrow().vms().get("vm2").host());
    // the next VM is tried meanwhile; vm2 again once hostTimeout has passed
    m.tick();
    assertEquals(VM1, m.answerMigration(true).vm());
    m.ticks(m.settings.hostTimeout());
    assertEquals(VM2, m.answerMigration(true).vm());
  }

  @Test
  void requestsAreCheckedAndIdempotentAndAnUnstoredOneIsUndone() {
    m.protectOnHost2(LOW, HIGH, true);
    RequestId unknown = m.maintenance("host9", true, "alice");
    assertFalse(m.reply(unknown).ok());
    assertEquals(Optional.of("host"), m.reply(unknown).invalidField());
    RequestId notIn = m.maintenance("host3", false, "alice");
    assertTrue(m.reply(notIn).ok(), "exiting a host not in maintenance changes nothing");
    assertEquals(MaintenanceMode.NONE, stored("host3"));

    m.listWritesSucceed = false;
    RequestId failed = m.maintenance("host3", true, "alice");
    assertFalse(m.reply(failed).ok(), m.reply(failed).message());
    assertEquals(MaintenanceMode.NONE, m.state.protectedList().maintenanceOf("host3"), "put back");
    m.listWritesSucceed = true;

    m.maintenance("host3", true, "alice");
    RequestId again = m.maintenance("host3", true, "bob");
    assertTrue(m.reply(again).ok());
    assertTrue(m.reply(again).message().contains("already"), m.reply(again).message());
    ProtectedList.HostMaintenance h3 = m.stored.orElseThrow().maintenance().get("host3");
    assertEquals("alice", h3.requestedBy());
  }

  @Test
  void aHostWhoseReportDoesNotShowItsNewVmYetIsNotCalledEmpty() {
    m.started();
    m.powerOnAtHost2(VM1, LOW); // host2's reports do not show it yet
    m.maintenance("host2", true, "alice");
    m.tick();
    m.tick();
    assertEquals(MaintenanceMode.ENTERING, stored("host2"));
    assertEquals("vm1 is placed here, not reported running yet", host("host2").maintenanceWait());
    m.host2Running = List.of(VM1);
    m.tick();
    m.tick();
    assertEquals(VM1, m.answerMigration(true).vm());
  }
}
