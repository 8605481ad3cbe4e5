package dev.vmha.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The simulated network between the hosts, their management addresses and the isolation address (the gateway):
 * which links carry messages now, and how late. Faults cut a host off (isolation: the gateway too), split the hosts
 * into sides (partition: the gateway stays on every side; while it heals, pings may cross before the transport does),
 * drop one direction of one link, and delay, reorder or
 * duplicate messages. Whether a message arrives is decided when it is sent.
 */
final class SimNetwork {
  /** Every message takes at least this long, and up to {@link #BASE_JITTER_MS} more. */
  static final long BASE_DELAY_MS = 1;
  static final long BASE_JITTER_MS = 20;

  private final Random random;
  private final Set<String> isolated = new TreeSet<>();
  /** The side of each host while a partition stands; hosts on different sides do not hear each other. */
  private final Map<String, Integer> side = new TreeMap<>();
  /** Directed links that lose every message: "from>to". */
  private final Set<String> lossy = new TreeSet<>();
  /** Pings cross the partition that stands (it is healing). */
  private boolean pingsCross;
  private long extraDelayMs;
  private double duplicate;

  SimNetwork(Random random) {
    this.random = random;
  }

  boolean delivers(String from, String to) {
    return delivers(from, to, false);
  }

  private boolean delivers(String from, String to, boolean ping) {
    if (from.equals(to)) return true;
    // asked for every message and every heartbeat: a fault-free network (most of the time) answers without lookups
    if (!isolated.isEmpty() && (isolated.contains(from) || isolated.contains(to))) return false;
    boolean across = !side.isEmpty()
        && side.getOrDefault(from, 0).intValue() != side.getOrDefault(to, 0).intValue();
    if (across && !(ping && pingsCross)) return false;
    return lossy.isEmpty() || !lossy.contains(from + ">" + to);
  }

  /** Both ways: what Pekko's failure detector (heartbeat and answer) needs. */
  boolean connected(String a, String b) {
    return delivers(a, b) && delivers(b, a);
  }

  /** Whether a ping from {@code a} to {@code b}'s management address is answered. */
  boolean pings(String a, String b) {
    return delivers(a, b, true) && delivers(b, a, true);
  }

  /** Whether the host reaches its isolation address. */
  boolean reachesGateway(String host) {
    return !isolated.contains(host);
  }

  /** When copies of a message sent now arrive, as delays: none if it is lost, two if duplicated. */
  List<Long> delays(String from, String to) {
    List<Long> d = new ArrayList<>();
    if (!delivers(from, to)) return d;
    d.add(delay());
    if (duplicate > 0 && random.nextDouble() < duplicate) d.add(delay());
    return d;
  }

  private long delay() {
    long extra = extraDelayMs > 0 ? (long) (random.nextDouble() * extraDelayMs) : 0;
    return BASE_DELAY_MS + (long) (random.nextDouble() * BASE_JITTER_MS) + extra;
  }

  void isolate(String host, boolean on) {
    if (on) isolated.add(host); else isolated.remove(host);
  }

  /** Splits the hosts: {@code sideOne} on one side, all others on the other; empty heals. */
  void partition(Set<String> sideOne) {
    side.clear();
    pingsCross = false;
    sideOne.forEach(h -> side.put(h, 1));
  }

  /**
   * While the partition with {@code sideOne} on one side stands, pings cross it (the cluster transport stays cut): a
   * real network's ICMP answers as soon as it heals, while the transport's TCP connections still back off.
   */
  void pingsCross(Set<String> sideOne) {
    if (side.keySet().equals(sideOne)) pingsCross = true;
  }

  void loseOneWay(String from, String to, boolean on) {
    if (on) lossy.add(from + ">" + to); else lossy.remove(from + ">" + to);
  }

  /** Messages take up to {@code ms} longer (so they overtake each other); 0 heals. */
  void slow(long ms) {
    extraDelayMs = ms;
  }

  /** A message is sent twice with this probability; 0 heals. */
  void duplicate(double p) {
    duplicate = p;
  }
}
