package dev.vmha.classify;

import dev.vmha.JsonSerializable;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the master knows about one host when it judges it.
 *
 * @param heartbeatSilence time since the host's last network heartbeat reached the master
 * @param reachability Pekko Cluster's view of the host's JVM
 * @param managementPingAnswered whether the host's management address answered the master's ping
 * @param datastoreHeartbeatAge per heartbeat datastore, how long the host's heartbeat counter has not moved there;
 *     a datastore missing from the map never showed a heartbeat of this host
 * @param isolatedFlag whether the host's power-on file says it declared itself isolated
 * @param hostTimeout das.config.fdm.hostTimeout: the silence after which beats and datastore heartbeats are stale
 */
public record Evidence(
    Duration heartbeatSilence,
    Reachability reachability,
    boolean managementPingAnswered,
    Map<String, Duration> datastoreHeartbeatAge,
    boolean isolatedFlag,
    Duration hostTimeout) implements JsonSerializable {

  public Evidence {
    datastoreHeartbeatAge = new TreeMap<>(datastoreHeartbeatAge);
  }

  public boolean netHeartbeatFresh() {
    return heartbeatSilence.compareTo(hostTimeout) < 0;
  }

  /** Whether any datastore shows the host's heartbeat counter moving within hostTimeout. */
  public boolean datastoreHeartbeatFresh() {
    return datastoreHeartbeatAge.values().stream().anyMatch(a -> a.compareTo(hostTimeout) < 0);
  }
}
