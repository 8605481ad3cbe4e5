package dev.vmha.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.capacity.Cluster.Host;
import dev.vmha.capacity.Cluster.HostState;
import dev.vmha.capacity.Cluster.Vm;
import dev.vmha.config.CapacitySettings;
import dev.vmha.config.CapacitySettings.Admission;
import dev.vmha.config.CapacitySettings.Model;
import dev.vmha.config.CapacitySettings.Policy;
import dev.vmha.config.CapacitySettings.SlotOptions;
import dev.vmha.restart.RestartPriority;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each policy's verdict and its edge cases (the failover plan itself: FailoverPlannerTest). */
class CapacityCheckTest {
  private static final SlotOptions SEED_003 = new SlotOptions(256, 32, 0, 0);

  private static CapacitySettings policy(Policy p, int n, Model m, SlotOptions slots, List<String> failoverHosts) {
    return new CapacitySettings(p, n, m, slots, 25, 25, failoverHosts, Admission.WARN,
        java.time.Duration.ofSeconds(30));
  }

  private static Vm vm(String name, long mb, long mhz, String host, RestartPriority p) {
    return new Vm(name, mb, mhz, host, p, 0);
  }

  @Test
  void slotsAreTheLargestProtectedReservationAtLeastTheMinimumsAndBestEffortIsNotCounted() {
    Cluster c = new Cluster(List.of(new Host("h1", 8192, 4096, 0, HostState.UP), new Host("h2", 8192, 8192, 0, HostState.UP),
        new Host("h3", 8192, 8192, 0, HostState.MAINTENANCE)),
        List.of(vm("a", 1024, 0, "h1", RestartPriority.HIGH), vm("b", 1024, 0, "h1", RestartPriority.MEDIUM),
            vm("big", 2048, 0, "h1", RestartPriority.BEST_EFFORT)), Optional.empty());
    SlotModel.Slots s = SlotModel.judge(c, SEED_003, 1);
    assertEquals(1024, s.slotMemoryMb(), "the best-effort 2 GB VM does not size the slot");
    assertEquals(32, s.slotCpuMhz(), "no VM reserves CPU: the minimum");
    assertEquals(Map.of("h1", 8L, "h2", 8L), s.slotsPerHost(), "the host in maintenance has no slots");
    assertEquals(2, s.usedSlots());
    assertEquals(8, s.slotsAfterFailures());
    assertTrue(s.covered());
    assertEquals(1, s.failoverCapacity(), "both hosts failing leaves no slot");
    assertEquals(256, SlotModel.judge(new Cluster(c.hosts(), List.of(), Optional.empty()), SEED_003, 1).slotMemoryMb(),
        "no protected VM: the minimum");
  }

  @Test
  void aCappedSlotMakesALargeVmTakeSeveralAndHostCpuLimitsSlots() {
    Cluster c = new Cluster(List.of(new Host("h1", 16384, 0, 2000, HostState.UP), new Host("h2", 16384, 16384, 4000, HostState.UP)),
        List.of(vm("db", 8192, 1500, "h1", RestartPriority.HIGH), vm("web", 1024, 100, "h1", RestartPriority.MEDIUM)),
        Optional.empty());
    SlotModel.Slots s = SlotModel.judge(c, new SlotOptions(256, 32, 2048, 500), 1);
    assertEquals(2048, s.slotMemoryMb(), "capped at das.slotMemInMB");
    assertEquals(500, s.slotCpuMhz(), "capped at das.slotCpuInMHz");
    assertEquals(Map.of("h1", 4L, "h2", 8L), s.slotsPerHost(), "h1: 2000 MHz / 500 = 4 (memory would give 8)");
    assertEquals(4 + 1, s.usedSlots(), "db takes 4 slots (8192 / 2048; 1500 / 500 = 3), web 1");
    assertEquals(4, s.slotsAfterFailures(), "the host with the most slots (h2, 8) fails");
    assertFalse(s.covered());
    assertEquals(0, s.failoverCapacity());
    CapacityCheck.Report r = CapacityCheck.judge(c, policy(Policy.HOST_FAILURES, 1, Model.SLOTS,
        new SlotOptions(256, 32, 2048, 500), List.of()));
    assertFalse(r.ok());
    assertEquals(List.of("5 slots are used but only 4 are left after 1 host failures (slot 2048 MB, 500 MHz)"),
        r.violations());
    assertTrue(r.plan().isEmpty(), "the slot model decides alone");
  }

