package dev.vmha.host;

import dev.vmha.datastore.DatastoreView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.pekko.actor.Address;

/**
 * How an agent joins. Pekko lets the first seed node found a new cluster when it reaches no other seed in time; an
 * agent that restarts while the others run must never do that, or two clusters with two masters run side by side
 * for ever. The datastores tell the two starts apart: when other hosts' heartbeats keep moving and their counters
 * show they have been up for longer than hostTimeout, a cluster runs, and this agent joins it — through those hosts
 * (their heartbeats carry their addresses) as well as the configured seeds, but never by itself. Pure.
 */
public final class JoinRule {
  private JoinRule() {}

  /**
   * The cluster addresses of the other hosts that run a cluster now: their heartbeat moved after this host first
   * read it, and its counter (one per interval since that agent started) says it started more than hostTimeout before
   * this one. Empty: no cluster runs (a cold start, or only stale files).
   */
  public static List<String> runningHosts(DatastoreView v, String self, Duration interval, Duration hostTimeout) {
    long upRounds = hostTimeout.toMillis() / interval.toMillis() + v.now().toMillis() / interval.toMillis();
    TreeSet<String> running = new TreeSet<>();
    for (Map.Entry<String, Map<String, DatastoreView.Seen>> h : v.counters().entrySet()) {
      if (h.getKey().equals(self) || !v.addresses().containsKey(h.getKey())) continue;
      for (Map.Entry<String, DatastoreView.Seen> ds : h.getValue().entrySet()) {
        boolean readable = Boolean.TRUE.equals(v.accessible().get(ds.getKey()));
        boolean moved = ds.getValue().since().compareTo(interval) > 0; // changed after the first round saw it
        if (readable && moved && ds.getValue().counter() > upRounds) running.add(v.addresses().get(h.getKey()));
      }
    }
    return List.copyOf(running);
  }

  /**
   * The nodes to join: the configured seeds while no cluster runs; otherwise the seeds and the running hosts, never
   * this host itself (it must not found a second cluster).
   */
  public static List<Address> seeds(List<Address> configured, Address self, List<Address> running) {
    List<Address> seeds = new ArrayList<>(configured);
    if (running.isEmpty()) return seeds;
    for (Address a : running) if (!seeds.contains(a)) seeds.add(a);
    seeds.remove(self);
    return seeds;
  }
}
