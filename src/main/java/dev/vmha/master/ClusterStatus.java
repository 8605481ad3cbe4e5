package dev.vmha.master;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.JsonSerializable;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.restart.VmProtection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The master's view of the cluster, as `vmha status` and GET /api/v1/... show it. {@code listOwner} and
 * {@code listVersion}: the protected list this master holds (who wrote it last, its version); {@code capacity}: its
 * current capacity plan (empty until it has read the protected list); {@code ha}: where an operator disabled HA.
 */
public record ClusterStatus(
    String reportedBy, String master, List<HostStatus> hosts, List<VmStatus> vms, List<DatastoreStatus> datastores,
    String listOwner, long listVersion, Optional<CapacityPlan> capacity, ProtectedList.HaSwitch ha)
    implements JsonSerializable {

  public ClusterStatus {
    if (ha == null) ha = ProtectedList.HaSwitch.ENABLED; // a status from an agent that knows no switch
  }

  /** A cluster where HA is enabled everywhere. */
  public ClusterStatus(
      String reportedBy, String master, List<HostStatus> hosts, List<VmStatus> vms, List<DatastoreStatus> datastores,
      String listOwner, long listVersion, Optional<CapacityPlan> capacity) {
    this(reportedBy, master, hosts, vms, datastores, listOwner, listVersion, capacity, ProtectedList.HaSwitch.ENABLED);
  }

  /** Whether a host is the master that reports the status or one of its slaves ("master", "slave" in JSON). */
  public enum Seat {
    @JsonProperty("master") MASTER,
    @JsonProperty("slave") SLAVE
  }

  /**
   * One host the master knows, also a dead or removed one (it never forgets a host). {@code since}: when its verdict
   * was reached (for a host it never judged, when it came to know it); {@code networkHeartbeatAgeMs}: since its last
   * heartbeat to this master; {@code datastoreHeartbeatAgesMs}: per datastore that answered, how long its heartbeat
   * counter has not moved there; {@code maintenance}: its maintenance mode; {@code maintenanceWait}: why one entering
   * it still holds VMs.
   */
  public record HostStatus(
      String id, Seat role, Verdict verdict, String reason, Reachability reachability, long silenceMs, String address,
      int httpPort, long memoryMb, long freeMemoryMb, List<String> vms, Instant since, long networkHeartbeatAgeMs,
      Map<String, Long> datastoreHeartbeatAgesMs, MaintenanceMode maintenance, String maintenanceWait)
      implements JsonSerializable {
    /** A host not in maintenance. */
    public HostStatus(
        String id, Seat role, Verdict verdict, String reason, Reachability reachability, long silenceMs, String address,
        int httpPort, long memoryMb, long freeMemoryMb, List<String> vms, Instant since, long networkHeartbeatAgeMs,
        Map<String, Long> datastoreHeartbeatAgesMs) {
      this(id, role, verdict, reason, reachability, silenceMs, address, httpPort, memoryMb, freeMemoryMb, vms, since,
          networkHeartbeatAgeMs, datastoreHeartbeatAgesMs, MaintenanceMode.NONE, "");
    }
  }

  /**
   * {@code host}: where it runs, ran last, or is being started ({@code state.host()}); {@code memoryMb} and
   * {@code cpus}: what it reserves; {@code protection}: how a failover restarts it (priority, order, dependencies);
   * {@code reason}: why it needs a home or was given up (empty while nothing is wrong); {@code recoveryAttempts}:
   * failed restarts in its recovery.
   */
  public record VmStatus(String name, long memoryMb, int cpus, String host, VmState state, VmProtection protection,
      String reason, int recoveryAttempts) implements JsonSerializable {}

  /**
   * A datastore as the master saw it last round, with its corrupt state files (name and what is wrong);
   * {@code heartbeatAgesMs}: per host, how long its heartbeat counter has not moved there (empty when unreadable);
   * {@code listLockOwner}: who holds the protected list's lock there (empty: nobody seen); {@code listVersion}: the
   * version of the list this master holds when it holds that lock, else 0.
   */
  public record DatastoreStatus(String name, boolean accessible, Map<String, String> corrupt,
      Map<String, Long> heartbeatAgesMs, String listLockOwner, long listVersion) implements JsonSerializable {}
}
