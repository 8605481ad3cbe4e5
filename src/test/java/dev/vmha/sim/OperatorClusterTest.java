package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.host.Agent;
import dev.vmha.host.Drivers;
import dev.vmha.host.HostSupervisor;
import dev.vmha.host.Incarnations;
import dev.vmha.hypervisor.InMemoryHypervisor;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.Operation;
import dev.vmha.master.OperationResult;
import dev.vmha.restart.WaitReason;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's flows on one running in-JVM cluster: three hosts with real actor systems, two datastores, the fast
 * settings and admission = refuse, driven through a slave's real HTTP API (which forwards to the master) where the
 * request has one. Only what the running cluster shows is asserted here: HTTP → master → host actor → hypervisor and
 * back, migrations between real host actors, a second agent with a member's host id refused by the real cluster, the
 * HA switch replicated to every agent, decisions relayed between agents. The decisions themselves are checked on the
 * machines, named in each flow. One cluster start serves every flow (it costs more than they do): they run in order,
 * each on VMs of its own (small ones, so that no flow's VMs change another's capacity arithmetic), and the last loses
 * a host. Replaces PowerOnIdempotenceTest, MaintenanceModeTest, DuplicateHostIdTest, CapacityClusterTest and
 * HaSwitchClusterTest (issue 21: one cluster start instead of five, which took 51 s of the suite on an idle machine).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorClusterTest {
  /** The memory of every VM but the capacity flow's: all of them together fit beside a 2500 MB VM on one host. */
  private static final long SMALL_MB = 128;
  @TempDir static Path dir;
  private SimulatedApi api;
  private SimulatedCluster cluster;
  private ClusterWatch watch;
  /** The slave whose API takes the requests. */
  private String apiHost;

  @BeforeAll
  void start() throws Exception {
    api = SimulatedApi.start("vmha.capacity.admission = refuse", dir);
    cluster = api.cluster;
    watch = new ClusterWatch(cluster, () -> "");
    apiHost = slaves(watch.awaitOneMaster(3)).get(0);
    api.bind(apiHost);
  }

  @AfterAll
  void stop() throws Exception {
    if (api != null) api.close();
  }

  /**
   * Issue 20 finding 2: a power-on is idempotent per name, through a slave's HTTP API. The master's rule — a power-on
   * of a VM being started or protected is refused as already protected and changes nothing — is
   * MasterMachineTest.aSecondPowerOnOfANameBeingStartedIsRefusedAsAlreadyProtectedAndStartsItOnce and
   * ...aVmAnswered200StaysProtectedThroughAFailedRetryOfItsPowerOn...; here the answer's way back (409 with
   * {@code alreadyProtected}, which clients retrying after a lost answer read) and concurrent requests taken one at a
   * time by the real master.
   */
  @Test
  @Order(1)
  void aSecondPowerOnOfOneNameIsRefusedAndLeavesTheFirstRunningAndProtected() throws Exception {
    String master = watch.awaitOneMaster(3);
    // the master may still be taking the protected-list lock: its first answer may be a refusal that passes
    watch.await("the master accepts power-ons", 30, () -> api.powerOn(body("probe1")).statusCode() == 200);

    assertEquals(200, api.powerOn(body("web1")).statusCode());
    HttpResponse<String> second = api.powerOn(body("web1"));
    assertEquals(409, second.statusCode(), second.body());
    assertTrue(second.body().contains("\"alreadyProtected\":true"), second.body());

    // at once: exactly one is accepted; the API admits 16 in flight and answers the rest 503 (issue 20 finding 3)
    List<CompletableFuture<HttpResponse<String>>> parallel = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      parallel.add(api.http().sendAsync(api.powerOnRequest(body("db1")), HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> codes = new TreeMap<>();
    for (CompletableFuture<HttpResponse<String>> f : parallel) codes.merge(f.get().statusCode(), 1, Integer::sum);
    assertEquals(1, codes.get(200), codes.toString());
    assertTrue(codes.getOrDefault(409, 0) > 0
        && codes.keySet().stream().allMatch(c -> c == 200 || c == 409 || c == 503), codes.toString());

    // running, and every refusal taken: each runs once and is still protected
    watch.await("web1 and db1 running", 10, () -> runsOnce("web1") && runsOnce("db1"));
    watch.await("probe1, web1 and db1 protected at the master", 10, () -> cluster.status(master, ClusterWatch.ASK)
        .map(s -> s.vms().stream().map(ClusterStatus.VmStatus::name).toList().containsAll(
            List.of("probe1", "web1", "db1"))).orElse(false));
    assertTrue(runsOnce("web1") && runsOnce("db1"), watch.report());
  }

  /**
   * Maintenance mode (issue 22) through the API: the slave's VMs move by migrations between the real host actors,
   * never running in two places (the watch checks on every poll), then it takes no VMs and leaves maintenance. The
   * order, the waits and the refusals are MaintenanceTest's; a host in maintenance that dies is judged and downed
   * without failover in MaintenanceTest.aHostInMaintenanceThatDiesIsJudgedAndDownedWithoutFailoverAndTakesNoVms.
   */
  @Test
  @Order(2)
  void aHostIsDrainedByMigrationsBetweenRealHostsThenTakesNoVmsAndLeavesMaintenance() {
    String master = watch.awaitOneMaster(3);
    String h = otherSlave(master);
    for (String vm : List.of("m1", "m2")) watch.powerOn(master, new VmSpec(vm, SMALL_MB, 1), h);
    List<String> there = cluster.host(h).hypervisor().runningNames().stream().sorted().toList();
    assertTrue(there.containsAll(List.of("m1", "m2")), there.toString());

    Instant asked = Instant.now();
    AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
    watch.await(h + " accepted into maintenance", 10, () -> {
      answer.set(api.maintenance(h, true));
      return answer.get().statusCode() == 200;
    });
    watch.await(h + " drained and in maintenance", 30, () -> cluster.host(h).hypervisor().runningNames().isEmpty()
        && mode(master, h) == MaintenanceMode.IN_MAINTENANCE);
    for (String vm : there) {
      List<String> at = cluster.running().getOrDefault(vm, List.of());
      assertTrue(at.size() == 1 && !at.contains(h), vm + " runs once, not at " + h + ": " + at + "\n" + watch.report());
    }
    List<HaEvent.VmMigrated> moved = events(HaEvent.VmMigrated.class, asked);
    assertEquals(there, moved.stream().map(HaEvent.VmMigrated::vm).sorted().toList(), watch.report());
    assertTrue(moved.stream().allMatch(m -> m.from().equals(h) && !m.to().equals(h)), moved.toString());
    assertEquals(List.of("operator1"), events(HaEvent.HostMaintenanceChanged.class, asked).stream()
        .filter(e -> e.mode() == MaintenanceMode.ENTERING).map(HaEvent.HostMaintenanceChanged::requestedBy).toList(),
        "the token that asked");

    HttpResponse<String> atHost = api.powerOn("{\"name\":\"app1\",\"memoryMb\":" + SMALL_MB + ",\"host\":\"" + h
        + "\"}");
    assertEquals(409, atHost.statusCode(), atHost.body());
    assertFalse(cluster.running().containsKey("app1"), "nothing started");

    HttpResponse<String> exit = api.maintenance(h, false);
    assertEquals(200, exit.statusCode(), exit.body());
    assertEquals(MaintenanceMode.NONE, mode(master, h));
  }

  /**
   * Issue 20 finding 5: a second agent configured with a member's host id (a copied configuration) on another port
   * joins the running cluster. It finds the id a member at another address and stops, naming both addresses, and its
   * run loop must not start it again; the member, which joined first, records the duplicate and goes on.
   */
  @Test
  @Order(3)
  void anAgentThatFindsItsHostIdAtAnotherAddressStopsAndTheFirstRecordsIt() throws Exception {
    String master = watch.awaitOneMaster(3);
    SimulatedCluster.Host member = cluster.host(otherSlave(master));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    HaSettings s = HaSettings.from(ConfigFactory.parseMap(Map.of(
            "vmha.host.id", member.id(),
            "vmha.host.address", "127.0.0.1",
            "vmha.host.port", port,
            "vmha.host.http-port", 99,
            "vmha.host.data-dir", dir.resolve("second").toString(),
            "vmha.hypervisor.type", "in-memory",
            "vmha.election.window", "", // no datastores of its own: the window derived for that
            "vmha.cluster.seed-nodes", List.of("127.0.0.1:" + cluster.host(apiHost).clusterPort)))
        .withFallback(ClusterWatch.fastSettings()).withFallback(HaSettings.defaults()).resolve());
    Config pekko = ConfigFactory.parseString("""
        pekko.remote.artery.advanced.test-mode = on
        pekko.coordinated-shutdown.run-by-actor-system-terminate = off
        """).withFallback(ConfigFactory.load("application-test"));
    EventLog events = EventLog.inMemory();
    Incarnations incarnations = new Incarnations();
    ActorSystem<HostSupervisor.Command> second = Agent.start(s, io -> new Drivers(new InMemoryHypervisor(member.id()),
        List.of(), (target, timeout) -> CompletableFuture.completedFuture(true),
        (target, timeout) -> CompletableFuture.completedFuture(true)), events, Clock.systemUTC(), pekko, incarnations);
    try {
      String first = "127.0.0.1:" + member.clusterPort;
      String other = "127.0.0.1:" + port;
      watch.await("the second agent stopped", 30, () -> second.whenTerminated().isCompleted());
      String why = incarnations.refused().orElseThrow(() -> new AssertionError("the run loop would start it again"));
      assertTrue(why.contains(first) && why.contains(other), why);
      assertEquals(List.of(new Recorded(first, other, true)), recorded(events.recent()));
      watch.await(member.id() + " recorded the duplicate", 10, () -> recorded(member.events()).contains(
          new Recorded(other, first, false)));
      watch.awaitOneMaster(3);
    } finally {
      second.terminate();
    }
  }

  /**
   * Issue 23 through the API: hosts of 4096 MB, cap1 and cap2 of 2500 MB at the two slaves leave a plan for one host
   * failure (the master's host takes either); big1 of 3000 MB is refused 409 (if the host it would run on failed, it
   * would have no room), and so is a slave's maintenance (its drain would leave the two others unable to cover each
   * other). The judging is CapacityWatchTest's (a host fenced for a moment counted with its VMs:
   * enteringMaintenanceOfAHostFencedForAMomentCountsTheVmsItHolds); the overcommit after a host loss, with its alert,
   * is CapacityWatchTest.aHostLossThatLeavesNoRoomForTheNextFailureIsRecordedAsOvercommitted.
   */
  @Test
  @Order(4)
  void aPowerOnAndAMaintenanceThatBreakThePlanAreRefusedWith409NamingTheFailure() throws Exception {
    String master = watch.awaitOneMaster(3);
    List<String> slaves = slaves(master);
    watch.powerOn(master, new VmSpec("cap1", 2500, 1), slaves.get(0));
    watch.powerOn(master, new VmSpec("cap2", 2500, 1), slaves.get(1));
    watch.await("a plan for one host failure", 30, () -> plan().map(CapacityPlan::ok).orElse(false)
        && cluster.running().keySet().containsAll(List.of("cap1", "cap2")));

    // asked again while refused for something else: on a loaded machine a host may be fenced for a moment
    AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
    watch.await("big1 judged by admission control", 30, () -> {
      answer.set(api.powerOn("{\"name\":\"big1\",\"memoryMb\":3000,\"cpus\":1}"));
      return answer.get().statusCode() != 409 || answer.get().body().contains("without room for its failovers");
    });
    HttpResponse<String> refused = answer.get();
    assertEquals(409, refused.statusCode(), refused.body());
    String why = EventLog.JSON.readTree(refused.body()).path("error").asText();
    // the first failure in host order that leaves a VM without room: the master's, or a slave's whose 2500 MB no
    // longer fit beside big1
    assertTrue(why.startsWith("big1 not powered on: powering big1 on at " + master + " would leave the cluster without"
        + " room for its failovers") && why.matches(".*; if host\\d failed, (big1|cap1|cap2) \\(on host\\d\\) would not"
        + " come back: no surviving host has room: needs (3000|2500) MB.*"), why);
    assertFalse(cluster.running().containsKey("big1"), "nothing started");

    // its drain would move cap1 to the master's host, and then neither survivor could take the other's 2500 MB
    watch.await(slaves.get(0) + "'s maintenance judged by admission control", 30, () -> {
      answer.set(api.maintenance(slaves.get(0), true));
      return answer.get().statusCode() != 409 || answer.get().body().contains("without room for its failovers");
    });
    HttpResponse<String> kept = answer.get();
    assertEquals(409, kept.statusCode(), kept.body());
    String whyNot = EventLog.JSON.readTree(kept.body()).path("error").asText();
    assertTrue(whyNot.startsWith("host " + slaves.get(0) + " not put in maintenance: putting host " + slaves.get(0)
        + " in maintenance would leave the cluster without room for its failovers") && whyNot.matches(
        ".*; if host\\d failed, cap[12] \\(on host\\d\\) would not come back.*"), whyNot);
    assertTrue(cluster.running().getOrDefault("cap1", List.of()).equals(List.of(slaves.get(0)))
        && plan().map(CapacityPlan::ok).orElse(false), "nothing moved: " + cluster.running());

    // the next flow's failover must not be judged against these two
    for (String vm : List.of("cap1", "cap2")) {
      HttpResponse<String> off = api.powerOff(vm);
      assertEquals(200, off.statusCode(), off.body());
    }
    watch.await("cap1 and cap2 stopped", 10, () -> !cluster.running().containsKey("cap1")
        && !cluster.running().containsKey("cap2"));
  }

  /**
   * Issue 22: HA disabled for the cluster reaches every agent (the protected list replicated with it), holds the
   * failover of a slave lost meanwhile until HA is enabled again, and then the VM runs exactly once; the third host's
   * timeline (what its API serves) carries the master's decisions as it took them, apart from its own. The rules are
   * OperationsTest's (held, planned at once when enabled); that the switch survives a master change, read with the
   * list or taken from a slave's replica, is OperationsTest.aNewMasterReadingAListWithHaDisabledRestartsNothing and
   * ...aNewMasterTakingAReplicaWithHaDisabledRestartsNothing; relaying two agents' decisions both ways is
   * EventRelayTest.
   */
  @Test
  @Order(5)
  void haDisabledReachesEveryAgentAndHoldsTheFailoverOfALostHostUntilEnabled() throws Exception {
    String master = watch.awaitOneMaster(3);
    String lost = otherSlave(master);
    String witness = slaves(master).stream().filter(h -> !h.equals(lost)).findFirst().orElseThrow();
    watch.powerOn(master, new VmSpec("ha1", SMALL_MB, 1), lost);

    OperationResult off = cluster.operate(master,
        new Operation.SwitchHa(Optional.empty(), false, "test"), ClusterWatch.ASK);
    assertTrue(off.ok(), off.message());
    watch.awaitListReplicated(master);
    assertFalse(cluster.status(master, ClusterWatch.ASK).orElseThrow().ha().clusterEnabled());

    List<String> held = cluster.host(lost).hypervisor().runningNames();
    Instant crashed = Instant.now();
    cluster.crash(lost);
    watch.await(master + " judges " + lost + " dead and holds ha1", 30, () -> events(HaEvent.VmRestartWaiting.class,
        crashed).stream().anyMatch(w -> w.vm().equals("ha1") && w.kind() == WaitReason.HA_DISABLED)
        && events(HaEvent.HostJudged.class, crashed).stream().anyMatch(j -> j.host().equals(lost)
            && j.verdict() == Verdict.DEAD));
    assertEquals(List.of(), events(HaEvent.VmRestartPlanned.class, crashed), "no failover while HA is disabled");
    assertFalse(cluster.running().containsKey("ha1"), "ha1 not failed over: " + cluster.running());

    OperationResult on = cluster.operate(master,
        new Operation.SwitchHa(Optional.empty(), true, "test"), ClusterWatch.ASK);
    assertTrue(on.ok(), on.message());
    watch.await("every VM of " + lost + " " + held + " restarted once HA is enabled", 30,
        () -> held.stream().allMatch(this::runsOnce));
    watch.await(witness + " heard " + master + "'s placement, verdict and restart of ha1", 10, () -> {
      List<HaEvent> heard = cluster.host(witness).events.clusterRecent();
      return heard.stream().anyMatch(e -> e instanceof HaEvent.VmProtected p && p.by().equals(master)
              && p.vm().equals("ha1"))
          && heard.stream().anyMatch(e -> e instanceof HaEvent.HostJudged j && j.by().equals(master)
              && j.host().equals(lost) && j.verdict() == Verdict.DEAD)
          && heard.stream().anyMatch(e -> e instanceof HaEvent.VmRestarted r && r.by().equals(master)
              && r.vm().equals("ha1"));
    });
    assertTrue(cluster.host(witness).events().stream().allMatch(e -> e.by().equals(witness)),
        "heard events among " + witness + "'s own: " + cluster.host(witness).events());
    watch.assertSafe();
  }

  // ---- helpers

  /** The hosts other than the master, by id. */
  private List<String> slaves(String master) {
    return cluster.hosts().stream().map(SimulatedCluster.Host::id).filter(h -> !h.equals(master)).sorted().toList();
  }

  /** A slave other than the one whose API takes the requests (it is the master's if a loaded machine elected it). */
  private String otherSlave(String master) {
    return slaves(master).stream().filter(h -> !h.equals(apiHost)).findFirst().orElseThrow();
  }

  private boolean runsOnce(String vm) {
    return cluster.running().getOrDefault(vm, List.of()).size() == 1;
  }

  private static String body(String vm) {
    return "{\"name\":\"" + vm + "\",\"memoryMb\":" + SMALL_MB + ",\"cpus\":1}";
  }

  private MaintenanceMode mode(String master, String host) {
    return cluster.status(master, ClusterWatch.ASK)
        .flatMap(c -> c.hosts().stream().filter(x -> x.id().equals(host)).findFirst())
        .map(ClusterStatus.HostStatus::maintenance).orElse(MaintenanceMode.NONE);
  }

  /** The plan of the master now (a loaded machine may elect another). */
  private Optional<CapacityPlan> plan() {
    List<String> masters = cluster.masters(ClusterWatch.ASK);
    return masters.size() != 1 ? Optional.empty()
        : cluster.status(masters.get(0), ClusterWatch.ASK).flatMap(s -> s.capacity());
  }

  /** Every host's events of this type since {@code since}. */
  private <E extends HaEvent> List<E> events(Class<E> type, Instant since) {
    return cluster.allEvents().stream().filter(e -> e.at().isAfter(since)).filter(type::isInstance).map(type::cast)
        .toList();
  }

  private record Recorded(String otherAddress, String address, boolean stops) {}

  private static List<Recorded> recorded(List<HaEvent> events) {
    return events.stream().filter(e -> e instanceof HaEvent.DuplicateHostId).map(e -> (HaEvent.DuplicateHostId) e)
        .map(d -> new Recorded(d.otherAddress(), d.address(), d.thisAgentStops())).toList();
  }
}
