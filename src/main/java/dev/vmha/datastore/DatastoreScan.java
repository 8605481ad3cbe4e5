package dev.vmha.datastore;

import java.util.List;
import java.util.Map;

/**
 * One read of every host's state files on one datastore; corrupt files are listed, never used. {@code listLock} is
 * the protected list's lock (its owner master and renewal counter), null where there is none.
 */
public record DatastoreScan(
    String datastore, Map<String, HostHeartbeat> heartbeats, Map<String, PowerOnFile> powerOn, List<String> corrupt,
    HostHeartbeat listLock) {
  public DatastoreScan {
    heartbeats = Map.copyOf(heartbeats);
    powerOn = Map.copyOf(powerOn);
    corrupt = List.copyOf(corrupt);
  }

  /** A scan of a datastore whose protected list nobody has locked. */
  public DatastoreScan(
      String datastore, Map<String, HostHeartbeat> heartbeats, Map<String, PowerOnFile> powerOn, List<String> corrupt) {
    this(datastore, heartbeats, powerOn, corrupt, null);
  }
}
