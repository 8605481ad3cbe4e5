package dev.vmha.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.alerts.Alert;
import dev.vmha.alerts.AlertRule;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.restart.ProtectionChange;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The master's capacity plan (issue 23), scripted: host1 (master) and host3 have 2048 MB each, host2 4096 MB; a VM
 * of 3000 MB at host2 fits on no survivor if host2 fails, so no plan exists for N = 1.
 */
class CapacityWatchTest {
  private static final VmSpec BIG = new VmSpec("big", 3000, 2);
  private static final VmProtection HIGH = new VmProtection(RestartPriority.HIGH, 2,
      VmProtection.defaults().ready(), VmProtection.defaults().readyTimeout(), List.of());

  private static MasterScript small(String overrides) {
    MasterScript s = new MasterScript(overrides);
    s.host1MemoryMb = 2048;
    s.host3MemoryMb = 2048;
    return s.started();
  }

  private static CapacityPlan plan(MasterScript s) {
    return s.status().capacity().orElseThrow(() -> new AssertionError("no plan in " + s.status()));
  }

  @Test
  void thePlanIsRecomputedOnlyWhenTheClusterChangesAndAChangedVerdictIsRecorded() {
    MasterScript s = small("");
    assertTrue(plan(s).ok(), plan(s).toString());
    assertTrue(s.only(HaEvent.CapacityPlanChanged.class).ok(), "the first plan of this master is recorded");
    CapacityPlan first = plan(s);
    for (int i = 0; i < 3; i++) s.tick();
    assertSame(first, plan(s), "beats that change nothing do not replan");

    s.mark();
    s.powerOnAtHost2(MasterScript.VM1, VmProtection.defaults());
    s.host2Running = List.of(MasterScript.VM1);
    s.tick();
    assertTrue(plan(s).ok(), "vm1 (1024 MB) fits on host1 if host2 fails: " + plan(s));
    assertEquals(2, plan(s).max().orElseThrow().failures(), "any two hosts may fail, not all three: " + plan(s));
    assertEquals(List.of(), s.events(HaEvent.CapacityPlanChanged.class), "the verdict did not change");

    s.mark();
    RequestId id = s.powerOn(BIG, "host2", HIGH);
    s.answerStart(true);
    MasterEffect.Reply r = s.reply(id);
    assertTrue(r.ok(), "admission = warn (the default): it goes ahead: " + r.message());
    assertTrue(r.message().contains("WARNING: powering big on at host2 would leave the cluster without room"),
        r.message());
    HaEvent.CapacityAdmission warned = s.only(HaEvent.CapacityAdmission.class);
    assertFalse(warned.refused());
    assertEquals(List.of("host2", List.of("big")), List.of(warned.host(), warned.vms()));
    s.host2Running = List.of(MasterScript.VM1, BIG);
    s.tick();
    CapacityPlan over = plan(s);
    assertFalse(over.ok(), over.toString());
    assertEquals(0, over.max().orElseThrow().failures());
    assertEquals(List.of(new CapacityPlan.Unplaced("big", "host2", RestartPriority.HIGH, List.of("host2"),
        over.wouldNotComeBack().get(0).why())), over.wouldNotComeBack());
    HaEvent.CapacityPlanChanged changed = s.only(HaEvent.CapacityPlanChanged.class);
    assertFalse(changed.ok());
    assertTrue(changed.describe().contains("OVERCOMMITTED") && changed.describe().contains("big (on host2)"),
        changed.describe());
    ClusterStatus.VmStatus big = s.status().vms().stream().filter(v -> v.name().equals("big")).findFirst()
        .orElseThrow();
    assertEquals(List.of(RestartPriority.HIGH, 2, 2, 3000L), List.of(big.protection().priority(), big.protection().order(), big.cpus(),
        big.memoryMb()), "priority, order and reservation in the status");

    s.mark();
    RequestId off = s.powerOff("big");
    MasterEffect.PowerOff p = s.powerOffs.poll();
    s.in(new MasterInput.PoweredOff(off, "big", p.host(), Optional.empty()));
    s.host2Running = List.of(MasterScript.VM1);
    s.tick();
    assertTrue(plan(s).ok(), plan(s).toString());
    assertTrue(s.only(HaEvent.CapacityPlanChanged.class).ok(), "the overcommit cleared");
  }

