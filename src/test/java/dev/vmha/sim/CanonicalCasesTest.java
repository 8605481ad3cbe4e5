package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.VmProtection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Seed 000's canonical cases on real actor systems with faults at the transport, where they test wiring, one cluster
 * start per shape: three hosts with two heartbeat datastores — a cold start with a protected list on disk, the loss of
 * one host's datastores, then one failover end to end (the master crashes); four hosts without heartbeat datastores,
 * where the majority of the cluster membership decides — a 2 × 2 split, then an isolated master that is removed from
 * the cluster and rejoins by itself. After every fault: the verdicts, the events in order, and
 * every protected VM running exactly once — checked on every poll while waiting, not only at the end. The cases that
 * test only decisions run in virtual time: {@link SimulationCasesTest} (the takeover in the middle of a recovery too,
 * formerly the real-time TakeoverTest).
 *
 * <p>The two cases run side by side, each with its own cluster, ports and directory (no other class runs meanwhile in
 * this JVM): they mostly wait on the clusters' timers, so together they take about the time of the longer one
 * (docs/BENCHMARKS.md "Test suite").
 */
class CanonicalCasesTest {
  private static final Duration ASK = ClusterWatch.ASK;

  @TempDir Path dir;
  SimulatedCluster cluster;
  ClusterWatch watch;
  /** The master after the cluster formed, and the other hosts. */
  String master;
  List<String> slaves;
  /** The protected VMs. */
  final Set<String> vms = new TreeSet<>();

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  /** The cluster of host1..host{@code hosts} forms, every agent started at once, and elects its master. */
  private void start(int hosts, int datastores) {
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(hosts, ClusterWatch.fastSettings(datastores),
        datastores, dir, ConfigFactory.load("application-test")));
    watch = new ClusterWatch(cluster, () -> "");
    master = watch.awaitOneMaster(hosts);
    slaves = new ArrayList<>(cluster.hosts().stream().map(SimulatedCluster.Host::id).toList());
    slaves.remove(master);
  }

  /** An operator powers {@code vm} on at {@code host}. */
  private void powerOn(String vm, String host) {
    watch.powerOn(master, new VmSpec(vm, 512, 1), host);
    vms.add(vm);
  }

  /**
   * Starts with a cold start after an outage of the whole cluster (issue 18 item 9; formerly {@code ColdStartTest}):
   * every agent starts at once with a protected list on disk; from the configured nodelist (every host a seed node),
   * the datastore heartbeats and the ballots over the cluster they elect the best-ranked host (both datastores, the
   * highest id), whose master restarts the list's VMs, each once. The election's decisions (a configured host not yet
   * started is waited for, one seen starting at most window + hostTimeout, no host electing another first) are
   * checked to the virtual millisecond by {@code election.ElectionMachineTest}: in real time on a loaded machine a host
   * seen starting may take longer than window + hostTimeout to ballot (it did).
   */
  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void withDatastoresAColdStartRestartsTheListOnDiskAHostThatLosesThemFencesAndANewMasterRestartsTheCrashedOnesVms()
      throws Exception {
    ProtectedList list = ProtectedList.empty("host9");
    for (int i = 1; i <= 3; i++) {
      list = list.with(new VmSpec("vm" + i, 512, 1), "host" + i, VmProtection.defaults(), "host9");
      vms.add("vm" + i);
    }
    for (String ds : List.of("ds1", "ds2")) {
      new DirectoryDatastore(Files.createDirectories(dir.resolve(ds)), Runnable::run).writeProtectedList(list)
          .toCompletableFuture().join();
    }
    start(3, 2);
    assertEquals("host3", master, "the best-ranked host leads");
    awaitAllRunningOnce("the list's VMs restarted from disk", 60);
    // a VM more at the master and at the victim, wherever the cold start placed the list's
    String victim = slaves.get(0);
    powerOn("vm5", master);
    powerOn("vm6", victim);
    awaitAllRunningOnce("vm5 and vm6 placed", 30);
    watch.awaitListReplicated(master);

    // a host's datastore loss
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
        return cluster.powerOn(master, new VmSpec("vm7", 512, 1), victim, ASK).ok();
      } catch (Exception e) {
        return false;
      }
    });
    vms.add("vm7");

    // one failover end to end: the master crashes
    Map<String, List<String>> before = cluster.running();
    cluster.crash(master);
    await("a new master among the survivors", 60, () -> cluster.masters(ASK).size() == 1);
    awaitAllRunningOnce("the old master's VMs restarted by the new one", 60);
    assertRecovered(before, master, cluster.masters(ASK).get(0), Verdict.DEAD);
  }

  /**
   * Seed 000's case 5, then case 4 with case 2's ending (removed, then back by itself): an isolated master is the
   * minority as an isolated slave is — both fence, through the same shells (the slave's decisions:
   * {@code SimulationCasesTest.case2SlaveIsolatedIsJudgedIsolatedItsVmsRestartElsewhereAndItRejoinsAsASlave},
   * {@code election.ElectionMachineTest}, {@code isolation.FenceMachineTest}) — and the majority must elect a master
   * besides, which restarts the VMs from the heartbeats' replica of the list.
   */
  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void withoutDatastoresAnEvenSplitTouchesNothingAndAnIsolatedMasterFencesAndRejoinsByItselfOnceRemoved()
      throws Exception {
    start(4, 0); // a strict majority of 3 for an isolated host, and a 2 × 2 split
    for (int i = 1; i <= 4; i++) powerOn("vm" + i, "host" + i);
    awaitAllRunningOnce("4 VMs placed", 30);
    watch.awaitListReplicated(master);

    // a link fault that is not a partition: one slave loses its links to the two others but keeps the master's. Pekko
    // gossips every host's observations, so every host learns that the slaves cannot reach each other; counted from
    // them, the master would hear only itself and fence (CI run 31's cause). Each host counts whom it hears itself:
    // the master hears all, the lone slave half and its master's beats, and nothing is fenced or restarted
    String lone = slaves.get(0);
    Set<String> others = Set.of(slaves.get(1), slaves.get(2));
    cluster.partition(Set.of(lone), others);
    await(master + " learns that " + others + " cannot reach " + lone, 30,
        () -> others.stream().allMatch(h -> cluster.holdsObservation(master, h, lone)));
    watch.hold(Duration.ofSeconds(6)); // three hostTimeouts: the fence of a minority of one comes after one
    assertEquals(List.of(), cluster.allEvents().stream().filter(HaEvent.HostSelfFenced.class::isInstance).toList());
    assertEquals(List.of(), restartEvents(), "nothing restarts while the master hears every host");
    cluster.heal();
    await("one membership again", 30, cluster::oneMembership);

    // case 5: an even split touches nothing
    Map<String, List<String>> before = cluster.running();
    Set<String> theirs = Set.of(slaves.get(1), slaves.get(2));
    cluster.partition(Set.of(master, slaves.get(0)), theirs);
    await("a master on each side, each judging the other PARTITIONED (no majority)", 60, () -> {
      List<String> m = cluster.masters(ASK);
      return m.size() == 2 && theirs.stream().allMatch(h -> judged(master, h, Verdict.PARTITIONED));
    });
    assertEquals(before, cluster.running());
    cluster.heal();
    await("one master again", 60, () -> cluster.masters(ASK).size() == 1);
    assertEquals(before, cluster.running());
    assertEquals(List.of(), restartEvents(), "nothing restarts for an even split");

    // case 4: the isolated master fences, the majority elects a master that restarts its VMs
    String isolated = cluster.masters(ASK).get(0);
    cluster.isolate(isolated);
    awaitAllRunningOnceAwayFrom(isolated, isolated + " fenced itself, the majority restarted its VMs", 90);
    assertEvent(isolated, HaEvent.HostSelfFenced.class);
    assertVmsOff(isolated);
    // case 2's ending: removed from the cluster, the host rejoins by itself once healed
    await("a master on the majority side", 30, () -> {
      List<String> m = cluster.masters(ASK);
      return m.size() == 1 && !m.get(0).equals(isolated);
    });
    String next = cluster.masters(ASK).get(0);
    await(isolated + " removed from the cluster", 30, () -> cluster.host(next).events().stream()
        .anyMatch(e -> e instanceof HaEvent.MembershipChanged m && m.host().equals(isolated)
            && m.change().equals("removed")));
    cluster.heal();
    await(isolated + " back as a slave of " + next + " (a new incarnation of its agent)", 90,
        () -> cluster.role(isolated, ASK).map(r -> r.master().equals(Optional.of(next))).orElse(false));
    awaitAllRunningOnceAwayFrom(isolated, "every VM still running exactly once", 10);
  }

  // ---- helpers

  private void await(String what, int seconds, BooleanSupplier done) {
    watch.await(what, seconds, done);
  }

  private void awaitAllRunningOnce(String what, int seconds) {
    awaitAllRunningOnceAwayFrom(null, what, seconds);
  }

  /** Every VM runs exactly once, and none on {@code host} (null: anywhere). */
  private void awaitAllRunningOnceAwayFrom(String host, String what, int seconds) {
    await(what, seconds, () -> {
      Map<String, List<String>> r = cluster.running();
      return r.keySet().containsAll(vms) && r.values().stream().allMatch(on -> on.size() == 1 && !on.contains(host));
    });
  }

  private boolean judged(String master, String host, Verdict v) {
    return cluster.host(master).events().stream().anyMatch(e -> e instanceof HaEvent.HostJudged j
        && j.host().equals(host) && j.verdict() == v);
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
    // a VM runs before its host's answer reaches the master and is recorded as restarted: wait for the records made
    // after the verdict (each VM's first power-on is a VmRestarted record too)
    await("the master's restart records of " + lost, 10, () -> {
      List<HaEvent> es = cluster.host(master).events();
      int j = judgedAt(es, failed, verdict);
      return j >= 0 && lost.stream().allMatch(vm -> es.subList(j, es.size()).stream()
          .anyMatch(e -> e instanceof HaEvent.VmRestarted r && r.vm().equals(vm)));
    });
    List<HaEvent> events = cluster.host(master).events();
    int judged = judgedAt(events, failed, verdict);
    assertTrue(judged >= 0, master + " never judged " + failed + "\n" + timeline());
    for (String vm : lost) {
      List<String> restartedAt = new ArrayList<>();
      for (HaEvent e : events.subList(judged, events.size())) {
        if (e instanceof HaEvent.VmRestarted r && r.vm().equals(vm)) restartedAt.add(r.host());
      }
      assertEquals(after.get(vm), restartedAt, vm + " restarted exactly once, where it runs now\n" + timeline());
    }
  }

  /** Where the master's first verdict on {@code failed} is in its events (any but ALIVE if {@code verdict} is null), or -1. */
  private static int judgedAt(List<HaEvent> events, String failed, Verdict verdict) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof HaEvent.HostJudged j && j.host().equals(failed)
          && (verdict == null ? j.verdict() != Verdict.ALIVE : j.verdict() == verdict)) return i;
    }
    return -1;
  }

  private void assertVmsOff(String host) {
    assertEquals(List.of(), cluster.host(host).hypervisor().runningNames(), host + " must run no VM");
  }

  /** The restarts the masters planned for failures (not for operators). */
  private List<HaEvent> restartEvents() {
    List<HaEvent> restarts = new ArrayList<>();
    for (HaEvent e : cluster.allEvents()) {
      if (e instanceof HaEvent.VmRestartPlanned p && !p.reason().startsWith("operator")) restarts.add(e);
    }
    return restarts;
  }

  private String timeline() {
    return ClusterWatch.timeline(cluster.allEvents());
  }
}
