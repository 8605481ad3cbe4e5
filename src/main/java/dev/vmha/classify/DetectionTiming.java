package dev.vmha.classify;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The failure-detection timing rule (docs/FAILURE-DETECTION.md, "Detection budget"): every bound the master's
 * verdicts wait for, derived from the settings in one place, and the budget each failure case gets. Pure.
 *
 * @param interval das.failuredetectioninterval: heartbeats, datastore rounds and the master's judging rounds
 * @param hostTimeout das.config.fdm.hostTimeout (T): the silence after which a host is judged, and a host's fence
 *     timeout when its heartbeat reaches no datastore
 * @param pingTimeout das.config.fdm.icmpPingTimeout (P): an unanswered ping fails only then
 * @param electionWindow vmha.election.window (W)
 */
public record DetectionTiming(Duration interval, Duration hostTimeout, Duration pingTimeout, Duration electionWindow) {

  /**
   * The allowance for observing a heartbeat late: the writer's period, the reader's round and scheduling jitter.
   * Half the hostTimeout, which the settings keep at two intervals or more.
   */
  public static Duration observationLag(Duration hostTimeout) {
    return hostTimeout.dividedBy(2);
  }

  /**
   * How long a host's datastore heartbeat must stand still before the host has surely fenced itself: its fence
   * timeout (T) plus the observation lag. Also how long a protected-list lock must stand still before another
   * master may take it.
   */
  public static Duration datastoreStillBound(Duration hostTimeout) {
    return hostTimeout.plus(observationLag(hostTimeout));
  }

  /**
   * Without heartbeat datastores: the network silence after which a minority host has surely fenced itself. The
   * failure detector needs up to about T/3 + one interval to mark the minority unreachable, then T of fencing delay.
   */
  public static Duration majorityStillBound(Duration hostTimeout) {
    return hostTimeout.multipliedBy(2).plus(observationLag(hostTimeout));
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

  /**
   * How long a host must be silent before it is investigated: T; for a host that never beat to this master and whose
   * silence nothing proves (a member that just joined, any host of a master just elected) also an election window,
   * the time it may spend in an election of its own before it follows this master.
   */
  public Duration judgeAfter(boolean silenceProven) {
    return silenceProven ? hostTimeout : hostTimeout.plus(electionWindow);
  }

  /**
   * What a master elected after a master loss knows of the lost master's silence when the election closes: T without
   * its heartbeat before the election began, then the election window W.
   */
  public Duration lostMasterSilence() {
    return hostTimeout.plus(electionWindow);
  }

  /**
   * A slave's power loss, from its last network beat: pinged at T, the ping fails at T + P; its datastore heartbeat,
   * whose last write the master may see up to one interval after the last network beat, has stood still for the
   * fence bound at 1.5 T + one interval; the verdict comes within one interval of the later of the two.
   */
  public Duration slavePowerLoss() {
    Duration ping = hostTimeout.plus(pingTimeout);
    Duration datastore = datastoreStillBound(hostTimeout).plus(interval);
    return max(ping, datastore).plus(interval);
  }

  /**
   * The master's power loss, from its last heartbeat: the slaves hear nothing for T, elect for W; the new master
   * knows that silence, pings the old master as soon as it has read the protected list and its datastore view, and
   * judges when the ping fails (its datastore heartbeat has long been still: T + W is past the fence bound whenever
   * W ≥ T/2). Up to one interval goes to the slaves noticing the loss (their timer runs from the last beat heard).
   */
  public Duration masterPowerLoss() {
    Duration datastore = datastoreStillBound(hostTimeout).plus(interval);
    return max(hostTimeout.plus(electionWindow).plus(pingTimeout), datastore).plus(interval);
  }

  /**
   * The master and a slave lose power together: the new master proves the slave's silence from its datastore
   * heartbeat age, which it has followed all along, so the slave is judged with the old master.
   */
  public Duration masterAndSlavePowerLoss() {
    return masterPowerLoss();
  }

  /**
   * An isolated slave's VMs, from its last beat: it elects itself after T + W, pings its isolation addresses for P,
   * powers its VMs off and flags its power-on file; the master reads the flag in its next datastore round and
   * restarts them within one more interval.
   */
  public Duration isolatedSlave() {
    return hostTimeout.plus(electionWindow).plus(pingTimeout).plus(interval.multipliedBy(2));
  }

  /**
   * An isolated master's VMs, from its last beat heard: it notices every other host silent after T and declares
   * itself isolated after P; the others elect a new master after T + W, whose datastore rounds (one interval) have
   * read the flag and which restarts the flagged VMs in its first round (one more).
   */
  public Duration isolatedMaster() {
    return max(hostTimeout.plus(pingTimeout), hostTimeout.plus(electionWindow)).plus(interval.multipliedBy(2));
  }

  /** A host whose agent alone is down: judged AGENT_UNREACHABLE when its ping answers, right after T + one round. */
  public Duration agentUnreachable() {
    return hostTimeout.plus(interval);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
