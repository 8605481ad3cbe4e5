package dev.vmha.datastore;

import java.util.List;
import java.util.Map;

/** One read of every host's state files on one datastore; corrupt files are listed, never used. */
public record DatastoreScan(
    String datastore, Map<String, HostHeartbeat> heartbeats, Map<String, PowerOnFile> powerOn, List<String> corrupt) {
  public DatastoreScan {
    heartbeats = Map.copyOf(heartbeats);
    powerOn = Map.copyOf(powerOn);
    corrupt = List.copyOf(corrupt);
  }
}
