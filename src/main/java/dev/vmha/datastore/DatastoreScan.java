package dev.vmha.datastore;

import java.util.Map;

/**
 * One read of every host's state files on one datastore; corrupt files are listed, never used: {@code corrupt} maps
 * each one's name under {@code .vmha/} (e.g. {@code lease-db1}, or {@code corrupt/protectedlist.<time>} for one kept
 * aside) to what is wrong with it. {@code listLock} is the protected list's lock (its owner master and renewal
 * counter), null where there is none; {@code leases} are the VMs' leases by VM name.
 */
public record DatastoreScan(
    String datastore, Map<String, HostHeartbeat> heartbeats, Map<String, PowerOnFile> powerOn,
    Map<String, String> corrupt, HostHeartbeat listLock, Map<String, VmLease> leases) {
  public DatastoreScan {
    heartbeats = Map.copyOf(heartbeats);
    powerOn = Map.copyOf(powerOn);
    corrupt = Map.copyOf(corrupt);
    leases = Map.copyOf(leases);
  }

  /** A scan of a datastore without a protected-list lock or leases. */
  public DatastoreScan(String datastore, Map<String, HostHeartbeat> heartbeats, Map<String, PowerOnFile> powerOn,
      Map<String, String> corrupt) {
    this(datastore, heartbeats, powerOn, corrupt, null, Map.of());
  }
}
