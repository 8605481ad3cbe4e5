package dev.vmha.master;

import dev.vmha.JsonSerializable;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.restart.RestartPriority;
import java.util.List;
import java.util.Optional;

/**
 * The master's view of the cluster, as `vmha status` shows it; {@code capacity}: its current capacity plan (empty
 * until it has read the protected list).
 */
public record ClusterStatus(
    String reportedBy, String master, List<HostStatus> hosts, List<VmStatus> vms, List<DatastoreStatus> datastores,
    Optional<CapacityPlan> capacity) implements JsonSerializable {

  public record HostStatus(
      String id, String role, String verdict, String reason, String reachability, long silenceMs, String address,
      int httpPort, long memoryMb, long freeMemoryMb, List<String> vms) implements JsonSerializable {}

  /**
   * {@code host}: where it runs, ran last, or is being started ({@code state.host()}); {@code memoryMb} and
   * {@code cpus} what it reserves; {@code priority} and {@code order} how a failover restarts it.
   */
  public record VmStatus(String name, long memoryMb, int cpus, RestartPriority priority, int order, String host,
      VmState state) implements JsonSerializable {}

  /** A datastore as the master saw it last round, with its corrupt state files (name and what is wrong). */
  public record DatastoreStatus(String name, boolean accessible, java.util.Map<String, String> corrupt)
      implements JsonSerializable {}
}
