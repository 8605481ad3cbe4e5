package dev.vmha.master;

import static dev.vmha.master.MasterScript.VM1;
import static dev.vmha.master.MasterScript.VM2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.maintenance.MigrationOutcome;
import dev.vmha.restart.ProtectionChange;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An operator's changes to HA itself (issue 22: {@link Operations}), as input scripts on {@link MasterMachine}: HA
 * enabled and disabled for the cluster and per host, and the retry of a given-up VM. Each is stored in the protected
 * list before it counts, refused with nothing changed when it cannot be, and recorded with who asked.
 */
class OperationsTest {
  private final MasterScript m = new MasterScript();

  private static Operation.SwitchHa cluster(boolean enable) {
    return new Operation.SwitchHa(Optional.empty(), enable, "ops-token");
  }

  private static Operation.SwitchHa host(String host, boolean enable) {
    return new Operation.SwitchHa(Optional.of(host), enable, "ops-token");
  }

  private void ok(RequestId id) {
    assertTrue(m.reply(id).ok(), m.reply(id).message());
  }

  // ---- HA enabled / disabled

  @Test
  void withClusterHaDisabledADeadHostsVmsWaitAndEnablingItRestartsThem() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    RequestId off = m.operate(cluster(false));
    ok(off);
    HaEvent.ClusterHaSwitched switched = m.only(HaEvent.ClusterHaSwitched.class);
    assertFalse(switched.enabled());
    assertEquals("ops-token", switched.askedBy());
    assertFalse(m.stored.orElseThrow().ha().clusterEnabled(), "stored in the list on the datastore");
    assertFalse(m.status().ha().clusterEnabled(), "status says so");

    m.host2CrashesAndIsJudgedDead();
    for (int t = 0; t < 5; t++) m.tick();
    assertTrue(m.starts.isEmpty(), "no failover while HA is disabled");
    assertTrue(m.events(HaEvent.VmRestartWaiting.class).stream()
        .allMatch(w -> w.kind() == WaitReason.HA_DISABLED), m.since().toString());
    assertEquals(2, m.events(HaEvent.VmRestartWaiting.class).size(), "each VM's wait recorded once");
    assertEquals(List.of(), m.events(HaEvent.VmNotRestarted.class), "held, not given up");

