package dev.vmha.classify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the evidence about a host into a verdict, with the reason an operator reads (seed 000, MISSION §2):
 * <ul>
 *   <li>network heartbeat fresh → ALIVE;
 *   <li>silent, but Pekko's failure detector or the management ping still hears the host → AGENT_UNREACHABLE
 *       (the host runs, only its agent is gone: nothing is restarted);
 *   <li>silent and unpingable, but its datastore heartbeat moved after the network went silent → ISOLATED if its
 *       power-on file says so, else PARTITIONED;
 *   <li>silent, unpingable, datastore heartbeat still since the silence began, or absent everywhere → DEAD.
 * </ul>
 * Pure: no clock, no I/O.
 */
public final class HostClassifier {

  public record Decision(Verdict verdict, String reason) {}

  public Decision classify(Evidence e) {
    String net = "no net heartbeat " + seconds(e.heartbeatSilence());
    if (e.netHeartbeatFresh()) {
      return new Decision(Verdict.ALIVE, "net heartbeat " + seconds(e.heartbeatSilence()) + " old");
    }
    if (e.reachability() == Reachability.REACHABLE) {
      return new Decision(Verdict.AGENT_UNREACHABLE, net + ", but the cluster failure detector still hears the host");
    }
    if (e.managementPingAnswered()) {
      return new Decision(Verdict.AGENT_UNREACHABLE, net + ", but its management address answers ping");
    }
    String ds = datastores(e);
    if (e.datastoreHeartbeatFresh()) {
      return e.isolatedFlag()
          ? new Decision(Verdict.ISOLATED, net + ", ping silent, " + ds + ", power-on file says isolated")
          : new Decision(Verdict.PARTITIONED, net + ", ping silent, " + ds + ": the host runs in another partition");
    }
    return new Decision(Verdict.DEAD, net + ", ping silent, " + ds);
  }

  private static String datastores(Evidence e) {
    if (e.datastoreHeartbeatAge().isEmpty()) return "no datastore heartbeat seen";
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Duration> a : e.datastoreHeartbeatAge().entrySet()) {
      parts.add("datastore " + a.getKey() + " hb " + seconds(a.getValue()) + " old");
    }
    return String.join(", ", parts);
  }

  static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
