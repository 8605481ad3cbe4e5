package dev.vmha.host;

import dev.vmha.datastore.DatastoreView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;

/**
 * How an agent joins. Pekko lets the first seed node found a new cluster when it reaches no other seed in time; an
 * agent that restarts while the others run must never do that, or two clusters with two masters run side by side
 * for ever. The datastores tell the two starts apart: when another host's heartbeat keeps moving and its counter
 * shows it has been up for longer than hostTimeout, a cluster runs, and this agent only joins it. Pure.
 */
public final class JoinRule {
  private JoinRule() {}

  /**
   * Whether a cluster already runs: another host's heartbeat moved after this host first read it, and its counter
   * (one per interval since that agent started) says it started more than hostTimeout before this one.
   */
  public static boolean clusterRunning(DatastoreView v, String self, Duration interval, Duration hostTimeout) {
    long upRounds = hostTimeout.toMillis() / interval.toMillis() + v.now().toMillis() / interval.toMillis();
    for (Map.Entry<String, Map<String, DatastoreView.Seen>> h : v.counters().entrySet()) {
      if (h.getKey().equals(self)) continue;
      for (Map.Entry<String, DatastoreView.Seen> ds : h.getValue().entrySet()) {
        boolean readable = Boolean.TRUE.equals(v.accessible().get(ds.getKey()));
        boolean moved = ds.getValue().since().compareTo(interval) > 0; // changed after the first round saw it
        if (readable && moved && ds.getValue().counter() > upRounds) return true;
      }
    }
    return false;
  }

  /** The seeds to join: all configured ones, or, while a cluster runs, all but this host (it must not found one). */
  public static List<Address> seeds(List<Address> configured, Address self, boolean clusterRunning) {
    List<Address> seeds = new ArrayList<>(configured);
    if (clusterRunning) seeds.remove(self);
    return seeds;
  }
}
