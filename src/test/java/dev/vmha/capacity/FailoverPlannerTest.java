package dev.vmha.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.capacity.Cluster.Host;
import dev.vmha.capacity.Cluster.HostState;
import dev.vmha.capacity.Cluster.Vm;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailoverPlannerTest {

  private static Host host(String id, long memoryMb, long freeMb) {
    return new Host(id, memoryMb, freeMb, 0, HostState.UP);
  }

  private static Vm vm(String name, long mb, String host, RestartPriority p) {
    return new Vm(name, mb, 0, host, p, 0);
  }

  /** Hosts of {@code memoryMb} whose free memory is what the listed VMs leave. */
  private static Cluster cluster(long memoryMb, List<Vm> vms, String... hostIds) {
    List<Host> hosts = new ArrayList<>();
    for (String id : hostIds) {
      long used = vms.stream().filter(v -> v.host().equals(id)).mapToLong(Vm::memoryMb).sum();
      hosts.add(host(id, memoryMb, memoryMb - used));
    }
    return new Cluster(hosts, vms, Optional.empty());
  }

  /** {@code count} hosts of {@code memoryMb}, each running medium VMs of {@code vmMbs} (named v<host>-<i>). */
  private static Cluster equalHosts(int count, long memoryMb, long... vmMbs) {
    List<Vm> vms = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int h = 1; h <= count; h++) {
      ids.add("host" + h);
      for (int i = 0; i < vmMbs.length; i++) vms.add(vm("v" + h + "-" + i, vmMbs[i], "host" + h, RestartPriority.MEDIUM));
    }
    return cluster(memoryMb, vms, ids.toArray(String[]::new));
  }

  // ---- the reference: every failure set replayed through RestartPlanner, round after round ----

  /** What a failover does when {@code failed} fail: RestartPlanner rounds until none starts a VM. */
  static Map<String, String> failover(Cluster c, Set<String> failed, Set<String> left) {
    Map<String, Long> free = new HashMap<>();
    c.hosts().stream().filter(h -> h.state() == HostState.UP && !failed.contains(h.id()))
        .forEach(h -> free.put(h.id(), h.freeMemoryMb()));
    List<RestartPlanner.Homeless> homeless = new ArrayList<>();
    for (Vm v : c.vms()) {
      if (failed.contains(v.host())) {
        homeless.add(new RestartPlanner.Homeless(new VmSpec(v.name(), v.memoryMb(), 1),
            new VmProtection(v.priority(), v.order(), ReadyCondition.RESOURCES_ALLOCATED, Duration.ZERO, List.of()),
            v.host()));
      }
    }
    Map<String, String> placed = new HashMap<>();
    Set<String> ready = new HashSet<>();
    while (true) {
      List<RestartPlanner.HostRoom> rooms = free.entrySet().stream()
          .map(e -> new RestartPlanner.HostRoom(e.getKey(), e.getValue(), Integer.MAX_VALUE)).toList();
      RestartPlanner.Plan p = RestartPlanner.plan(new RestartPlanner.Input(homeless, Map.of(), ready, rooms,
          c.defaultFailoverHost()));
      Set<String> gone = new HashSet<>();
      p.skips().forEach(s -> {
        left.add(s.vm().name());
        gone.add(s.vm().name());
      });
      for (RestartPlanner.Start s : p.starts()) {
        String to = s.hosts().get(0);
        free.merge(to, -s.vm().memoryMb(), Long::sum);
        placed.put(s.vm().name(), to);
        ready.add(s.vm().name());
        gone.add(s.vm().name());
      }
      homeless.removeIf(h -> gone.contains(h.vm().name()));
      if (p.starts().isEmpty()) {
        homeless.forEach(h -> left.add(h.vm().name()));
        return placed;
      }
    }
  }

  private static boolean coveredByReference(Cluster c, Set<String> failed) {
    Set<String> left = new HashSet<>();
    failover(c, failed, left);
    return c.vms().stream().noneMatch(v -> v.isProtected() && left.contains(v.name()));
  }

  /** Every set of 1..n up hosts, by bit mask. */
  private static List<Set<String>> failureSets(Cluster c, int n) {
    List<String> up = c.hosts().stream().filter(h -> h.state() == HostState.UP).map(Host::id).toList();
    List<Set<String>> sets = new ArrayList<>();
    for (int mask = 1; mask < 1 << up.size(); mask++) {
      if (Integer.bitCount(mask) > n) continue;
      Set<String> s = new HashSet<>();
      for (int i = 0; i < up.size(); i++) if ((mask & 1 << i) != 0) s.add(up.get(i));
      sets.add(s);
    }
    return sets;
  }

  private static Cluster random(Random r) {
    int hostCount = 1 + r.nextInt(6);
    List<Host> hosts = new ArrayList<>();
    List<Vm> vms = new ArrayList<>();
    RestartPriority[] priorities = RestartPriority.values();
    int vmNo = 0;
    for (int h = 1; h <= hostCount; h++) {
      String id = "host" + h;
      long memory = 1024L * (2 + r.nextInt(8));
      long used = 0;
      int count = r.nextInt(6);
      for (int i = 0; i < count; i++) {
        long mb = 256L * (1 + r.nextInt(8));
        if (used + mb > memory) break;
        used += mb;
        // names are not in host order, so start order interleaves the failed hosts' VMs
        vms.add(new Vm("vm" + (char) ('a' + r.nextInt(26)) + (vmNo++), mb, 0, id,
            priorities[r.nextInt(priorities.length)], r.nextInt(3)));
      }
      long unlisted = r.nextInt(4) == 0 ? Math.min(memory - used, 512) : 0;
      HostState state = r.nextInt(10) == 0 ? HostState.values()[1 + r.nextInt(2)] : HostState.UP;
      hosts.add(new Host(id, memory, memory - used - unlisted, 0, state));
    }
    Optional<String> preferred = r.nextBoolean() ? Optional.of("host" + (1 + r.nextInt(hostCount))) : Optional.empty();
    return new Cluster(hosts, vms, preferred);
  }

  @Test
  void verdictAndMaxAreExactAgainstEveryFailureSetReplayedThroughRestartPlanner() {
    int covered = 0;
    int uncovered = 0;
    long judged = 0;
    long simulated = 0;
    for (long seed = 1; seed <= 300; seed++) {
      Random r = new Random(seed);
      Cluster c = random(r);
      FailoverPlanner planner = FailoverPlanner.of(c);
      int up = planner.upHosts().size();
      int expectedMax = up;
      for (int n = 1; n <= Math.max(1, up); n++) {
        List<Set<String>> sets = failureSets(c, n);
        long bad = sets.stream().filter(s -> !coveredByReference(c, s)).count();
        FailoverPlanner.Verdict v = planner.verdict(n);
        String where = "seed " + seed + ", N = " + n + ": " + c;
        assertEquals(sets.size(), v.sets(), where);
        assertEquals(bad, v.uncoveredSets(), where);
        assertEquals(bad == 0, v.covered(), where);
        judged += v.sets();
        simulated += v.simulated();
        if (bad == 0) covered++;
        else uncovered++;
        if (bad > 0 && expectedMax == up) expectedMax = n - 1;
      }
      boolean anyProtected = c.vms().stream().anyMatch(v -> v.isProtected()
          && planner.upHosts().contains(v.host()));
      if (up > 0 && anyProtected) assertEquals(expectedMax, planner.max().failures(), "seed " + seed + ": " + c);
      if (up > 0) assertTrue(planner.max().exact());
    }
    assertTrue(covered > 100 && uncovered > 100, "the instances exercise both verdicts: " + covered + "/" + uncovered);
    assertTrue(simulated > judged / 10 && simulated < judged * 9 / 10,
        "both the bounds and the simulation decide sets: " + simulated + " of " + judged + " simulated");
  }

  @Test
  void eachFailureSetsPlacementIsTheFailoverRestartPlannerWouldDo() {
    for (long seed = 1; seed <= 120; seed++) {
      Cluster c = random(new Random(seed));
      FailoverPlanner planner = FailoverPlanner.of(c);
      for (Set<String> failed : failureSets(c, 3)) {
        Set<String> left = new HashSet<>();
        Map<String, String> expected = failover(c, failed, left);
        FailoverPlanner.FailurePlan p = planner.plan(failed);
        Map<String, String> moves = new HashMap<>();
        p.moves().forEach(m -> moves.put(m.vm(), m.to()));
        assertEquals(expected, moves, "seed " + seed + ", failed " + failed + ": " + c);
        assertEquals(left, new HashSet<>(p.left().stream().map(FailoverPlanner.Left::vm).toList()), "seed " + seed);
        assertEquals(c.vms().stream().noneMatch(v -> v.isProtected() && left.contains(v.name())), p.covered());
      }
    }
  }

  @Test
  void aProtectedVmWithoutRoomIsNamedWithWhy() {
    // host2 also runs 1024 MB of VMs that HA does not protect
    Cluster c = new Cluster(List.of(host("host1", 4096, 1024), host("host2", 4096, 2048)),
        List.of(vm("db1", 3072, "host1", RestartPriority.HIGH), vm("web1", 1024, "host2", RestartPriority.MEDIUM)),
        Optional.empty());
    FailoverPlanner planner = FailoverPlanner.of(c);
    FailoverPlanner.Verdict v = planner.verdict(1);
    assertFalse(v.covered());
    assertEquals(2, v.sets());
    assertEquals(1, v.uncoveredSets(), "host2 fails: web1 fits on host1; host1 fails: db1 does not fit on host2");
    FailoverPlanner.FailurePlan p = v.uncovered().get(0);
    assertEquals(List.of("host1"), p.failed());
    assertEquals(List.of(new FailoverPlanner.Left("db1", "host1", RestartPriority.HIGH,
        "no surviving host has room: needs 3072 MB; the most free memory left is 2048 MB (host2)")), p.left());
    assertEquals(new FailoverPlanner.Max(0, true, ""), planner.max());
  }

  @Test
  void bestEffortAndDisabledVmsAreNotOwedRoomButAreListed() {
    Cluster c = cluster(4096, List.of(vm("be1", 4096, "host1", RestartPriority.BEST_EFFORT),
        vm("off1", 512, "host2", RestartPriority.DISABLED)), "host1", "host2");
    FailoverPlanner planner = FailoverPlanner.of(c);
    assertTrue(planner.verdict(2).covered(), "no protected VM: every failure is covered");
    FailoverPlanner.FailurePlan p = planner.plan(List.of("host1"));
    assertTrue(p.covered());
    assertEquals(List.of(new FailoverPlanner.Left("be1", "host1", RestartPriority.BEST_EFFORT,
        "best-effort, tried once: no surviving host has room: needs 4096 MB; the most free memory left is 3584 MB"
            + " (host2)")), p.left());
    assertEquals(List.of(new FailoverPlanner.Left("off1", "host2", RestartPriority.DISABLED,
        "restart priority disabled: not protected")), planner.plan(List.of("host2")).left());
    assertEquals(new FailoverPlanner.Max(2, true, "no protected VM runs on an up host"), planner.max());
  }

  @Test
  void higherPrioritiesClaimRoomFirstAndBestEffortNeverTakesItFromThem() {
    // host3 fails; host1 has room for one of its VMs only
    Cluster c = new Cluster(List.of(host("host1", 4096, 2048), host("host2", 4096, 0), host("host3", 4096, 0)),
        List.of(vm("a-best", 2048, "host3", RestartPriority.BEST_EFFORT), vm("b-low", 2048, "host3", RestartPriority.LOW),
            vm("z-high", 2048, "host3", RestartPriority.HIGH)), Optional.empty());
    FailoverPlanner.FailurePlan p = FailoverPlanner.of(c).plan(List.of("host3"));
    assertEquals(List.of(new FailoverPlanner.Move("z-high", "host3", "host1")), p.moves());
    assertEquals(List.of("b-low", "a-best"), p.left().stream().map(FailoverPlanner.Left::vm).toList());
    assertFalse(p.covered(), "b-low is protected (low) and has no room");
  }

  @Test
  void theDefaultFailoverHostTakesVmsFirstAndMaintenanceOrDownHostsNeitherFailNorTakeVms() {
    List<Vm> vms = List.of(vm("v1", 1024, "host1", RestartPriority.MEDIUM));
    Cluster c = new Cluster(List.of(host("host1", 8192, 7168), host("host2", 8192, 8192), host("host3", 8192, 1024),
        new Host("host4", 8192, 8192, 0, HostState.MAINTENANCE), new Host("host5", 8192, 8192, 0, HostState.DOWN)),
        vms, Optional.of("host3"));
    FailoverPlanner planner = FailoverPlanner.of(c);
    assertEquals(List.of("host1", "host2", "host3"), planner.upHosts());
    assertEquals(List.of(new FailoverPlanner.Move("v1", "host1", "host3")), planner.plan(List.of("host1")).moves(),
        "the default failover host fits it, although host2 has more free memory");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> planner.plan(List.of("host4")));
    assertTrue(e.getMessage().contains("no up host host4"), e.getMessage());
    assertEquals(2, planner.max().failures(), "all three up hosts failing leaves nothing");
  }

  @Test
  void moreFailuresThanUpHostsAreNotCovered() {
    Cluster c = cluster(8192, List.of(vm("v1", 512, "host1", RestartPriority.MEDIUM)), "host1", "host2");
    FailoverPlanner.Verdict v = FailoverPlanner.of(c).verdict(3);
    assertFalse(v.covered());
    assertEquals(3, v.sets(), "two single failures and the pair");
    assertEquals(List.of(new FailoverPlanner.Left("v1", "host1", RestartPriority.MEDIUM, "no up host survives")),
        v.uncovered().get(0).left());
  }

  @Test
  void tooManyFailureSetsToEnumerateAreUndecidedNotCovered() {
    // 10 hosts, each with 3 GB free and VMs of 2, 1 and 1 GB: no bound proves 3 failures, C(10, 3) = 120 > 100
    Cluster c = equalHosts(10, 7168, 2048, 1024, 1024);
    FailoverPlanner limited = FailoverPlanner.of(c, 100);
    FailoverPlanner.Verdict v = limited.verdict(3);
    assertFalse(v.covered());
    assertTrue(v.undecided().orElseThrow().contains("the 120 sets of 3 failed hosts out of 10 are too many to judge"
        + " one by one (limit 100)"), v.undecided().toString());
    assertEquals(new FailoverPlanner.Max(2, false, v.undecided().get()), limited.max());
    assertTrue(FailoverPlanner.of(c).verdict(3).covered(), "judged one by one, every set of 3 is covered");
  }

  @Test
  void manyEqualHostsAreProvedCoveredByCountWithoutEnumerating() {
    // 60 hosts, each half full with one 4 GB VM: up to 30 may fail; C(60, k) sets are far too many to simulate
    FailoverPlanner planner = FailoverPlanner.of(equalHosts(60, 8192, 4096), 1000);
    assertTrue(planner.verdict(30).covered());
    assertEquals(30, planner.max().failures());
  }

  @Test
  void aLargeClusterWithRoomIsJudgedWithoutSimulatingEverySet() {
    long[] sizes = new long[100];
    java.util.Arrays.fill(sizes, 256);
    FailoverPlanner.Verdict v = FailoverPlanner.of(equalHosts(96, 65536, sizes)).verdict(3);
    assertTrue(v.covered());
    assertEquals(96 + 96L * 95 / 2 + 96L * 95 * 94 / 6, v.sets());
    assertEquals(0, v.simulated(), "the bounds prove every set");
  }
}
