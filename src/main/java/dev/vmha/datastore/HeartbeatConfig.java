package dev.vmha.datastore;

import java.time.Duration;
import java.util.List;

/**
 * What the {@link HeartbeatMachine} is configured with.
 *
 * @param dsPerHost das.heartbeatdsperhost: how many datastores carry this host's heartbeat
 * @param interval das.failuredetectioninterval: one tick
 * @param datastores the heartbeat datastores' names, in configured order
 */
public record HeartbeatConfig(String hostId, int dsPerHost, Duration interval, List<String> datastores) {
  public HeartbeatConfig {
    datastores = List.copyOf(datastores);
  }
}
