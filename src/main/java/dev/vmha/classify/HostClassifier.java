package dev.vmha.classify;

import dev.vmha.Durations;
import dev.vmha.isolation.FencingRule;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the evidence about a host into a verdict, with the reason an operator reads (seed 000, MISSION §2, §6):
 * <ol>
 *   <li>network heartbeat fresh → ALIVE;
 *   <li>silent, but Pekko's failure detector or the management ping still hears the host → AGENT_UNREACHABLE
 *       (the host runs, only its agent is gone: nothing is restarted) — unless the ping answers and its datastore
 *       heartbeat moved after the silence began: its agent runs and follows another master → PARTITIONED;
 *   <li>silent, unpingable, its datastore heartbeat still on every readable datastore for longer than the host's
 *       fence timeout plus the observation lag → DEAD (whatever it did before: it has fenced itself by now);
 *   <li>silent and unpingable, its datastore heartbeat moved after the silence began → ISOLATED if its power-on
 *       file says so, else PARTITIONED; still, but not long enough → DEAD, not settled (wait);
 *   <li>no readable datastore heartbeat: with heartbeat datastores configured, nothing can be known → PARTITIONED;
 *       without any (the vSAN case) → DEAD once the master's side holds a strict majority and the silence exceeds
 *       hostTimeout plus the minority's fence timeout; PARTITIONED without a majority.
 * </ol>
 * A verdict that is not {@link Decision#settled()} must not be acted upon yet. Pure: no clock, no I/O.
 */
public final class HostClassifier {

  /** A verdict, why, and whether it may be acted upon now. */
  public record Decision(Verdict verdict, String reason, boolean settled) {}

  public Decision classify(Evidence e) {
    String net = "no net heartbeat " + Durations.approx(e.heartbeatSilence());
    if (e.netHeartbeatFresh()) {
      return settled(Verdict.ALIVE, "net heartbeat " + Durations.approx(e.heartbeatSilence()) + " old");
    }
    if (e.reachability() == Reachability.REACHABLE) {
      return settled(Verdict.AGENT_UNREACHABLE, net + ", but the cluster failure detector still hears the host");
    }
    String ds = datastores(e);
    if (e.managementPingAnswered()) {
      // its agent writes the datastore heartbeat: alive, following another master (a partition healing: ping answers
      // before the cluster transport does), never a gone agent whose member may be downed
      if (e.datastoreHeartbeatFresh()) {
        return settled(Verdict.PARTITIONED, net + ", its management address answers ping and its datastore heartbeat moves ("
            + ds + "): its agent runs and follows another master");
      }
      return settled(Verdict.AGENT_UNREACHABLE, net + ", but its management address answers ping");
    }
    if (!e.datastoreHeartbeatAge().isEmpty()) {
      // still past the fence bound first: a host partitioned a while ago whose heartbeat has since stopped is dead,
      // even though its heartbeat did move after its network fell silent
      if (e.datastoreHeartbeatStillPastFence()) return settled(Verdict.DEAD, net + ", ping silent, " + ds);
      if (e.datastoreHeartbeatFresh()) {
        return e.isolatedFlag()
            ? settled(Verdict.ISOLATED, net + ", ping silent, " + ds + ", power-on file says isolated")
            : settled(Verdict.PARTITIONED, net + ", ping silent, " + ds + ": the host runs in another partition");
      }
      return new Decision(Verdict.DEAD, net + ", ping silent, " + ds + "; waiting until its heartbeat has been still "
          + Durations.approx(TimingRules.datastoreStillBound(e.hostTimeout())) + ", when it has surely fenced itself",
          false);
    }
    if (e.datastoresConfigured()) {
      return settled(Verdict.PARTITIONED, net + ", ping silent, but none of its heartbeat datastores is readable here:"
          + " whether it runs cannot be known, so nothing is restarted");
    }
    String side = "this side holds " + e.sideSize() + " of " + e.clusterSize() + " hosts";
    if (!FencingRule.majority(e.sideSize(), e.clusterSize())) {
      return settled(Verdict.PARTITIONED, net + ", ping silent, no heartbeat datastores, and " + side
          + ": no strict majority, so nothing is restarted");
    }
    Duration fenced = TimingRules.majorityStillBound(e.hostTimeout());
    if (e.heartbeatSilence().compareTo(fenced) >= 0) {
      return settled(Verdict.DEAD, net + ", ping silent, no heartbeat datastores, " + side
          + " (a strict majority); a minority host has fenced itself by now");
    }
    return new Decision(Verdict.DEAD, net + ", ping silent, no heartbeat datastores, " + side
        + "; waiting " + Durations.approx(fenced) + " of silence, when a minority host has surely fenced itself",
        false);
  }

  private static Decision settled(Verdict v, String reason) {
    return new Decision(v, reason, true);
  }

  private static String datastores(Evidence e) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Duration> a : e.datastoreHeartbeatAge().entrySet()) {
      parts.add("datastore " + a.getKey() + " hb " + Durations.approx(a.getValue()) + " old");
    }
    return String.join(", ", parts);
  }
}