  @Test
  void aBeatThatChangesOnlyAHostsMemoryReplans() {
    MasterScript s = small("");
    CapacityPlan first = plan(s);
    s.tick();
    assertSame(first, plan(s), "the same beats keep the plan");
    s.host3MemoryMb = 1024;
    s.tick();
    assertNotSame(first, plan(s), "host3 reports less memory: the cluster the plan is of changed");
  }

  @Test
  void theOvercommitAlertIsRaisedOnceAndClearedWhenAPlanExistsAgain() {
    AlertRule rule = new AlertRule();
    MasterScript s = small("");
    s.powerOnAtHost2(BIG, HIGH);
    s.host2Running = List.of(BIG);
    s.tick();
    s.tick();
    s.powerOff("big");
    s.host2Running = List.of();
    s.tick();
    List<Alert.Kind> alerts = s.events(HaEvent.CapacityPlanChanged.class).stream()
        .flatMap(e -> rule.on(e).stream()).map(AlertRule.Raised::kind).toList();
    assertEquals(List.of(Alert.Kind.OVERCOMMITTED, Alert.Kind.OVERCOMMIT_CLEARED), alerts);
  }

  /**
   * A host loss replans: a (1500 MB) at host2 and b (1500 MB) at host3 leave a plan for one failure (host1 takes
   * either); host2 dies, a restarts at host1, the only host with room, and then neither survivor could take the
   * other's VM: the overcommit is recorded and alerted (OperatorClusterTest keeps the admission side on a cluster).
   */
  @Test
  void aHostLossThatLeavesNoRoomForTheNextFailureIsRecordedAsOvercommitted() {
    VmSpec a = new VmSpec("a", 1500, 1);
    VmSpec b = new VmSpec("b", 1500, 1);
    MasterScript s = small("vmha.capacity.admission = refuse");
    s.powerOnAtHost2(a, HIGH);
    s.host2Running = List.of(a);
    RequestId atHost3 = s.powerOn(b, "host3", HIGH);
    s.answerStart(true);
    assertTrue(s.reply(atHost3).ok(), s.reply(atHost3).message());
    s.host3Running = List.of(b);
    s.tick();
    assertTrue(plan(s).ok(), plan(s).toString());

    s.host2CrashesAndIsJudgedDead();
    for (int i = 0; i < 5 && s.starts.isEmpty(); i++) s.tick();
    MasterEffect.PersistThenStart restart = s.answerStart(true);
    assertEquals(List.of("a", "host1"), List.of(restart.vm().name(), restart.hosts().get(0)));
    s.host1Running = List.of(a);
    s.tick();
    CapacityPlan over = plan(s);
    assertFalse(over.ok(), over.toString());
    HaEvent.CapacityPlanChanged changed = s.events(HaEvent.CapacityPlanChanged.class).stream()
        .reduce((x, y) -> y).orElseThrow(() -> new AssertionError("no plan change recorded: " + s.since()));
    assertFalse(changed.ok(), changed.describe());
    AlertRule.Raised raised = new AlertRule().on(changed).orElseThrow();
    assertEquals(Alert.Kind.OVERCOMMITTED, raised.kind());
    assertTrue(raised.message().contains("OVERCOMMITTED") && raised.message().contains("would not come back"),
        raised.message());
  }

  @Test
  void admissionRefusePowersNothingOnAndSaysWhichFailureLeavesWhichVmWithoutRoom() {
    MasterScript s = small("vmha.capacity.admission = refuse");
    long version = s.state.protectedList().version();
    s.mark();
    RequestId id = s.powerOn(BIG, "host2", HIGH);
    MasterEffect.Reply r = s.reply(id);
    assertFalse(r.ok());
    assertTrue(r.message().contains("big not powered on: powering big on at host2 would leave the cluster without"
        + " room"), r.message());
    assertTrue(r.message().contains("if host2 failed, big (on host2) would not come back: no surviving host has room:"
        + " needs 3000 MB"), r.message());
    assertTrue(s.starts.isEmpty(), "nothing started");
    assertEquals(version, s.state.protectedList().version(), "nothing protected");
    assertTrue(s.only(HaEvent.CapacityAdmission.class).refused());

    RequestId fits = s.powerOn(MasterScript.VM1, "host2", VmProtection.defaults());
    s.answerStart(true);
    assertTrue(s.reply(fits).ok() && !s.reply(fits).message().contains("WARNING"), s.reply(fits).message());
  }

