package dev.vmha.classify;

import dev.vmha.JsonSerializable;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything the master knows about one host when it judges it.
 *
 * @param heartbeatSilence time since the host's last network heartbeat reached the master; for a host that never beat
 *     to this master, the longer silence its datastore heartbeat proves ({@link Evidence#silenceProvenByDatastores})
 * @param reachability Pekko Cluster's view of the host's JVM
 * @param managementPingAnswered whether the host's management address answered the master's ping
 * @param datastoreHeartbeatAge per heartbeat datastore the master can read, how long the host's heartbeat counter
 *     has not moved there; a datastore missing from the map never showed this host's heartbeat, or is unreadable
 * @param isolatedFlag whether the host's power-on file says it declared itself isolated
 * @param hostTimeout das.config.fdm.hostTimeout: the silence after which a host is judged, and the time after which
 *     a host whose heartbeat reaches no datastore fences itself
 * @param heartbeatInterval das.failuredetectioninterval: how often heartbeats are written and read
 * @param datastoresConfigured whether the cluster has heartbeat datastores at all (without: the majority rule)
 * @param sideSize hosts on the master's side that beat within hostTimeout, the master included
 * @param clusterSize every host the master knows of, itself included
 */
public record Evidence(
    Duration heartbeatSilence,
    Reachability reachability,
    boolean managementPingAnswered,
    Map<String, Duration> datastoreHeartbeatAge,
    boolean isolatedFlag,
    Duration hostTimeout,
    Duration heartbeatInterval,
    boolean datastoresConfigured,
    int sideSize,
    int clusterSize) implements JsonSerializable {

  public Evidence {
    datastoreHeartbeatAge = new TreeMap<>(datastoreHeartbeatAge);
  }

  /**
   * The network silence that a master can prove of a host that never beat to it (a master just elected): when the
   * cluster failure detector does not hear the host either, its youngest datastore heartbeat age on the datastores
   * read last round — it wrote nowhere since, so it sent nothing since as far as this side can know (a host cut off
   * from its storage and from this side has fenced itself, whatever it sends elsewhere). Empty when nothing proves it.
   */
  public static Optional<Duration> silenceProvenByDatastores(
      Map<String, Duration> datastoreHeartbeatAges, Reachability reachability) {
    if (reachability == Reachability.REACHABLE) return Optional.empty();
    return datastoreHeartbeatAges.values().stream().min(Duration::compareTo);
  }

  public boolean netHeartbeatFresh() {
    return heartbeatSilence.compareTo(hostTimeout) < 0;
  }

  /** The allowance for observing a heartbeat late ({@link TimingRules#observationLag}). */
  public Duration observationLag() {
    return TimingRules.observationLag(hostTimeout);
  }

  /** Whether the host kept writing its datastore heartbeat after its network heartbeats stopped. */
  public boolean datastoreHeartbeatFresh() {
    return datastoreHeartbeatAge.values().stream()
        .anyMatch(a -> a.plus(observationLag()).compareTo(heartbeatSilence) < 0);
  }

  /**
   * Whether the heartbeat has been still on every readable datastore for longer than the host's fence timeout
   * (hostTimeout) plus the observation lag: alive or not, the host has powered its VMs off by now.
   */
  public boolean datastoreHeartbeatStillPastFence() {
    Duration bound = TimingRules.datastoreStillBound(hostTimeout);
    return !datastoreHeartbeatAge.isEmpty()
        && datastoreHeartbeatAge.values().stream().allMatch(a -> a.compareTo(bound) >= 0);
  }
}
