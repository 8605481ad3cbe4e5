package dev.vmha.config;

import java.time.Duration;
import java.util.List;

/**
 * How much spare room the cluster keeps for failovers (MISSION §4, seeds 001 and 003), read from vmha.capacity and
 * vSphere's slot options.
 *
 * @param policy what the cluster promises
 * @param hostFailures N, the host failures to tolerate (policy HOST_FAILURES)
 * @param model how HOST_FAILURES is judged: XenServer's failover plan or vSphere's slots
 * @param slots vSphere's slot size options (das.vmMemoryMinMB, das.vmCpuMinMHz, das.slotMemInMB, das.slotCpuInMHz)
 * @param cpuPercent CPU reserved for failovers, percent of the cluster (policy PERCENTAGE)
 * @param memoryPercent memory reserved for failovers, percent of the cluster (policy PERCENTAGE)
 * @param failoverHosts dedicated standby hosts that take no VMs until a failover (policy FAILOVER_HOSTS)
 * @param admission what an operation that would break the policy gets
 * @param planTimeout how long a planning run of the master may take (off its step, on vmha.capacity-planner);
 *     one that takes longer is given up and the last plan kept, marked stale
 */
public record CapacitySettings(
    Policy policy,
    int hostFailures,
    Model model,
    SlotOptions slots,
    int cpuPercent,
    int memoryPercent,
    List<String> failoverHosts,
    Admission admission,
    Duration planTimeout) {

  public enum Policy {
    HOST_FAILURES, PERCENTAGE, FAILOVER_HOSTS, DISABLED;

    /** As vmha.capacity.policy spells it. */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** PLAN: every protected VM restarts after any N failures (XenServer); SLOTS: vSphere's slot count. */
  public enum Model { PLAN, SLOTS }

  /** REFUSE: the operation is refused with the reason; WARN: it is done and the warning recorded. */
  public enum Admission { REFUSE, WARN }

  /**
   * vSphere's slot size: the largest VM reservation, at least the minimum, at most the cap (0 = no cap).
   */
  public record SlotOptions(long vmMemoryMinMb, long vmCpuMinMhz, long slotMemCapMb, long slotCpuCapMhz) {
    public SlotOptions {
      if (vmMemoryMinMb < 1 || vmCpuMinMhz < 0 || slotMemCapMb < 0 || slotCpuCapMhz < 0) {
        throw new IllegalArgumentException("slot options out of range: " + vmMemoryMinMb + " MB, " + vmCpuMinMhz
            + " MHz, caps " + slotMemCapMb + " MB, " + slotCpuCapMhz + " MHz");
      }
    }
  }

  public CapacitySettings {
    failoverHosts = List.copyOf(failoverHosts);
  }
}