    m.mark();
    ok(m.operate(cluster(true)));
    assertTrue(m.only(HaEvent.ClusterHaSwitched.class).enabled());
    assertEquals(2, m.events(HaEvent.VmRestartPlanned.class).size(), "the held VMs are planned at once");
  }

  @Test
  void aHostWithHaDisabledHasItsVmsHeldWhenItDiesAndTakesNoRestarts() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    ok(m.operate(host("host2", false)));
    assertEquals(List.of("host2"), m.stored.orElseThrow().ha().disabledHosts());
    m.host2CrashesAndIsJudgedDead();
    m.tick();
    assertTrue(m.starts.isEmpty());
    HaEvent.VmRestartWaiting w = m.events(HaEvent.VmRestartWaiting.class).get(0);
    assertEquals(WaitReason.HA_DISABLED, w.kind());
    assertTrue(w.reason().contains("host2"), w.reason());

    m.mark();
    ok(m.operate(host("host1", false)));
    ok(m.operate(host("host2", true)));
    assertEquals(List.of("host1", "host2"), m.events(HaEvent.HostHaSwitched.class).stream()
        .map(HaEvent.HostHaSwitched::host).toList());
    assertFalse(m.starts.isEmpty(), "host2's VMs are planned again");
    assertTrue(m.starts.stream().noneMatch(s -> s.hosts().contains("host1")), "host1 takes no restarts: " + m.starts);
  }

  @Test
  void switchingAnUnknownHostIsNotFoundAndAskingForWhatHoldsChangesNothing() {
    m.started();
    m.mark();
    RequestId unknown = m.operate(host("host9", false));
    assertFalse(m.reply(unknown).ok());
    assertTrue(m.reply(unknown).notFound());
    assertTrue(m.reply(unknown).message().contains("host9"), m.reply(unknown).message());
    RequestId again = m.operate(cluster(true));
    ok(again);
    assertTrue(m.reply(again).message().contains("already"), m.reply(again).message());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class), "nothing written");
    assertEquals(List.of(), m.events(HaEvent.ClusterHaSwitched.class), "nothing recorded");
  }

  @Test
  void aSwitchThatCannotBeStoredIsRefusedAndPutBack() {
    m.started();
    m.listWritesSucceed = false;
    m.mark();
    RequestId id = m.operate(cluster(false));
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().contains("could not be stored"), m.reply(id).message());
    assertTrue(m.state.protectedList().ha().clusterEnabled(), "put back");
    assertEquals(List.of(), m.events(HaEvent.ClusterHaSwitched.class), "recorded only once stored");
  }

  /** A new master reads HA's switch with the list: it survives a master change. */
  @Test
  void aNewMasterReadingAListWithHaDisabledRestartsNothing() {
    ProtectedList list = new ProtectedList("host9", 6, Map.of("vm1", new ProtectedList.Entry(VM1, "host2",
        VmProtection.defaults(), ProtectedList.Recovery.NONE))).switched(new ProtectedList.HaSwitch(false, List.of()),
        "host9");
    m.stored = Optional.of(list);
    m.host2Running = List.of(VM1);
    m.started();
    assertFalse(m.status().ha().clusterEnabled());
    m.host2CrashesAndIsJudgedDead();
    m.tick();
    assertTrue(m.starts.isEmpty());
    assertEquals(WaitReason.HA_DISABLED, m.only(HaEvent.VmRestartWaiting.class).kind());
  }

  /**
   * Without a readable list on any datastore (the vSAN case), a new master takes the switch with the replica the last
   * master sent it in its heartbeats (that it reaches every agent is OperatorClusterTest's last flow).
   */
  @Test
  void aNewMasterTakingAReplicaWithHaDisabledRestartsNothing() {
    ProtectedList replica = new ProtectedList("host9", 6, Map.of("vm1", new ProtectedList.Entry(VM1, "host2",
        VmProtection.defaults(), ProtectedList.Recovery.NONE))).switched(new ProtectedList.HaSwitch(false, List.of()),
        "host9");
    MasterScript s = new MasterScript("", Optional.of(replica));
    s.listReadsFail = true;
    s.host2Running = List.of(VM1);
    s.started();
    assertEquals(replica.version(), s.state.protectedList().version(), "the replica taken");
    assertFalse(s.status().ha().clusterEnabled());
    s.host2CrashesAndIsJudgedDead();
    s.tick();
    assertTrue(s.starts.isEmpty());
    assertEquals(WaitReason.HA_DISABLED, s.only(HaEvent.VmRestartWaiting.class).kind());
  }

  @Test
  void haIsSwitchedOnlyByTheListsOwner() {
    m.lockWritesSucceed = false;
    m.started();
    RequestId id = m.operate(cluster(false));
    assertFalse(m.reply(id).ok());
    assertFalse(m.reply(id).notFound());
    assertTrue(m.state.protectedList().ha().clusterEnabled());
  }

  // ---- retry

  @Test
  void aGivenUpVmIsRetriedWithItsAttemptsResetAndRecordedWithWhoAsked() {
    MasterScript s = new MasterScript("das.maxvmrestartcount = 1");
    s.protectOnHost2(VmProtection.defaults(), new VmProtection(RestartPriority.DISABLED, 0,
        VmProtection.defaults().ready(), Duration.ofSeconds(60), List.of()), true);
    s.host2CrashesAndIsJudgedDead();
    s.answerStart(false);
    assertTrue(s.stored.orElseThrow().vms().get("vm1").recovery().gaveUp());
    for (int t = 0; t < 3; t++) s.tick();
    assertTrue(s.starts.isEmpty());

    s.mark();
    RequestId id = s.operate(new Operation.Retry("vm1", "ops-token"));
    assertTrue(s.reply(id).ok(), s.reply(id).message());
    HaEvent.VmRetryAsked asked = s.only(HaEvent.VmRetryAsked.class);
    assertEquals("ops-token", asked.askedBy());
    assertEquals(1, asked.failedAttempts());
    assertEquals(ProtectedList.Recovery.NONE, s.stored.orElseThrow().vms().get("vm1").recovery(), "reset first");
    MasterEffect.PersistThenStart again = s.answerStart(true);
    assertEquals("vm1", again.vm().name());
    assertEquals(1, again.attempt(), "attempts counted from zero again");
  }

  @Test
  void aVmWaitingForItsRetryIsTriedAtOnce() {
    MasterScript s = new MasterScript("das.maxvmrestartcount = 5, vmha.restart.retry-base-delay = 600s");
    s.protectOnHost2(VmProtection.defaults(), new VmProtection(RestartPriority.DISABLED, 0,
        VmProtection.defaults().ready(), Duration.ofSeconds(60), List.of()), true);
    s.host2CrashesAndIsJudgedDead();
    s.answerStart(false);
    s.tick();
    assertTrue(s.starts.isEmpty(), "its retry waits 600 s");
    RequestId id = s.operate(new Operation.Retry("vm1", "ops-token"));
    assertTrue(s.reply(id).ok(), s.reply(id).message());
    assertEquals(1, s.answerStart(true).attempt());
  }

  @Test
  void retryingAnUnknownVmIsNotFoundAndARunningOneIsRefused() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    RequestId unknown = m.operate(new Operation.Retry("nosuch", "ops-token"));
    assertTrue(m.reply(unknown).notFound());
    RequestId running = m.operate(new Operation.Retry("vm1", "ops-token"));
    assertFalse(m.reply(running).ok());
    assertFalse(m.reply(running).notFound());
    assertTrue(m.reply(running).message().contains("runs at host2"), m.reply(running).message());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class), "nothing written");
    assertEquals(List.of(VM1, VM2).size(), m.state.protectedList().vms().size());
  }

  // ---- protect, unprotect, set

  private static ProtectionChange change(RestartPriority priority, Integer order, String... after) {
    return new ProtectionChange(Optional.ofNullable(priority), Optional.ofNullable(order), Optional.empty(),
        Optional.empty(), after.length == 0 ? Optional.empty() : Optional.of(List.of(after)), Optional.empty());
  }

  @Test
  void aRunningVmIsProtectedWhereItRunsAndThenRestartedWhenItsHostDies() {
    m.started();
    m.host2Running = List.of(VM1);
    m.tick();
    m.mark();
    RequestId id = m.operate(new Operation.Protect("vm1", change(RestartPriority.HIGH, 2), "ops-token"));
    ok(id);
    ProtectedList.Entry e = m.stored.orElseThrow().vms().get("vm1");
    assertEquals("host2", e.host());
    assertEquals(RestartPriority.HIGH, e.protection().priority());
    assertEquals(2, e.protection().order());
    assertEquals("host2", m.only(HaEvent.VmProtected.class).host());
    HaEvent.VmProtectionSet set = m.only(HaEvent.VmProtectionSet.class);
    assertTrue(set.newly());
    assertEquals("ops-token", set.askedBy());
    assertTrue(m.starts.isEmpty(), "it runs: nothing starts");
    m.host2CrashesAndIsJudgedDead();
    assertEquals("vm1", m.only(HaEvent.VmRestartPlanned.class).vm());
  }

  @Test
  void protectingAVmNoHostRunsIsNotFoundAndAProtectedOneIsAlreadyProtected() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    RequestId nowhere = m.operate(new Operation.Protect("vm9", ProtectionChange.NONE, "ops-token"));
    assertTrue(m.reply(nowhere).notFound(), m.reply(nowhere).message());
    RequestId again = m.operate(new Operation.Protect("vm1", ProtectionChange.NONE, "ops-token"));
    assertFalse(m.reply(again).ok());
    assertTrue(m.reply(again).alreadyProtected());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class));
  }

  @Test
  void settingADependencyThatClosesACycleIsRefusedNamingTheCycle() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    ok(m.operate(new Operation.SetProtection("vm1", change(null, null, "vm2"), "ops-token")));
    m.mark();
    RequestId cycle = m.operate(new Operation.SetProtection("vm2", change(null, null, "vm1"), "ops-token"));
    assertFalse(m.reply(cycle).ok());
    assertEquals(Optional.of("dependsOn"), m.reply(cycle).invalidField());
    assertTrue(m.reply(cycle).message().contains("vm2 -> vm1 -> vm2") || m.reply(cycle).message()
        .contains("vm1 -> vm2 -> vm1"), m.reply(cycle).message());
    RequestId unknownDep = m.operate(new Operation.SetProtection("vm2", change(null, null, "nosuch"), "ops-token"));
    assertEquals(Optional.of("dependsOn"), m.reply(unknownDep).invalidField());
    RequestId unknown = m.operate(new Operation.SetProtection("nosuch", change(RestartPriority.LOW, null),
        "ops-token"));
    assertTrue(m.reply(unknown).notFound());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class), "nothing written");
  }

  @Test
  void setChangesOnlyWhatItNamesAndKeepsWhereTheVmRuns() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    ok(m.operate(new Operation.SetProtection("vm1", change(RestartPriority.LOWEST, 3, "vm2"), "ops-token")));
    ProtectedList.Entry e = m.stored.orElseThrow().vms().get("vm1");
    assertEquals(new VmProtection(RestartPriority.LOWEST, 3, VmProtection.defaults().ready(),
        VmProtection.defaults().readyTimeout(), List.of("vm2")), e.protection());
    assertEquals("host2", e.host());
    assertFalse(m.only(HaEvent.VmProtectionSet.class).newly());
    RequestId same = m.operate(new Operation.SetProtection("vm1", change(RestartPriority.LOWEST, null), "ops-token"));
    assertTrue(m.reply(same).message().contains("nothing changed"), m.reply(same).message());
    RequestId isolation = m.operate(new Operation.SetProtection("vm1", new ProtectionChange(Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.of(dev.vmha.config.IsolationResponse.LEAVE_POWERED_ON)), "ops-token"));
    assertTrue(m.reply(isolation).message().endsWith("after vm2, isolation response leave-powered-on"),
        m.reply(isolation).message());
  }

  @Test
  void aVmOthersDependOnIsNotUnprotectedAndAnUnprotectedVmIsNotRestarted() {
    m.protectOnHost2(new VmProtection(RestartPriority.MEDIUM, 0, VmProtection.defaults().ready(),
        Duration.ofSeconds(60), List.of("vm2")), VmProtection.defaults(), true);
    m.mark();
    RequestId depended = m.operate(new Operation.Unprotect("vm2", "ops-token"));
    assertFalse(m.reply(depended).ok());
    assertTrue(m.reply(depended).message().startsWith("vm1 depends on vm2"), m.reply(depended).message());
    RequestId unknown = m.operate(new Operation.Unprotect("nosuch", "ops-token"));
    assertTrue(m.reply(unknown).notFound());
    ok(m.operate(new Operation.Unprotect("vm1", "ops-token")));
    assertEquals("host2", m.only(HaEvent.VmUnprotected.class).host());
    assertFalse(m.stored.orElseThrow().vms().containsKey("vm1"));
    m.host2CrashesAndIsJudgedDead();
    assertEquals(List.of("vm2"), m.events(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).toList(), "vm1 is not restarted");
  }

  @Test
  void aProtectThatCannotBeStoredIsRefusedAndPutBack() {
    m.started();
    m.host2Running = List.of(VM1);
    m.tick();
    m.listWritesSucceed = false;
    m.mark();
    RequestId id = m.operate(new Operation.Protect("vm1", ProtectionChange.NONE, "ops-token"));
    assertFalse(m.reply(id).ok());
    assertFalse(m.state.protectedList().vms().containsKey("vm1"), "put back");
    assertEquals(List.of(), m.events(HaEvent.VmProtectionSet.class));
  }

  // ---- move (maint22's live migration)

  @Test
  void aVmIsMovedByOneMigrationAnsweredWhenItEndsAndTheListFollowsIt() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    RequestId id = m.operate(new Operation.Move("vm1", "host3", "ops-token"));
    assertEquals(List.of(new MasterEffect.Migrate(VM1, "host2", "host3")), m.effects(MasterEffect.Migrate.class));
    assertTrue(m.effects(MasterEffect.Reply.class).isEmpty(), "answered when the migration ends");
    RequestId second = m.operate(new Operation.Move("vm2", "host1", "ops-token"));
    assertFalse(m.reply(second).ok());
    assertTrue(m.reply(second).message().contains("one at a time"), m.reply(second).message());

    m.in(new MasterInput.Migrated(new MigrationOutcome.Moved(VM1, "host2", "host3")));
    ok(id);
    assertTrue(m.only(HaEvent.VmMigrated.class).reason().contains("ops-token"));
    assertEquals("host3", m.stored.orElseThrow().vms().get("vm1").host(), "the list follows it");
  }

  @Test
  void aMoveThatFailsIsAnsweredWithWhereTheVmRuns() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    RequestId id = m.operate(new Operation.Move("vm1", "host3", "ops-token"));
    m.in(new MasterInput.Migrated(new MigrationOutcome.NotMoved(VM1, "host2", "host3", Optional.of("host2"),
        "host3 refused it")));
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().contains("runs at host2"), m.reply(id).message());
  }

  @Test
  void aMoveNamingAnUnknownHostOrVmIsNotFoundAndOneWithoutRoomIsRefused() {
    m.host3MemoryMb = 1024;
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    assertTrue(m.reply(m.operate(new Operation.Move("vm1", "host9", "ops-token"))).notFound());
    assertTrue(m.reply(m.operate(new Operation.Move("nosuch", "host3", "ops-token"))).notFound());
    RequestId full = m.operate(new Operation.Move("vm2", "host3", "ops-token"));
    assertFalse(m.reply(full).ok());
    assertTrue(m.reply(full).message().contains("no room at host3"), m.reply(full).message());
    ok(m.operate(host("host1", false)));
    RequestId disabled = m.operate(new Operation.Move("vm1", "host1", "ops-token"));
    assertTrue(m.reply(disabled).message().contains("HA is disabled for host1"), m.reply(disabled).message());
    assertEquals(List.of(), m.effects(MasterEffect.Migrate.class));
  }
}