  @Test
  void percentageJudgesMemoryAndCpuOnlyWhenTheHostsCpuIsKnown() {
    List<Host> hosts = List.of(new Host("h1", 1000, 200, 1000, HostState.UP), new Host("h2", 1000, 300, 1000, HostState.UP));
    Cluster known = new Cluster(hosts, List.of(vm("a", 800, 1600, "h1", RestartPriority.MEDIUM)), Optional.empty());
    CapacityCheck.Report r = CapacityCheck.judge(known, policy(Policy.PERCENTAGE, 1, Model.PLAN, SEED_003, List.of()));
    assertEquals(25.0, r.reserve().orElseThrow().memoryFreePercent());
    assertEquals(20.0, r.reserve().get().cpuFreePercent().getAsDouble());
    assertFalse(r.ok());
    assertEquals(List.of("20.0 % of the up hosts' CPU is free, 25 % is reserved for failovers"
        + " (vmha.capacity.percentage.cpu)"), r.violations(), "25 % memory free meets a 25 % reserve");
    Cluster unknown = new Cluster(List.of(hosts.get(0), new Host("h2", 1000, 300, 0, HostState.UP)), known.vms(),
        Optional.empty());
    CapacityCheck.Report u = CapacityCheck.judge(unknown, policy(Policy.PERCENTAGE, 1, Model.PLAN, SEED_003, List.of()));
    assertTrue(u.reserve().orElseThrow().cpuFreePercent().isEmpty());
    assertTrue(u.ok());
  }

  @Test
  void failoverHostsMustBeUpAndEmptyAndCoverAnyOneFailure() {
    Cluster c = new Cluster(List.of(new Host("h1", 4096, 1024, 0, HostState.UP), new Host("h2", 4096, 3072, 0, HostState.UP),
        new Host("spare1", 4096, 4096, 0, HostState.UP), new Host("spare2", 4096, 4096, 0, HostState.DOWN)),
        List.of(vm("a", 3072, 0, "h1", RestartPriority.MEDIUM), vm("b", 1024, 0, "h2", RestartPriority.MEDIUM)),
        Optional.empty());
    CapacityCheck.Report ok = CapacityCheck.judge(c, policy(Policy.FAILOVER_HOSTS, 1, Model.PLAN, SEED_003, List.of("spare1")));
    assertTrue(ok.ok(), ok.violations().toString());
    CapacityCheck.Report bad = CapacityCheck.judge(c, policy(Policy.FAILOVER_HOSTS, 1, Model.PLAN, SEED_003,
        List.of("spare1", "spare2", "h2", "nohost")));
    assertEquals(List.of("failover host spare2 is down", "failover host h2 runs VMs (b); it takes none until a failover",
        "failover host nohost is not in the cluster"), bad.violations());
  }

  @Test
  void disabledJudgesNothing() {
    Cluster full = new Cluster(List.of(new Host("h1", 1024, 0, 0, HostState.UP)),
        List.of(vm("a", 1024, 0, "h1", RestartPriority.HIGHEST)), Optional.empty());
    CapacityCheck.Report r = CapacityCheck.judge(full, policy(Policy.DISABLED, 1, Model.PLAN, SEED_003, List.of()));
    assertTrue(r.ok());
    assertTrue(r.plan().isEmpty() && r.slots().isEmpty() && r.reserve().isEmpty());
    assertFalse(CapacityCheck.judge(full, policy(Policy.HOST_FAILURES, 1, Model.PLAN, SEED_003, List.of())).ok());
  }
}
