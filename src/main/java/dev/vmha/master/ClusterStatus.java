package dev.vmha.master;

import dev.vmha.JsonSerializable;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.maintenance.MaintenanceMode;
import java.util.List;

/** The master's view of the cluster, as `vmha status` shows it; {@code ha}: where an operator disabled HA. */
public record ClusterStatus(
    String reportedBy, String master, List<HostStatus> hosts, List<VmStatus> vms, List<DatastoreStatus> datastores,
    ProtectedList.HaSwitch ha) implements JsonSerializable {

  public ClusterStatus {
    if (ha == null) ha = ProtectedList.HaSwitch.ENABLED;
  }

  public ClusterStatus(
      String reportedBy, String master, List<HostStatus> hosts, List<VmStatus> vms, List<DatastoreStatus> datastores) {
    this(reportedBy, master, hosts, vms, datastores, ProtectedList.HaSwitch.ENABLED);
  }

  /** {@code maintenance}: its maintenance mode; {@code maintenanceWait}: why one entering still holds VMs. */
  public record HostStatus(
      String id, String role, String verdict, String reason, String reachability, long silenceMs, String address,
      int httpPort, long memoryMb, long freeMemoryMb, List<String> vms, MaintenanceMode maintenance,
      String maintenanceWait) implements JsonSerializable {
    /** A host not in maintenance. */
    public HostStatus(
        String id, String role, String verdict, String reason, String reachability, long silenceMs, String address,
        int httpPort, long memoryMb, long freeMemoryMb, List<String> vms) {
      this(id, role, verdict, reason, reachability, silenceMs, address, httpPort, memoryMb, freeMemoryMb, vms,
          MaintenanceMode.NONE, "");
    }
  }

  /** {@code host}: where it runs, ran last, or is being started ({@code state.host()}). */
  public record VmStatus(String name, long memoryMb, String host, VmState state) implements JsonSerializable {}

  /** A datastore as the master saw it last round, with its corrupt state files (name and what is wrong). */
  public record DatastoreStatus(String name, boolean accessible, java.util.Map<String, String> corrupt)
      implements JsonSerializable {}
}
