package dev.vmha.restart;

import dev.vmha.HostIdOrder;
import dev.vmha.hypervisor.VmSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses hosts for VMs that need one: each VM, in the order given, goes to the host with the most free memory
 * that can hold it (spreading load), ties to the lower host id (host2 before host10); the other hosts that still fit it follow as
 * fallbacks. Running VMs are never moved to make room. Pure.
 */
public final class Placement {

  public record HostCapacity(String hostId, long freeMemoryMb) {}

  /** A VM's target host first, then fallbacks, best first. */
  public record Assignment(VmSpec vm, List<String> hosts) {
    public String target() {
      return hosts.get(0);
    }
  }

  /** The placed VMs in the order given, and those no host has room for. */
  public record Plan(List<Assignment> placed, List<VmSpec> unplaced) {}

  private Placement() {}

  public static Plan place(List<VmSpec> vms, List<HostCapacity> hosts) {
    Map<String, Long> free = new LinkedHashMap<>();
    for (HostCapacity h : hosts) free.put(h.hostId(), h.freeMemoryMb());
    Comparator<Map.Entry<String, Long>> best = Map.Entry.<String, Long>comparingByValue().reversed()
        .thenComparing(Map.Entry.comparingByKey(HostIdOrder.INSTANCE));
    List<Assignment> placed = new ArrayList<>();
    List<VmSpec> unplaced = new ArrayList<>();
    for (VmSpec vm : vms) {
      List<String> fits = free.entrySet().stream()
          .filter(e -> e.getValue() >= vm.memoryMb())
          .sorted(best)
          .map(Map.Entry::getKey)
          .toList();
      if (fits.isEmpty()) {
        unplaced.add(vm);
      } else {
        free.merge(fits.get(0), -vm.memoryMb(), Long::sum);
        placed.add(new Assignment(vm, fits));
      }
    }
    return new Plan(placed, unplaced);
  }
}
