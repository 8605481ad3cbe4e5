package dev.vmha.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.Placement.Assignment;
import dev.vmha.restart.Placement.HostCapacity;
import dev.vmha.restart.Placement.Plan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

  private static VmSpec vm(String name, long mb) {
    return new VmSpec(name, mb, 1);
  }

  private static HostCapacity host(String id, long freeMb) {
    return new HostCapacity(id, freeMb);
  }

  private static List<String> targets(Plan p) {
    return p.placed().stream().map(Assignment::target).toList();
  }

  @Test
  void mostFreeMemoryFirstThenFallbacksBestFirst() {
    Plan p = Placement.place(List.of(vm("vm1", 1000)),
        List.of(host("h1", 2000), host("h2", 8000), host("h3", 4000), host("h4", 500)));
    assertEquals(1, p.placed().size());
    Assignment a = p.placed().get(0);
    assertEquals(vm("vm1", 1000), a.vm());
    assertEquals("h2", a.target());
    assertEquals(List.of("h2", "h3", "h1"), a.hosts(), "h4 cannot hold the VM and is no fallback");
    assertEquals(List.of(), p.unplaced());
  }

  @Test
  void tiesGoToLowerHostId() {
    Plan p = Placement.place(List.of(vm("vm1", 100)),
        List.of(host("hc", 4000), host("ha", 4000), host("hb", 4000), host("hz", 1000)));
    assertEquals(List.of("ha", "hb", "hc", "hz"), p.placed().get(0).hosts());
  }

  @Test
  void freeMemoryIsDecrementedAsVmsArePlaced() {
    // h1 4000, h2 3000: vm1 (2000) -> h1 (2000 left); vm2 (1500) -> h2 (1500 left); vm3 (1000) -> h1, which has
    // more left (1000 left); vm4 (1500) -> h2, the only fit (0 left); vm5 (1000) -> h1, the only fit (0 left)
    Plan p = Placement.place(
        List.of(vm("vm1", 2000), vm("vm2", 1500), vm("vm3", 1000), vm("vm4", 1500), vm("vm5", 1000)),
        List.of(host("h1", 4000), host("h2", 3000)));
    assertEquals(List.of("h1", "h2", "h1", "h2", "h1"), targets(p));
    assertEquals(List.of("h1", "h2"), p.placed().get(0).hosts());
    assertEquals(List.of("h2", "h1"), p.placed().get(1).hosts());
    assertEquals(List.of("h1", "h2"), p.placed().get(2).hosts());
    assertEquals(List.of("h2"), p.placed().get(3).hosts(), "h1 has 1000 left: no fallback");
    assertEquals(List.of("h1"), p.placed().get(4).hosts());
    assertEquals(List.of(), p.unplaced());
  }

  @Test
  void loadIsSpreadAcrossEqualHosts() {
    List<VmSpec> vms = new ArrayList<>();
    for (int i = 1; i <= 6; i++) vms.add(vm("vm" + i, 1000));
    Plan p = Placement.place(vms, List.of(host("h1", 10000), host("h2", 10000), host("h3", 10000)));
    assertEquals(List.of("h1", "h2", "h3", "h1", "h2", "h3"), targets(p));
  }

  @Test
  void vmsThatFitNowhereAreUnplacedAndSmallerOnesStillPlaced() {
    Plan p = Placement.place(
        List.of(vm("big", 5000), vm("small", 1000), vm("huge", 100000), vm("medium", 2500), vm("tiny", 1)),
        List.of(host("h1", 3000), host("h2", 1000)));
    // big: nowhere. small -> h1 (2000 left). huge: nowhere. medium 2500: h1 2000, h2 1000 -> nowhere. tiny -> h1.
    assertEquals(List.of(vm("big", 5000), vm("huge", 100000), vm("medium", 2500)), p.unplaced());
    assertEquals(List.of("small", "tiny"), p.placed().stream().map(a -> a.vm().name()).toList());
    assertEquals(List.of("h1", "h1"), targets(p));
    assertEquals(List.of("h1", "h2"), p.placed().get(0).hosts());
    assertEquals(List.of("h1", "h2"), p.placed().get(1).hosts(), "h1 has 2000 left, h2 1000");
  }

  @Test
  void placedKeepsTheOrderGiven() {
    Plan p = Placement.place(List.of(vm("z", 10), vm("a", 10), vm("m", 10)), List.of(host("h1", 100)));
    assertEquals(List.of("z", "a", "m"), p.placed().stream().map(a -> a.vm().name()).toList());
  }

  @Test
  void noHostsMeansEverythingUnplaced() {
    List<VmSpec> vms = List.of(vm("vm1", 1), vm("vm2", 2));
    Plan p = Placement.place(vms, List.of());
    assertEquals(List.of(), p.placed());
    assertEquals(vms, p.unplaced());
  }

  @Test
  void noVmsMeansEmptyPlan() {
    Plan p = Placement.place(List.of(), List.of(host("h1", 100)));
    assertEquals(new Plan(List.of(), List.of()), p);
  }

  @Test
  void exactFitIsPlacedAndLeavesNothing() {
    Plan p = Placement.place(List.of(vm("vm1", 4096), vm("vm2", 1)), List.of(host("h1", 4096)));
    assertEquals(List.of("h1"), targets(p));
    assertEquals(List.of(vm("vm2", 1)), p.unplaced());
  }

  @Test
  void hostWithNoFreeMemoryIsNeverChosen() {
    Plan p = Placement.place(List.of(vm("vm1", 1)), List.of(host("h0", 0), host("h1", 1)));
    assertEquals(List.of("h1"), p.placed().get(0).hosts());
  }

  @Test
  void inputsAreNotModified() {
    List<HostCapacity> hosts = List.of(host("h1", 1000));
    Placement.place(List.of(vm("vm1", 600)), hosts);
    Plan again = Placement.place(List.of(vm("vm1", 600)), hosts);
    assertEquals(List.of("h1"), targets(again));
    assertTrue(again.unplaced().isEmpty());
  }
}
