package dev.vmha.election;

import com.typesafe.config.Config;
import dev.vmha.config.HaSettings;
import java.time.Duration;

/**
 * How long after a partition heals the hosts form one cluster with one master again (issue 18; docs/FAILURE-DETECTION.md,
 * "After a partition heals"). Measured from the moment the cluster transport carries messages again. Two ways back;
 * the slower one bounds it:
 * <ul>
 *   <li>{@link #merge()}: no member was removed (heartbeat datastores, an even split, a minority that downs nobody).
 *       Pekko's failure detector hears the other side again and gossip spreads it within hostTimeout (its acceptable
 *       pause is hostTimeout / 3); then each master's next heartbeat reaches the other, the lower-ranked steps down at
 *       once, and its slaves follow the better master on its next heartbeat: two intervals;
 *   <li>{@link #rejoin()}: the majority removed the minority's members (declared DEAD). Each of them learns that it is
 *       quarantined as soon as it reaches a member (within hostTimeout, as above), restarts its actor system, joins
 *       through the seeds (their answer within {@code pekko.cluster.seed-node-timeout}, one failed attempt allowed:
 *       {@code pekko.cluster.retry-unsuccessful-join-after}), and
 *       follows the master whose heartbeat it hears during its election window.
 * </ul>
 * Pure.
 */
public record HealTiming(
    Duration interval, Duration hostTimeout, Duration electionWindow, Duration seedNodeTimeout, Duration joinRetry) {

  /**
   * What a quarantined agent takes to start its next actor system (the cluster extension, the history journals),
   * allowed for a loaded 2-core machine: the simulation measures 1.5–3 s under load.
   */
  public static final Duration AGENT_RESTART = Duration.ofSeconds(5);

  public static HealTiming of(HaSettings s, Config pekko) {
    return new HealTiming(s.failureDetectionInterval(), s.hostTimeout(), s.electionWindow(),
        pekko.getDuration("pekko.cluster.seed-node-timeout"),
        pekko.getDuration("pekko.cluster.retry-unsuccessful-join-after"));
  }

  /** Membership intact: reachable again everywhere, then one heartbeat each way. */
  public Duration merge() {
    return hostTimeout.plus(interval.multipliedBy(2));
  }

  /**
   * A removed member back: quarantine noticed, a new actor system, the seeds' answer or their timeout and one join
   * retry, an election window, one heartbeat each way.
   */
  public Duration rejoin() {
    return hostTimeout.plus(AGENT_RESTART).plus(seedNodeTimeout).plus(joinRetry).plus(electionWindow)
        .plus(interval.multipliedBy(2));
  }

  /** One cluster and one master after any heal. */
  public Duration oneMaster() {
    return merge().compareTo(rejoin()) >= 0 ? merge() : rejoin();
  }
}
