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
import dev.vmha.restart.ProtectionChange;
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
    assertEquals("big", warned.vm());
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
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), "ops-token"));
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
      assertEquals(List.of("protect", "big", refused), List.of(e.operation(), e.vm(), e.refused()));
    }
  }
}
