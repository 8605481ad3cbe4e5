package dev.vmha.capacity;

import dev.vmha.HostIdOrder;
import dev.vmha.restart.Placement;
import dev.vmha.restart.RestartPriority;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * XenServer's failover plan (seed 001, MISSION §4): whether every protected VM is restarted after any N of the up
 * hosts fail together, placed by the rules a failover follows ({@link Placement}: start order, default failover host,
 * most free memory), so the plan is what the master would do. Best-effort and disabled VMs are not owed room (they
 * claim it after every protected VM, so they never take it from one); running VMs never move. "Any N" means every
 * set of 1 to N up hosts: a placement rule that spreads load is not monotone, so fewer failures are checked too.
 *
 * <p>Exact: the verdict is the placement of every failure set. Fast: only the failed hosts' VMs move, and a set is
 * simulated only when {@link #roomSuffices} cannot prove it covered. Pure: no clock, no I/O.
 */
public final class FailoverPlanner {

  /** The VM moves from {@code from} to {@code to}. */
  public record Move(String vm, String from, String to) {}

  /** The VM would not come back: {@code why}. */
  public record Left(String vm, String from, RestartPriority priority, String why) {}

  /** What a failover would do when the hosts {@code failed} fail together (moves and lefts in start order). */
  public record FailurePlan(List<String> failed, List<Move> moves, List<Left> left) {
    public FailurePlan {
      failed = List.copyOf(failed);
      moves = List.copyOf(moves);
      left = List.copyOf(left);
    }

    /** Every protected VM of the failed hosts comes back. */
    public boolean covered() {
      return left.stream().noneMatch(l -> l.priority().owedRoom());
    }
  }

  /**
   * Whether every set of 1 to {@code failures} up hosts is covered: {@code sets} failure sets judged,
   * {@code simulated} of them by placing their VMs (the others by a bound), {@code uncoveredSets} not covered, the
   * first {@link #PLANS_SHOWN} of those with their plans; {@code undecided} says why some sets were not judged (too
   * many to enumerate), which counts as not covered.
   */
  public record Verdict(int failures, int upHosts, long sets, long simulated, long uncoveredSets,
      List<FailurePlan> uncovered, Optional<String> undecided) {
    public boolean covered() {
      return uncoveredSets == 0 && undecided.isEmpty();
    }
  }

  /** The largest N for which a plan exists; {@code exact} false: at least N, N + 1 could not be judged ({@code note}). */
  public record Max(int failures, boolean exact, String note) {}

  /** Uncovered failure sets kept with their plans in a verdict. */
  public static final int PLANS_SHOWN = 10;
  /** The most failure sets of one size enumerated by default; beyond it only the bounds can decide. */
  public static final long MAX_SETS = 5_000_000L;

  /** Up hosts in host id order: an index is also the host's tie-break rank. */
  private final String[] hosts;
  private final long[] free;
  private final int defaultHost;
  /** Per up host, the indices of its VMs (index = start order rank) that a failure moves, ascending. */
  private final int[][] restarted;
  /** How many of restarted[h] are protected (they come first in start order). */
  private final int[] protectedCount;
  private final long[] protectedSum;
  private final long[] protectedMax;
  /** Up hosts by free memory, most first. */
  private final int[] byFree;
  private final Cluster.Vm[] vms;
  private final Map<String, Integer> hostIndex = new HashMap<>();

  private final long maxSets;

  private FailoverPlanner(Cluster c, long maxSets) {
    this.maxSets = maxSets;
    hosts = c.hosts().stream().filter(h -> h.state() == Cluster.HostState.UP).map(Cluster.Host::id)
        .sorted(HostIdOrder.INSTANCE).toArray(String[]::new);
    for (int i = 0; i < hosts.length; i++) hostIndex.put(hosts[i], i);
    free = new long[hosts.length];
    c.hosts().forEach(h -> {
      Integer i = hostIndex.get(h.id());
      if (i != null) free[i] = h.freeMemoryMb();
    });
    defaultHost = c.defaultFailoverHost().map(hostIndex::get).orElse(-1);
    vms = c.vms().stream().filter(v -> hostIndex.containsKey(v.host()))
        .sorted(Placement.startOrder(Cluster.Vm::priority, Cluster.Vm::order, Cluster.Vm::name))
        .toArray(Cluster.Vm[]::new);
    List<List<Integer>> per = new ArrayList<>();
    for (int i = 0; i < hosts.length; i++) per.add(new ArrayList<>());
    for (int v = 0; v < vms.length; v++) per.get(hostIndex.get(vms[v].host())).add(v);
    restarted = new int[hosts.length][];
    protectedCount = new int[hosts.length];
    protectedSum = new long[hosts.length];
    protectedMax = new long[hosts.length];
    for (int h = 0; h < hosts.length; h++) {
      restarted[h] = per.get(h).stream().mapToInt(Integer::intValue).toArray();
      for (int v : restarted[h]) {
        if (vms[v].isProtected()) {
          protectedCount[h]++;
          protectedSum[h] += vms[v].memoryMb();
          protectedMax[h] = Math.max(protectedMax[h], vms[v].memoryMb());
        }
      }
    }
    byFree = IntStream.range(0, hosts.length).boxed()
        .sorted(Comparator.comparingLong((Integer h) -> free[h]).reversed().thenComparing(h -> h))
        .mapToInt(Integer::intValue).toArray();
  }

  /** Prepares the cluster once; plans and verdicts then reuse it. */
  public static FailoverPlanner of(Cluster c) {
    return of(c, MAX_SETS);
  }

  /** As {@link #of(Cluster)}, enumerating at most {@code maxSets} failure sets of one size. */
  public static FailoverPlanner of(Cluster c, long maxSets) {
    return new FailoverPlanner(c, maxSets);
  }

  /** The hosts that may fail and take restarts, in host id order. */
  public List<String> upHosts() {
    return List.of(hosts);
  }

  /** What a failover would do if {@code failed} (up hosts) failed together; every VM of theirs is listed. */
  public FailurePlan plan(Collection<String> failed) {
    int[] set = failed.stream().distinct().mapToInt(id -> {
      Integer i = hostIndex.get(id);
      if (i == null) throw new IllegalArgumentException("no up host " + id + "; the up hosts are " + String.join(", ", hosts));
      return i;
    }).sorted().toArray();
    return simulate(set, true).plan;
  }

  /**
   * The plan of every set of 1 to {@code n} up hosts (by size, then host order), when there are at most
   * {@code limit} of them; else empty.
   */
  public Optional<List<FailurePlan>> plans(int n, int limit) {
    long total = 0;
    for (int k = 1; k <= Math.min(n, hosts.length); k++) total += choose(hosts.length, k);
    if (total > limit) return Optional.empty();
    List<FailurePlan> plans = new ArrayList<>();
    for (int k = 1; k <= Math.min(n, hosts.length); k++) {
      int[] set = IntStream.range(0, k).toArray();
      do {
        plans.add(simulate(set.clone(), true).plan);
      } while (next(set, hosts.length));
    }
    return Optional.of(plans);
  }

  /** Whether every set of 1 to {@code n} up hosts is covered. */
  public Verdict verdict(int n) {
    if (n < 1) throw new IllegalArgumentException("host failures to tolerate must be at least 1, was " + n);
    long sets = 0;
    long simulated = 0;
    long uncovered = 0;
    List<FailurePlan> plans = new ArrayList<>();
    for (int k = 1; k <= Math.min(n, hosts.length); k++) {
      Scan s = scan(k, false, plans);
      if (s.undecided.isPresent()) {
        return new Verdict(n, hosts.length, sets, simulated, uncovered, plans, s.undecided);
      }
      sets += s.sets;
      simulated += s.simulated;
      uncovered += s.uncovered;
    }
    return new Verdict(n, hosts.length, sets, simulated, uncovered, plans, Optional.empty());
  }

  /** XenServer's compute-max-host-failures-to-tolerate: the largest N whose every failure set is covered. */
  public Max max() {
    for (int k = 1; k <= hosts.length; k++) {
      Scan s = scan(k, true, new ArrayList<>());
      if (s.undecided.isPresent()) return new Max(k - 1, false, s.undecided.get());
      if (s.uncovered > 0) return new Max(k - 1, true, "");
    }
    return new Max(hosts.length, true, "no protected VM runs on an up host");
  }

  private record Scan(long sets, long simulated, long uncovered, Optional<String> undecided) {}

  /** Judges every set of k up hosts; stops at the first uncovered one if asked; keeps up to PLANS_SHOWN plans. */
  private Scan scan(int k, boolean stopAtFirst, List<FailurePlan> plans) {
    long total = choose(hosts.length, k);
    if (allSetsCovered(k)) return new Scan(total, 0, 0, Optional.empty());
    if (total > maxSets) {
      return new Scan(0, 0, 0, Optional.of("the " + total + " sets of " + k + " failed hosts out of " + hosts.length
          + " are too many to judge one by one (limit " + maxSets + "), and the bounds over all of them do not"
          + " prove them covered"));
    }
    int[] set = IntStream.range(0, k).toArray();
    boolean[] failed = new boolean[hosts.length];
    long simulated = 0;
    long uncovered = 0;
    do {
      for (int h : set) failed[h] = true;
      if (!roomSuffices(set, failed)) {
        simulated++;
        if (!simulate(set, false).covered) {
          uncovered++;
          if (plans.size() < PLANS_SHOWN) plans.add(simulate(set, true).plan);
          if (stopAtFirst) return new Scan(total, simulated, uncovered, Optional.empty());
        }
      }
      for (int h : set) failed[h] = false;
    } while (next(set, hosts.length));
    return new Scan(total, simulated, uncovered, Optional.empty());
  }

  /**
   * Sufficient conditions for a failure set to be covered, in O(hosts). A protected VM (of K, together P MB, the
   * largest M) finds no room only if every survivor's free memory has fallen below its need, so below M:
   * <ul>
   *   <li>by memory: each of any t survivors T then took more than free(h) - M, while less than P was placed, so
   *       free(T) - (t - 1) × M >= P rules it out (T: the t survivors with the most free memory, best t);
   *   <li>by count: each survivor h then took at least floor(free(h) / M) VMs, while fewer than K were placed, so
   *       the sum of floor(free(h) / M) >= K rules it out.
   * </ul>
   * Best-effort VMs claim room only after every protected one, so they do not count.
   */
  private boolean roomSuffices(int[] set, boolean[] failed) {
    long p = 0;
    long m = 0;
    long k = 0;
    for (int h : set) {
      p += protectedSum[h];
      m = Math.max(m, protectedMax[h]);
      k += protectedCount[h];
    }
    if (p == 0) return true;
    long sum = 0;
    long fit = 0;
    int t = 0;
    for (int h : byFree) {
      if (failed[h]) continue;
      if (free[h] < m) break; // fits none of the largest; and lowers the memory bound
      sum += free[h];
      fit += free[h] / m;
      t++;
      if (sum - (t - 1) * m >= p || fit >= k) return true;
    }
    return false;
  }

  /**
   * The same bound over every set of k failures at once: the k hosts with the most protected memory fail (largest
   * P), the k with the most free memory are gone, and M is the largest protected VM anywhere. Lets the verdict skip
   * enumerating sets when the cluster has plenty of room.
   */
  private boolean allSetsCovered(int k) {
    long p = largest(IntStream.range(0, hosts.length).mapToLong(h -> protectedSum[h]), k);
    if (p == 0) return true;
    int survivors = hosts.length - k;
    if (survivors < 1) return false;
    long m = Arrays.stream(protectedMax).max().orElse(0);
    long left = Arrays.stream(free).sum() - largest(Arrays.stream(free), k);
    long fit = Arrays.stream(free).map(f -> f / m).sum() - largest(Arrays.stream(free).map(f -> f / m), k);
    long count = largest(Arrays.stream(protectedCount).asLongStream(), k);
    return left - (survivors - 1) * m >= p || fit >= count;
  }

  private static long largest(java.util.stream.LongStream values, int k) {
    return values.boxed().sorted(Comparator.reverseOrder()).limit(k).mapToLong(Long::longValue).sum();
  }

  private record Simulation(boolean covered, FailurePlan plan) {}

  /**
   * Places the failed hosts' VMs on the survivors in start order by the restart rules. {@code full}: every VM and a
   * plan with reasons; else only the protected VMs, stopping at the first that finds no room.
   */
  private Simulation simulate(int[] set, boolean full) {
    boolean[] failed = new boolean[hosts.length];
    for (int h : set) failed[h] = true;
    int count = 0;
    for (int h : set) count += full ? restarted[h].length : protectedCount[h];
    int[] order = new int[count];
    int at = 0;
    for (int h : set) {
      int n = full ? restarted[h].length : protectedCount[h];
      System.arraycopy(restarted[h], 0, order, at, n);
      at += n;
    }
    Arrays.sort(order);
    long[] room = free.clone();
    Targets targets = new Targets(room, failed);
    List<Move> moves = new ArrayList<>();
    List<Left> left = new ArrayList<>();
    boolean covered = true;
    for (int v : order) {
      Cluster.Vm vm = vms[v];
      if (!vm.priority().restarted()) {
        left.add(new Left(vm.name(), vm.host(), vm.priority(), "restart priority disabled: not protected"));
        continue;
      }
      int to = targets.choose(vm.memoryMb());
      if (to < 0) {
        if (vm.isProtected()) covered = false;
        if (!full) return new Simulation(false, null);
        String why = targets.noRoom(vm.memoryMb());
        left.add(new Left(vm.name(), vm.host(), vm.priority(),
            vm.isProtected() ? why : "best-effort, tried once: " + why));
        continue;
      }
      targets.take(to, vm.memoryMb());
      if (full) moves.add(new Move(vm.name(), vm.host(), hosts[to]));
    }
    List<String> failedIds = Arrays.stream(set).mapToObj(h -> hosts[h]).toList();
    return new Simulation(covered, full ? new FailurePlan(failedIds, moves, left) : null);
  }

  /**
   * The surviving hosts as a failover tries them ({@link Placement#targetOrder}): the default failover host first
   * when it fits, else the one with the most free memory, ties by host id (= index). A binary heap over host indices,
   * so a failure set of many VMs costs O(VMs × log hosts).
   */
  private final class Targets {
    private final long[] room;
    private final int[] heap;
    private int size;
    private final boolean defaultAlive;

    Targets(long[] room, boolean[] failed) {
      this.room = room;
      heap = new int[hosts.length];
      for (int h = 0; h < hosts.length; h++) if (!failed[h] && h != defaultHost) heap[size++] = h;
      for (int i = size / 2 - 1; i >= 0; i--) down(i);
      defaultAlive = defaultHost >= 0 && !failed[defaultHost];
    }

    /** The host the VM goes to, or -1 when none fits. */
    int choose(long need) {
      if (defaultAlive && Placement.fits(room[defaultHost], need)) return defaultHost;
      return size > 0 && Placement.fits(room[heap[0]], need) ? heap[0] : -1;
    }

    void take(int h, long need) {
      room[h] -= need;
      if (h != defaultHost) down(0); // the chosen non-default host is the heap's top
    }

    String noRoom(long need) {
      int most = size > 0 ? heap[0] : -1;
      if (defaultAlive && (most < 0 || room[defaultHost] > room[most])) most = defaultHost;
      if (most < 0) return "no up host survives";
      return "no surviving host has room: needs " + need + " MB; the most free memory left is " + room[most] + " MB ("
          + hosts[most] + ")";
    }

    private boolean before(int a, int b) {
      int c = Placement.mostFreeFirst(room[a], room[b]);
      return c != 0 ? c < 0 : a < b;
    }

    private void down(int i) {
      while (true) {
        int l = 2 * i + 1;
        int r = l + 1;
        int best = i;
        if (l < size && before(heap[l], heap[best])) best = l;
        if (r < size && before(heap[r], heap[best])) best = r;
        if (best == i) return;
        int t = heap[i];
        heap[i] = heap[best];
        heap[best] = t;
        i = best;
      }
    }
  }

  /** The next k-subset of 0..n-1 in lexicographic order, in place; false after the last. */
  private static boolean next(int[] set, int n) {
    int k = set.length;
    int i = k - 1;
    while (i >= 0 && set[i] == n - k + i) i--;
    if (i < 0) return false;
    set[i]++;
    for (int j = i + 1; j < k; j++) set[j] = set[j - 1] + 1;
    return true;
  }

  /** n choose k, saturating at Long.MAX_VALUE. */
  static long choose(int n, int k) {
    if (k < 0 || k > n) return 0;
    double r = 1;
    long exact = 1;
    for (int i = 1; i <= k; i++) {
      r = r * (n - k + i) / i;
      if (r > 1e17) return Long.MAX_VALUE;
      exact = exact * (n - k + i) / i;
    }
    return exact;
  }
}
