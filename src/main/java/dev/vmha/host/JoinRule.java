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
   * The cluster addresses of the other hosts that are members of a running cluster, from two reads of the datastores
   * an interval apart: their heartbeat moved between the reads (the agent lives) and says it is a member. Empty: no
   * cluster runs (a cold start, every agent restarting at once, or only the stale files of an earlier run).
   */
  public static List<String> runningHosts(DatastoreView first, DatastoreView now, String self) {
    TreeSet<String> running = new TreeSet<>();
    for (Map.Entry<String, Map<String, DatastoreView.Seen>> h : now.counters().entrySet()) {
      if (h.getKey().equals(self) || !now.addresses().containsKey(h.getKey())) continue;
      Map<String, DatastoreView.Seen> before = first.counters().getOrDefault(h.getKey(), Map.of());
      for (Map.Entry<String, DatastoreView.Seen> ds : h.getValue().entrySet()) {
        DatastoreView.Seen was = before.get(ds.getKey());
        if (was != null && ds.getValue().counter() > was.counter()) running.add(now.addresses().get(h.getKey()));
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