  @Test
  void withThePolicyDisabledNothingIsJudgedOrRecorded() {
    MasterScript s = small("vmha.capacity.policy = disabled, vmha.capacity.admission = refuse");
    s.powerOnAtHost2(BIG, HIGH);
    s.host2Running = List.of(BIG);
    s.tick();
    assertTrue(plan(s).ok());
    assertEquals(Optional.empty(), plan(s).max());
    assertEquals(List.of(), s.events(HaEvent.CapacityPlanChanged.class));
    assertEquals(List.of(), s.events(HaEvent.CapacityAdmission.class));
  }

  /** Protecting a running VM is judged as a power-on is (issue 22's protect through issue 23's admission). */
  @Test
  void protectingARunningVmThatWouldBreakThePolicyIsRefusedOrWarnedAbout() {
    for (String admission : List.of("refuse", "warn")) {
      MasterScript s = small("vmha.capacity.admission = " + admission);
      s.host2Running = List.of(BIG);
      s.tick();
      long version = s.state.protectedList().version();
      s.mark();
      RequestId id = s.operate(new Operation.Protect("big", new ProtectionChange(Optional.of(RestartPriority.HIGH),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), "ops-token"));
      boolean refused = admission.equals("refuse");
      if (refused) {
        MasterEffect.Reply r = s.reply(id);
        assertFalse(r.ok());
        assertTrue(r.message().contains("big not protected: protecting big at host2 would leave the cluster without"
            + " room"), r.message());
        assertEquals(version, s.state.protectedList().version(), "nothing protected");
      } else {
        MasterEffect.Reply r = s.reply(id);
        assertTrue(r.ok() && r.message().contains("; WARNING: protecting big at host2"), r.message());
      }
      HaEvent.CapacityAdmission e = s.only(HaEvent.CapacityAdmission.class);
      assertEquals(List.of("protect", List.of("big"), refused), List.of(e.operation(), e.vms(), e.refused()));
    }
  }

  /**
   * host1 (2048 MB) runs an unprotected VM of 1536 MB, vm2 (2048 MB, high) runs at host2: only host3 (2048 MB free)
   * takes vm2 if host2 fails. Without host3 no plan exists; without host2, whose drain moves vm2 to host3, nothing
   * takes vm2 if host3 fails.
   */
  private static MasterScript vm2CoveredByHost3Only(String admission) {
    MasterScript s = small("vmha.capacity.admission = " + admission);
    s.host1Running = List.of(new VmSpec("other", 1536, 1));
    s.powerOnAtHost2(MasterScript.VM2, HIGH);
    s.host2Running = List.of(MasterScript.VM2);
    s.tick();
    assertTrue(plan(s).ok(), plan(s).toString());
    return s;
  }

  @Test
  void enteringMaintenanceThatLeavesNoPlanIsRefusedNamingTheFailureAndTheVmOrWarnedAbout() {
    MasterScript s = vm2CoveredByHost3Only("refuse");
    long version = s.state.protectedList().version();
    s.mark();
    RequestId id = s.maintenance("host3", true, "alice");
    MasterEffect.Reply r = s.reply(id);
    assertFalse(r.ok(), r.message());
    assertTrue(r.message().startsWith("host host3 not put in maintenance: putting host host3 in maintenance would"
        + " leave the cluster without room for its failovers"), r.message());
    assertTrue(r.message().contains("if host2 failed, vm2 (on host2) would not come back"), r.message());
    assertEquals(version, s.state.protectedList().version(), "nothing stored");
    assertEquals(MaintenanceMode.NONE, s.state.protectedList().maintenanceOf("host3"));
    HaEvent.CapacityAdmission e = s.only(HaEvent.CapacityAdmission.class);
    assertEquals(List.of("enter-maintenance", "host3", List.of("vm2"), true),
        List.of(e.operation(), e.host(), e.vms(), e.refused()));

    s.mark();
    MasterEffect.Reply drained = s.reply(s.maintenance("host2", true, "alice"));
    assertFalse(drained.ok(), drained.message());
    assertTrue(drained.message().contains("if host3 failed, vm2 (on host3) would not come back"),
        "judged after the drain, which moves vm2 to host3: " + drained.message());

    MasterScript warn = vm2CoveredByHost3Only("warn");
    warn.mark();
    RequestId w = warn.maintenance("host3", true, "alice");
    MasterEffect.Reply ok = warn.reply(w);
    assertTrue(ok.ok() && ok.message().contains("; WARNING: putting host host3 in maintenance would leave"),
        ok.message());
    assertEquals(MaintenanceMode.IN_MAINTENANCE, warn.stored.orElseThrow().maintenanceOf("host3"),
        "host3 runs nothing: it is in maintenance at once");
    assertFalse(warn.only(HaEvent.CapacityAdmission.class).refused());
  }

