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
 * @param hostTimeout das.config.fdm.hostTimeout: the network silence after which a host is investigated
 * @param heartbeatInterval das.failuredetectioninterval: how often heartbeats are written and read
 */
public record Evidence(
    Duration heartbeatSilence,
    Reachability reachability,
    boolean managementPingAnswered,
    Map<String, Duration> datastoreHeartbeatAge,
    boolean isolatedFlag,
    Duration hostTimeout,
    Duration heartbeatInterval) implements JsonSerializable {

  public Evidence {
    datastoreHeartbeatAge = new TreeMap<>(datastoreHeartbeatAge);
  }

  public boolean netHeartbeatFresh() {
    return heartbeatSilence.compareTo(hostTimeout) < 0;
  }

  /**
   * Whether the host kept writing its datastore heartbeat after its network heartbeats stopped: its counter moved
   * later than the silence began, allowing two intervals for the writer's period and the reader's round.
   */
  public boolean datastoreHeartbeatFresh() {
    Duration lag = heartbeatInterval.multipliedBy(2);
    return datastoreHeartbeatAge.values().stream().anyMatch(a -> a.plus(lag).compareTo(heartbeatSilence) < 0);
  }
}
