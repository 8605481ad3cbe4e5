package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 000's five canonical cases on four hosts (master host4, the highest id, wins the first election; isolation
 * response power-off), with real actor systems and faults at the transport, plus their variants without heartbeat
 * datastores. After every fault: the verdicts, the events in order, and every protected VM running exactly once —
 * checked on every poll while waiting, not only at the end.
 */
class CanonicalCasesTest {
  static final double FACTOR = Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"));
  static final Duration ASK = Duration.ofSeconds(3);

  @TempDir Path dir;
  SimulatedCluster cluster;
  /** The master after the cluster formed, and the other hosts. */
  String master;
  List<String> slaves;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  private void start(int datastores) throws Exception {
    Config settings = ConfigFactory.parseString("""
        das.failuredetectioninterval = 200ms
        das.config.fdm.hostTimeout = 2s
        das.config.fdm.icmpPingTimeout = 500ms
        das.config.fdm.deadIcmpPingInterval = 2s
        das.usedefaultisolationaddress = false
        das.isolationaddress1 = "127.0.0.1"
        vmha.election.window = 1s
        vmha.host.memory-mb = 4096
        vmha.isolation.response = "power-off"
        vmha.restart.power-on-timeout = 5s
        """);
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(4, settings, datastores, dir,
        ConfigFactory.load("application-test")));
    await("one master and three slaves of it", 60, () -> {
      List<String> m = cluster.masters(ASK);
      return m.size() == 1 && cluster.hosts().stream()
          .allMatch(h -> cluster.role(h.id(), ASK).map(r -> m.get(0).equals(r.master())).orElse(false));
    });
    master = cluster.masters(ASK).get(0);
    await("the master hears all four hosts", 30, () -> cluster.status(master, ASK).map(s -> s.hosts().stream()
        .filter(h -> h.verdict().equals("ALIVE") && h.memoryMb() > 0).count() == 4).orElse(false));
    slaves = new ArrayList<>(List.of("host1", "host2", "host3", "host4"));
    slaves.remove(master);
    int n = 0;
    for (String h : List.of("host1", "host2", "host3", "host4")) {
      for (int k = 0; k < 2; k++) {
        VmSpec vm = new VmSpec("vm" + (++n), 512, 1);
        // a master elected while another briefly was takes the list lock once the other's stood still
        await(vm.name() + " powered on at " + h, 30, () -> poweredOn(vm, h));
      }
    }
    awaitAllRunningOnce("8 VMs placed", 30);
    // every host holds the master's protected list (without datastores the heartbeats' replica is the only copy a
    // new master has: a change made within one heartbeat before the master fails is lost with it)
    long version = cluster.role(master, ASK).orElseThrow().listVersion();
    await("every host holds protected list v" + version, 30, () -> cluster.hosts().stream()
        .allMatch(h -> cluster.role(h.id(), ASK).map(r -> r.listVersion() == version).orElse(false)));
  }

  // ---- the five cases

  @Test
  void case1SlaveCrashes() throws Exception {
    start(2);
    String victim = slaves.get(0);
    Map<String, List<String>> before = cluster.running();
    cluster.crash(victim);
    awaitAllRunningOnce(victim + "'s VMs restarted on the others", 60);
    assertRecovered(before, victim, master, Verdict.DEAD);
    assertEquals(List.of(master), cluster.masters(ASK), "a slave's crash does not change the master");
  }

  @Test
  void case2SlaveIsolated() throws Exception {
    start(2);
    String victim = slaves.get(0);
    Map<String, List<String>> before = cluster.running();
    cluster.isolate(victim);
    awaitAllRunningOnceAwayFrom(victim, victim + " isolated, its VMs restarted by the master", 60);
    assertSelfDiagnosed(victim, "ISOLATED");
    assertEvent(victim, HaEvent.IsolationResponseApplied.class);
    assertVmsOff(victim);
    await(master + " judges it ISOLATED", 30, () -> judged(master, victim, Verdict.ISOLATED));
    assertRecovered(before, victim, master, null);
  }

  @Test
  void case3MasterCrashes() throws Exception {
    start(2);
    Map<String, List<String>> before = cluster.running();
    cluster.crash(master);
    await("a new master among the survivors", 60, () -> cluster.masters(ASK).size() == 1);
    awaitAllRunningOnce("the old master's VMs restarted by the new one", 60);
    assertRecovered(before, master, cluster.masters(ASK).get(0), Verdict.DEAD);
  }

  @Test
  void case4MasterIsolated() throws Exception {
    start(2);
    Map<String, List<String>> before = cluster.running();
    cluster.isolate(master);
    awaitAllRunningOnceAwayFrom(master, master + " isolated, its VMs restarted by a new master", 60);
    assertSelfDiagnosed(master, "ISOLATED");
    assertVmsOff(master);
    String best = slaves.stream().max(java.util.Comparator.comparing(h -> Integer.parseInt(h.substring(4)))).get();
    assertTrue(cluster.masters(ASK).contains(best), best + " leads the other side: " + cluster.masters(ASK));
    assertRecovered(before, master, best, null);
  }

  @Test
  void case5PartitionTwoByTwo() throws Exception {
    start(2);
    Map<String, List<String>> before = cluster.running();
    Set<String> mine = Set.of(master, slaves.get(0));
    Set<String> theirs = Set.of(slaves.get(1), slaves.get(2));
    cluster.partition(mine, theirs);
    await("a master on each side", 60, () -> cluster.masters(ASK).size() == 2);
    String other = cluster.masters(ASK).stream().filter(theirs::contains).findFirst().orElseThrow();
    // both sides judge the other side PARTITIONED and touch no VM
    await("each side judges the other partitioned", 60, () -> theirs.stream().allMatch(h -> judged(master, h,
        Verdict.PARTITIONED)) && mine.stream().allMatch(h -> judged(other, h, Verdict.PARTITIONED)));
    assertEquals(before, cluster.running(), "no VM moved, stopped or started during the partition");
    // each datastore's protected list has one owner: the old master keeps its locks, the other side's master
    // owns nothing and refuses to change protection, so no record is lost when the partition heals
    var refused = cluster.powerOn(other, new VmSpec("vm9", 512, 1), null, ASK);
    assertTrue(!refused.ok() && refused.message().contains("does not own the protected list"), refused.message());
    cluster.heal();
    await("one master again after the heal", 60, () -> cluster.masters(ASK).size() == 1);
    assertEquals(before, cluster.running(), "no VM touched by the heal");
    assertNoRestartEvents();
    String merged = cluster.masters(ASK).get(0);
    await("the surviving master lists all 8 protected VMs", 30, () -> cluster.status(merged, ASK)
        .map(st -> st.vms().size() == 8).orElse(false));
  }

  // ---- the same without heartbeat datastores: the majority rule decides

  @Test
  void case2WithoutDatastoresTheMinorityFencesAndTheMajorityRestarts() throws Exception {
    start(0);
    String victim = slaves.get(0);
    cluster.isolate(victim);
    awaitAllRunningOnceAwayFrom(victim, victim + " fenced itself, the majority restarted its VMs", 90);
    assertEvent(victim, HaEvent.HostSelfFenced.class);
    assertVmsOff(victim);
  }

  @Test
  void case4WithoutDatastoresTheIsolatedMasterFences() throws Exception {
    start(0);
    cluster.isolate(master);
    awaitAllRunningOnceAwayFrom(master, master + " fenced itself, the majority restarted its VMs", 90);
    assertEvent(master, HaEvent.HostSelfFenced.class);
    assertVmsOff(master);
  }

  @Test
  void case5WithoutDatastoresAnEvenSplitTouchesNothing() throws Exception {
    start(0);
    Map<String, List<String>> before = cluster.running();
    Set<String> mine = Set.of(master, slaves.get(0));
    Set<String> theirs = Set.of(slaves.get(1), slaves.get(2));
    cluster.partition(mine, theirs);
    await("a master on each side, each judging the other PARTITIONED (no majority)", 60, () -> {
      List<String> m = cluster.masters(ASK);
      return m.size() == 2 && theirs.stream().allMatch(h -> judged(master, h, Verdict.PARTITIONED));
    });
    assertEquals(before, cluster.running());
    cluster.heal();
    await("one master again", 60, () -> cluster.masters(ASK).size() == 1);
    assertEquals(before, cluster.running());
    assertNoRestartEvents();
  }

  // ---- after the fault heals

  @Test
  void anIsolatedHostRejoinsAsASlaveWhenItsNetworkReturns() throws Exception {
    start(2);
    String victim = slaves.get(0);
    cluster.isolate(victim);
    awaitAllRunningOnceAwayFrom(victim, victim + " isolated, its VMs restarted", 60);
    cluster.heal();
    await(victim + " back as a slave of " + master, 60,
        () -> cluster.role(victim, ASK).map(r -> master.equals(r.master())).orElse(false));
    assertEvent(victim, HaEvent.IsolationEnded.class);
    awaitAllRunningOnceAwayFrom(victim, "every VM still running exactly once", 10);
  }

  @Test
  void aHostRemovedFromTheClusterWhileCutOffRejoinsByItself() throws Exception {
    start(0);
    String victim = slaves.get(0);
    cluster.isolate(victim);
    awaitAllRunningOnceAwayFrom(victim, victim + " fenced, its VMs restarted by the majority", 90);
    await(victim + " removed from the cluster", 30, () -> cluster.host(master).events().stream()
        .anyMatch(e -> e instanceof HaEvent.MembershipChanged m && m.host().equals(victim)
            && m.change().equals("removed")));
    cluster.heal();
    await(victim + " back as a slave (a new incarnation of its agent)", 90,
        () -> cluster.role(victim, ASK).map(r -> master.equals(r.master())).orElse(false));
    awaitAllRunningOnceAwayFrom(victim, "every VM still running exactly once", 10);
  }

  // ---- storage faults

  @Test
  void aHostThatLosesItsDatastoresFencesItselfAndItsVmsRestartElsewhere() throws Exception {
    start(2);
    String victim = slaves.get(0);
    cluster.cutDatastores(victim, true);
    awaitAllRunningOnceAwayFrom(victim, victim + " fenced, its VMs restarted on hosts that see the datastores", 60);
    assertEvent(victim, HaEvent.HostSelfFenced.class);
    assertTrue(cluster.host(master).events().stream().noneMatch(e -> e instanceof HaEvent.HostJudged j
        && j.host().equals(victim) && j.verdict() != Verdict.ALIVE), victim + " still beats: it is never judged");
    cluster.cutDatastores(victim, false);
    await(victim + " lifts its fence", 30, () -> cluster.host(victim).events().stream()
        .anyMatch(e -> e instanceof HaEvent.HostUnfenced));
    // the master learns of the lifted fence with the host's next heartbeat; a refused power-on changes nothing
    await(victim + " takes VMs again", 30, () -> {
      try {
        return cluster.powerOn(master, new VmSpec("vm9", 512, 1), victim, ASK).ok();
      } catch (Exception e) {
        return false;
      }
    });
  }

  // ---- helpers

  private boolean poweredOn(VmSpec vm, String host) {
    try {
      return cluster.powerOn(master, vm, host, ASK).ok();
    } catch (Exception e) {
      return false;
    }
  }

  private void await(String what, int seconds, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * FACTOR * 1e9);
    while (System.nanoTime() < deadline) {
      Map<String, List<String>> doubles = cluster.doubles();
      if (!doubles.isEmpty()) fail("VMs running on two hosts at once: " + doubles + "\n" + timeline());
      if (done.getAsBoolean()) return;
      Thread.onSpinWait();
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
    }
    fail("timed out waiting for " + what + "; running " + cluster.running() + "\n" + timeline());
  }

  private void awaitAllRunningOnce(String what, int seconds) throws InterruptedException {
    awaitAllRunningOnceAwayFrom(null, what, seconds);
  }

  /** Every VM runs exactly once, and none on {@code host} (null: anywhere). */
  private void awaitAllRunningOnceAwayFrom(String host, String what, int seconds) throws InterruptedException {
    await(what, seconds, () -> {
      Map<String, List<String>> r = cluster.running();
      return r.size() >= 8 && r.values().stream().allMatch(on -> on.size() == 1 && !on.contains(host));
    });
  }

  private boolean judged(String master, String host, Verdict v) {
    return cluster.host(master).events().stream().anyMatch(e -> e instanceof HaEvent.HostJudged j
        && j.host().equals(host) && j.verdict() == v);
  }

  private void assertJudged(String master, String host, Verdict v) {
    assertTrue(judged(master, host, v), master + " should have judged " + host + " " + v + "\n" + timeline());
  }

  private void assertSelfDiagnosed(String host, String result) {
    assertTrue(cluster.host(host).events().stream().anyMatch(e -> e instanceof HaEvent.SelfDiagnosed d
        && d.result().equals(result)), host + " should have diagnosed itself " + result + "\n" + timeline());
  }

  private void assertEvent(String host, Class<? extends HaEvent> type) {
    assertTrue(cluster.host(host).events().stream().anyMatch(type::isInstance),
        host + " should have recorded " + type.getSimpleName() + "\n" + timeline());
  }

  /**
   * After {@code failed} lost its VMs: the other hosts' VMs did not move; {@code master} judged the failed host
   * (with {@code verdict}, if given) before it restarted each lost VM exactly once, where the VM now runs.
   */
  private void assertRecovered(Map<String, List<String>> before, String failed, String master, Verdict verdict) {
    Map<String, List<String>> after = cluster.running();
    List<String> lost = new ArrayList<>();
    before.forEach((vm, on) -> {
      if (on.contains(failed)) lost.add(vm);
      else assertEquals(on, after.get(vm), vm + " ran on a healthy host and must not move");
    });
    List<HaEvent> events = cluster.host(master).events();
    int judged = -1;
    for (int i = 0; i < events.size() && judged < 0; i++) {
      if (events.get(i) instanceof HaEvent.HostJudged j && j.host().equals(failed)
          && (verdict == null ? j.verdict() != Verdict.ALIVE : j.verdict() == verdict)) judged = i;
    }
    assertTrue(judged >= 0, master + " never judged " + failed + "\n" + timeline());
    for (String vm : lost) {
      List<String> restartedAt = new ArrayList<>();
      for (HaEvent e : events.subList(judged, events.size())) {
        if (e instanceof HaEvent.VmRestarted r && r.vm().equals(vm)) restartedAt.add(r.host());
      }
      assertEquals(after.get(vm), restartedAt, vm + " restarted exactly once, where it runs now\n" + timeline());
    }
  }

  private void assertVmsOff(String host) {
    assertEquals(List.of(), cluster.host(host).hypervisor().runningNames(), host + " must run no VM");
  }

  private void assertNoRestartEvents() {
    List<HaEvent> restarts = new ArrayList<>();
    for (HaEvent e : cluster.allEvents()) {
      if (e instanceof HaEvent.VmRestartPlanned p && !p.reason().startsWith("operator")) restarts.add(e);
    }
    assertEquals(List.of(), restarts);
  }

  private String timeline() {
    return cluster.allEvents().stream().filter(e -> !(e instanceof HaEvent.DatastoreAccessChanged))
        .map(e -> e.at() + " " + e.by() + " " + e.describe()).collect(Collectors.joining("\n"));
  }
}
