package dev.vmha.capacity;

import dev.vmha.config.CapacitySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Judges the cluster against its capacity policy (vmha.capacity): whether the spare room it promises is there, and
 * why not. Pure: the same cluster and settings give the same report.
 */
public final class CapacityCheck {
  private CapacityCheck() {}

  /**
   * Percent of the up hosts' memory and CPU free now (vSphere's current failover capacity); CPU empty when the hosts'
   * CPU is not known.
   */
  public record Reserve(double memoryFreePercent, OptionalDouble cpuFreePercent, int memoryPercent, int cpuPercent) {
    public boolean covered() {
      return memoryFreePercent >= memoryPercent
          && (cpuFreePercent.isEmpty() || cpuFreePercent.getAsDouble() >= cpuPercent);
    }
  }

  /**
   * @param ok the policy's promise holds
   * @param plan the failover plan (host-failures with the plan model; failover-hosts: any one failure)
   * @param slots the slot model (host-failures)
   * @param reserve the free share (percentage)
   * @param violations what breaks the policy, in words
   */
  public record Report(CapacitySettings.Policy policy, boolean ok, Optional<FailoverPlanner.Verdict> plan,
      Optional<SlotModel.Slots> slots, Optional<Reserve> reserve, List<String> violations) {}

  public static Report judge(Cluster c, CapacitySettings s) {
    return switch (s.policy()) {
      case DISABLED -> new Report(s.policy(), true, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
      case HOST_FAILURES -> hostFailures(c, s);
      case PERCENTAGE -> percentage(c, s);
      case FAILOVER_HOSTS -> failoverHosts(c, s);
    };
  }

  private static Report hostFailures(Cluster c, CapacitySettings s) {
    SlotModel.Slots slots = SlotModel.judge(c, s.slots(), s.hostFailures());
    List<String> violations = new ArrayList<>();
    if (s.model() == CapacitySettings.Model.SLOTS) {
      if (!slots.covered()) {
        violations.add(slots.usedSlots() + " slots are used but only " + slots.slotsAfterFailures() + " are left after "
            + s.hostFailures() + " host failures (slot " + slots.slotMemoryMb() + " MB, " + slots.slotCpuMhz() + " MHz)");
      }
      return new Report(s.policy(), violations.isEmpty(), Optional.empty(), Optional.of(slots), Optional.empty(),
          violations);
    }
    FailoverPlanner.Verdict v = FailoverPlanner.of(c).verdict(s.hostFailures());
    planViolations(v, violations);
    return new Report(s.policy(), v.covered(), Optional.of(v), Optional.of(slots), Optional.empty(), violations);
  }

  private static Report percentage(Cluster c, CapacitySettings s) {
    List<Cluster.Host> up = c.hosts().stream().filter(h -> h.state() == Cluster.HostState.UP).toList();
    long memory = up.stream().mapToLong(Cluster.Host::memoryMb).sum();
    long freeMemory = up.stream().mapToLong(Cluster.Host::freeMemoryMb).sum();
    long cpu = up.stream().mapToLong(Cluster.Host::cpuMhz).sum();
    boolean cpuKnown = !up.isEmpty() && up.stream().allMatch(h -> h.cpuMhz() > 0);
    long usedCpu = c.vms().stream().filter(v -> up.stream().anyMatch(h -> h.id().equals(v.host())))
        .mapToLong(Cluster.Vm::cpuMhz).sum();
    Reserve r = new Reserve(memory == 0 ? 0 : 100.0 * freeMemory / memory,
        cpuKnown ? OptionalDouble.of(100.0 * (cpu - usedCpu) / cpu) : OptionalDouble.empty(),
        s.memoryPercent(), s.cpuPercent());
    List<String> violations = new ArrayList<>();
    if (r.memoryFreePercent() < s.memoryPercent()) {
      violations.add(String.format("%.1f %% of the up hosts' memory is free, %d %% is reserved for failovers"
          + " (vmha.capacity.percentage.memory)", r.memoryFreePercent(), s.memoryPercent()));
    }
    r.cpuFreePercent().ifPresent(p -> {
      if (p < s.cpuPercent()) {
        violations.add(String.format("%.1f %% of the up hosts' CPU is free, %d %% is reserved for failovers"
            + " (vmha.capacity.percentage.cpu)", p, s.cpuPercent()));
      }
    });
    return new Report(s.policy(), violations.isEmpty(), Optional.empty(), Optional.empty(), Optional.of(r), violations);
  }

  /** Each failover host is up and runs nothing (not even a VM HA does not protect), and any one failure is covered. */
  private static Report failoverHosts(Cluster c, CapacitySettings s) {
    List<String> violations = new ArrayList<>();
    for (String id : s.failoverHosts()) {
      Optional<Cluster.Host> h = c.host(id);
      if (h.isEmpty()) {
        violations.add("failover host " + id + " is not in the cluster");
      } else if (h.get().state() != Cluster.HostState.UP) {
        violations.add("failover host " + id + " is " + h.get().state().name().toLowerCase(java.util.Locale.ROOT));
      } else {
        List<String> on = c.vms().stream().filter(v -> v.host().equals(id)).map(Cluster.Vm::name).toList();
        if (!on.isEmpty() || h.get().freeMemoryMb() < h.get().memoryMb()) {
          violations.add("failover host " + id + " runs VMs (" + (on.isEmpty() ? "unprotected ones"
              : String.join(", ", on)) + "); it takes none until a failover");
        }
      }
    }
    FailoverPlanner.Verdict v = FailoverPlanner.of(c).verdict(1);
    planViolations(v, violations);
    return new Report(s.policy(), violations.isEmpty(), Optional.of(v), Optional.empty(), Optional.empty(), violations);
  }

  private static void planViolations(FailoverPlanner.Verdict v, List<String> violations) {
    v.undecided().ifPresent(violations::add);
    if (v.uncoveredSets() > 0) {
      violations.add(v.uncoveredSets() + " of " + v.sets() + " failure sets of up to " + v.failures()
          + " hosts leave protected VMs without room (overcommitted)");
    }
  }
}