  /**
   * A host fenced for a moment (its report says so: it is no restart target, and the plan of now leaves its VMs
   * out) is judged as it will be drained once it is back: the VM it holds is not forgotten (a CI run on an idle
   * machine saw a drain allowed that way, which then overcommitted the cluster).
   */
  @Test
  void enteringMaintenanceOfAHostFencedForAMomentCountsTheVmsItHolds() {
    MasterScript s = vm2CoveredByHost3Only("refuse");
    s.host2Fenced = true;
    s.tick();
    s.mark();
    MasterEffect.Reply r = s.reply(s.maintenance("host2", true, "alice"));
    assertFalse(r.ok(), r.message());
    assertTrue(r.message().contains("if host3 failed, vm2 (on host3) would not come back"),
        "judged after the drain, which moves vm2 to host3: " + r.message());
    assertEquals(MaintenanceMode.NONE, s.state.protectedList().maintenanceOf("host2"));
  }

  @Test
  void enteringMaintenanceThatKeepsAPlanIsAllowedAndAHostInMaintenanceIsNoUpHost() {
    MasterScript s = small("vmha.capacity.admission = refuse");
    s.powerOnAtHost2(MasterScript.VM1, HIGH);
    s.host2Running = List.of(MasterScript.VM1);
    s.tick();
    s.mark();
    MasterEffect.Reply r = s.reply(s.maintenance("host3", true, "alice"));
    assertTrue(r.ok() && !r.message().contains("WARNING"), r.message());
    assertEquals(List.of(), s.events(HaEvent.CapacityAdmission.class));
    s.tick();
    s.tick();
    assertEquals(MaintenanceMode.IN_MAINTENANCE, s.stored.orElseThrow().maintenanceOf("host3"));
    assertEquals(1, plan(s).max().orElseThrow().failures(),
        "either of host1 and host2 may fail, not both: " + plan(s));
  }

