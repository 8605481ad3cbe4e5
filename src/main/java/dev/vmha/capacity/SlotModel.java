package dev.vmha.capacity;

import dev.vmha.config.CapacitySettings;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vSphere's slot policy (seed 003, MISSION §4): a slot is as large as the largest protected VM's memory and CPU
 * reservation, at least das.vmMemoryMinMB and das.vmCpuMinMHz, at most das.slotMemInMB and das.slotCpuInMHz (0: no
 * cap; a VM larger than a capped slot takes several). Each up host holds as many slots as its capacity fits; the
 * cluster tolerates N failures when the slots left after the N hosts with the most slots fail hold every protected
 * VM. Host CPU 0 (not known) or a 0 MHz slot: CPU does not limit the slots. Pure.
 */
public final class SlotModel {
  private SlotModel() {}

  /**
   * @param slotsPerHost each up host's slots, in host order
   * @param slotsAfterFailures slots left after the {@code failures} hosts with the most slots fail
   * @param failoverCapacity the largest N whose worst failure leaves enough slots
   */
  public record Slots(long slotMemoryMb, long slotCpuMhz, Map<String, Long> slotsPerHost, long totalSlots,
      long usedSlots, int failures, long slotsAfterFailures, int failoverCapacity) {
    public boolean covered() {
      return slotsAfterFailures >= usedSlots;
    }
  }

  public static Slots judge(Cluster c, CapacitySettings.SlotOptions o, int failures) {
    List<Cluster.Host> up = c.hosts().stream().filter(h -> h.state() == Cluster.HostState.UP)
        .sorted(Comparator.comparing(Cluster.Host::id, dev.vmha.HostIdOrder.INSTANCE)).toList();
    List<Cluster.Vm> owed = c.vms().stream().filter(Cluster.Vm::isProtected)
        .filter(v -> up.stream().anyMatch(h -> h.id().equals(v.host()))).toList();
    long mem = capped(Math.max(o.vmMemoryMinMb(), owed.stream().mapToLong(Cluster.Vm::memoryMb).max().orElse(0)),
        o.slotMemCapMb());
    long cpu = capped(Math.max(o.vmCpuMinMhz(), owed.stream().mapToLong(Cluster.Vm::cpuMhz).max().orElse(0)),
        o.slotCpuCapMhz());
    Map<String, Long> perHost = new LinkedHashMap<>();
    for (Cluster.Host h : up) {
      long slots = h.memoryMb() / mem;
      if (h.cpuMhz() > 0 && cpu > 0) slots = Math.min(slots, h.cpuMhz() / cpu);
      perHost.put(h.id(), slots);
    }
    long used = owed.stream().mapToLong(v -> Math.max(ceil(v.memoryMb(), mem), cpu > 0 ? ceil(v.cpuMhz(), cpu) : 1))
        .map(s -> Math.max(s, 1)).sum();
    List<Long> most = perHost.values().stream().sorted(Comparator.reverseOrder()).toList();
    long total = most.stream().mapToLong(Long::longValue).sum();
    long after = total;
    for (int i = 0; i < Math.min(failures, most.size()); i++) after -= most.get(i);
    if (failures > most.size()) after = 0;
    int capacity = 0;
    long left = total;
    for (long s : most) {
      if (left - s < used) break;
      left -= s;
      capacity++;
    }
    return new Slots(mem, cpu, perHost, total, used, failures, after, capacity);
  }

  private static long capped(long v, long cap) {
    return cap > 0 ? Math.min(v, cap) : v;
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }
}
