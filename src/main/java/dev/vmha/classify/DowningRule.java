package dev.vmha.classify;

import dev.vmha.isolation.FencingRule;
import java.util.Optional;

/**
 * When the master removes a silent host's agent from the Pekko cluster (issue 18 item 2). Removing a member that is
 * alive splits the cluster: its actor system is quarantined and must restart to come back, and a member removed by a
 * side that is then cut off again may found a second cluster. So a member is downed only when its agent is proven gone:
 * <ul>
 *   <li>DEAD (settled): the host has fenced itself; its VMs are restarted elsewhere;
 *   <li>AGENT_UNREACHABLE twice in a row (deadIcmpPingInterval apart) while Pekko calls it unreachable: its host answers
 *       ping, and
 *       <ul>
 *         <li>with heartbeat datastores: its datastore heartbeat is readable here and stopped moving (the agent writes
 *             it; one that moves means a live agent following another master — the classifier calls that host
 *             PARTITIONED);
 *         <li>without: no datastore proves anything, so only a side holding a strict majority downs it; a minority
 *             never removes the majority's members (it would then count itself a whole cluster).
 *       </ul>
 * </ul>
 * Pure.
 */
public final class DowningRule {
  private DowningRule() {}

  /**
   * @param previous the verdict the host had before this judgement
   * @return why the host's member is downed, or empty to leave it
   */
  public static Optional<String> down(Verdict verdict, Verdict previous, Evidence e) {
    if (verdict == Verdict.DEAD) return Optional.of("declared dead");
    if (verdict != Verdict.AGENT_UNREACHABLE || previous != Verdict.AGENT_UNREACHABLE
        || e.reachability() != Reachability.UNREACHABLE || !e.managementPingAnswered()) {
      return Optional.empty();
    }
    if (e.datastoresConfigured()) {
      return !e.datastoreHeartbeatAge().isEmpty() && !e.datastoreHeartbeatFresh()
          ? Optional.of("its host answers ping but its agent has stopped writing its datastore heartbeat")
          : Optional.empty();
    }
    return FencingRule.majority(e.sideSize(), e.clusterSize())
        ? Optional.of("its host answers ping but its agent is silent, and this side holds a strict majority")
        : Optional.empty();
  }
}
