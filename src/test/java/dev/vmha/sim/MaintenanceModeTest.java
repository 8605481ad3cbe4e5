package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.MasterCoordinator;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance mode end to end on an in-JVM cluster (issue 22): a slave entering maintenance has its VMs migrated to
 * the other hosts, never running in two places (ClusterWatch checks on every poll; a migration in that starts a VM
 * still running elsewhere is recorded as a double start), then takes no VMs; its crash makes it DEAD (and its member
 * downed) but owes no restart: maintenance drained it.
 */
class MaintenanceModeTest {
  private SimulatedCluster cluster;

  @Test
  void aHostIsDrainedOneWriterAtATimeThenTakesNoVmsAndItsCrashIsJudgedWithoutFailover(@TempDir Path dir)
      throws Exception {
    try (SimulatedCluster c = SimulatedCluster.start(new SimulatedCluster.Options(3, ClusterWatch.fastSettings(), 1,
        dir, ConfigFactory.load("application-test")))) {
      cluster = c;
      drainCrashAndExit();
    }
  }

  private void drainCrashAndExit() throws Exception {
    ClusterWatch watch = new ClusterWatch(cluster, () -> "");
    String master = watch.awaitOneMaster(3);
    String h = cluster.hosts().stream().map(SimulatedCluster.Host::id).filter(id -> !id.equals(master)).sorted()
        .findFirst().orElseThrow();
    List<String> vms = List.of("web1", "web2", "db1");
    for (String vm : vms) watch.powerOn(master, new VmSpec(vm, 256, 1), h);
    watch.await("the VMs run at " + h, 10, () -> cluster.host(h).hypervisor().runningNames().size() == 3);

    watch.await(h + " accepted into maintenance", 10, () -> ask(() -> cluster.maintenance(master, h, true, "alice",
        ClusterWatch.ASK)));
    watch.await(h + " drained and in maintenance", 30, () -> cluster.host(h).hypervisor().runningNames().isEmpty()
        && mode(master, h) == MaintenanceMode.IN_MAINTENANCE);
    for (String vm : vms) {
      List<String> at = cluster.running().getOrDefault(vm, List.of());
      assertEquals(1, at.size(), vm + " runs once: " + at + "\n" + watch.report());
      assertFalse(at.contains(h));
    }
    List<HaEvent.VmMigrated> moved = events(HaEvent.VmMigrated.class);
    assertEquals(vms.stream().sorted().toList(), moved.stream().map(HaEvent.VmMigrated::vm).sorted().toList(),
        watch.report());
    assertTrue(moved.stream().allMatch(m -> m.from().equals(h) && !m.to().equals(h)));
    assertEquals(List.of("alice"), events(HaEvent.HostMaintenanceChanged.class).stream()
        .filter(e -> e.mode() == MaintenanceMode.ENTERING).map(HaEvent.HostMaintenanceChanged::requestedBy).toList());

    // it takes no VMs: not where placement chooses, and not when asked for by name
    MasterCoordinator.OperationResult there = cluster.powerOn(master, new VmSpec("app1", 256, 1), h, ClusterWatch.ASK);
    assertFalse(there.ok(), there.message());
    watch.powerOn(master, new VmSpec("app2", 256, 1), master);
    assertFalse(cluster.host(h).hypervisor().runningNames().contains("app2"));

    // its crash is judged (it must not stay a member for ever) but owes no failover: it was drained
    Instant crashed = Instant.now();
    cluster.crash(h);
    watch.await(h + " judged DEAD in maintenance", 20, () -> events(HaEvent.HostJudged.class).stream()
        .anyMatch(e -> e.host().equals(h) && e.at().isAfter(crashed) && e.verdict() == Verdict.DEAD));
    assertEquals(List.of(), events(HaEvent.VmRestartPlanned.class).stream().filter(e -> e.at().isAfter(crashed))
        .toList(), watch.report());
    assertEquals(MaintenanceMode.IN_MAINTENANCE, mode(master, h));

    watch.await(h + " out of maintenance", 10, () -> ask(() -> cluster.maintenance(master, h, false, "bob",
        ClusterWatch.ASK)));
    assertEquals(MaintenanceMode.NONE, mode(master, h));
  }

  private interface Request {
    MasterCoordinator.OperationResult send() throws Exception;
  }

  /** Whether the master accepted the request (it may still be taking the list's lock: then asked again). */
  private static boolean ask(Request r) {
    try {
      return r.send().ok();
    } catch (Exception slow) {
      return false;
    }
  }

  private MaintenanceMode mode(String master, String host) {
    Optional<ClusterStatus> s = cluster.status(master, ClusterWatch.ASK);
    return s.flatMap(c -> c.hosts().stream().filter(x -> x.id().equals(host)).findFirst())
        .map(ClusterStatus.HostStatus::maintenance).orElse(MaintenanceMode.NONE);
  }

  private <E extends HaEvent> List<E> events(Class<E> type) {
    return cluster.allEvents().stream().filter(type::isInstance).map(type::cast).toList();
  }
}