  /**
   * vmha has no operation that changes a VM's memory or CPUs; the reservation an operator raises is what a VM is
   * owed: a best-effort VM given a restarted priority. vm1 (1024 MB, best-effort) beside vm2 at host2 fits nowhere
   * once host3 took vm2, which is fine while it is owed nothing.
   */
  @Test
  void raisingABestEffortVmToARestartedPriorityIsJudgedByAdmission() {
    MasterScript s = vm2CoveredByHost3Only("refuse");
    VmProtection bestEffort = new VmProtection(RestartPriority.BEST_EFFORT, 0, VmProtection.defaults().ready(),
        VmProtection.defaults().readyTimeout(), List.of());
    s.powerOnAtHost2(MasterScript.VM1, bestEffort);
    s.host2Running = List.of(MasterScript.VM2, MasterScript.VM1);
    s.tick();
    s.mark();
    ProtectionChange high = new ProtectionChange(Optional.of(RestartPriority.HIGH), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    ProtectionChange lowest = new ProtectionChange(Optional.of(RestartPriority.LOWEST), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    MasterEffect.Reply order = s.reply(s.operate(new Operation.SetProtection("vm1", new ProtectionChange(
        Optional.empty(), Optional.of(3), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()),
        "ops")));
    assertTrue(order.ok(), "a best-effort VM's order asks for no room: " + order.message());
    MasterEffect.Reply r = s.reply(s.operate(new Operation.SetProtection("vm1", lowest, "ops")));
    assertFalse(r.ok(), r.message());
    assertTrue(r.message().startsWith("vm1 not changed: restarting vm1 with priority lowest would leave the cluster"
        + " without room"), r.message());
    assertEquals(RestartPriority.BEST_EFFORT, s.state.protectedList().vms().get("vm1").protection().priority());
    HaEvent.CapacityAdmission e = s.only(HaEvent.CapacityAdmission.class);
    assertEquals(List.of("set-protection", "host2", List.of("vm1"), true),
        List.of(e.operation(), e.host(), e.vms(), e.refused()));
    assertTrue(s.reply(s.operate(new Operation.SetProtection("vm2", high, "ops"))).ok(),
        "a VM owed room already is not judged again");
  }

  /**
   * web (256 MB, high), placed by the master: host2 first (2048 MB free), then host3 and host1. At host3 it would
   * take the room vm2 needs after host2's failure; under refuse that fallback is not tried, and a power-on that lands
   * on a fallback is judged again there.
   */
  @Test
  void aPowerOnThatFallsBackToAnotherHostIsJudgedWhereItLands() {
    VmSpec web = new VmSpec("web", 256, 1);
    MasterScript refuse = vm2CoveredByHost3Only("refuse");
    refuse.powerOn(web, null, HIGH);
    assertEquals(List.of("host2", "host1"), refuse.starts.poll().hosts(), "host3 is not tried");

    MasterScript warn = vm2CoveredByHost3Only("warn");
    RequestId id = warn.powerOn(web, null, HIGH);
    MasterEffect.PersistThenStart start = warn.starts.poll();
    assertEquals(List.of("host2", "host3", "host1"), start.hosts());
    assertTrue(warn.events(HaEvent.CapacityAdmission.class).isEmpty(), "host2 breaks nothing");
    warn.mark();
    warn.in(new MasterInput.Restarted(new RestartOutcome.Started(web, "host3")));
    MasterEffect.Reply r = warn.reply(id);
    assertTrue(r.ok() && r.message().startsWith("web powered on at host3 and protected; WARNING: powering web on at"
        + " host3 (it did not start at host2) would leave the cluster without room"), r.message());
    assertTrue(r.message().contains("if host2 failed, vm2 (on host2) would not come back"), r.message());
    HaEvent.CapacityAdmission e = warn.only(HaEvent.CapacityAdmission.class);
    assertEquals(List.of("power-on", "host3", List.of("web"), false),
        List.of(e.operation(), e.host(), e.vms(), e.refused()));

    MasterScript fine = vm2CoveredByHost3Only("warn");
    RequestId ok = fine.powerOn(web, null, HIGH);
    fine.in(new MasterInput.Restarted(new RestartOutcome.Started(web, fine.starts.poll().hosts().get(2))));
    assertEquals("web powered on at host1 and protected", fine.reply(ok).message(), "host1 breaks nothing");
  }

  /**
   * The planner runs off the master's step: a change asks for a plan of the new cluster version, one run at a time;
   * the last plan stays until it is answered, and admission says when it judges against a stale one. A run that
   * fails (or times out) is not asked again for the same version; the next change is planned.
   */
  @Test
  void planningIsAnEffectAnsweredByAnInputAndAdmissionSaysWhenThePlanIsStale() {
    MasterScript s = small("vmha.capacity.admission = refuse");
    CapacityPlan first = plan(s);
    long version = s.state.capacity().planFor();
    s.answerPlans = false;
    s.mark();
    s.powerOnAtHost2(MasterScript.VM1, HIGH);
    s.host2Running = List.of(MasterScript.VM1);
    s.tick();
    assertEquals(1, s.plans.size(), "one run out at a time: " + s.plans);
    MasterEffect.Plan out = s.plans.peek();
    assertTrue(out.version() > version && out.cluster().vms().stream().anyMatch(v -> v.name().equals("vm1")),
        out.toString());
    assertSame(first, plan(s), "the last plan stays until the run answers");

    RequestId id = s.powerOn(BIG, "host2", HIGH);
    MasterEffect.Reply r = s.reply(id);
    assertFalse(r.ok());
    assertTrue(r.message().endsWith("(the master's last plan is stale: it is of cluster version " + version
        + ", the cluster has changed since)"), r.message());

    s.mark();
    s.in(new MasterInput.PlanFailed(s.plans.poll().version(), "no plan within vmha.capacity.plan-timeout = 30 s"));
    assertEquals(1, s.effects(MasterEffect.Log.class).stream().filter(l -> l.warn()
        && l.message().contains("not computed: no plan within")).count(), s.since().toString());
    s.tick();
    assertTrue(s.plans.isEmpty(), "a failed version is not planned again: " + s.plans);

    s.powerOff("vm1");
    MasterEffect.PowerOff off = s.powerOffs.poll();
    s.in(new MasterInput.PoweredOff(off.request(), "vm1", off.host(), Optional.empty()));
    s.host2Running = List.of();
    s.tick();
    MasterEffect.Plan next = s.plans.poll();
    assertTrue(next != null && next.version() > out.version(), "a change is planned again: " + next);
    s.in(new MasterInput.Planned(next.version(), CapacityPlan.of(next.cluster(), next.settings())));
    assertEquals(next.version(), s.state.capacity().planFor());
    assertTrue(plan(s).ok(), plan(s).toString());
  }
}
