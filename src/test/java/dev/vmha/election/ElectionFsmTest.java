package dev.vmha.election;

import dev.vmha.isolation.Enforcement;
import dev.vmha.testing.VirtualTime;
import static dev.vmha.election.ElectionCase.HOST9_LIST;
import static dev.vmha.election.ElectionCase.HOST_TIMEOUT;
import static dev.vmha.election.ElectionCase.INTERVAL;
import static dev.vmha.election.ElectionCase.ISOLATION_ADDRESS;
import static dev.vmha.election.ElectionCase.PING_TICKS;
import static dev.vmha.election.ElectionCase.PING_TIMEOUT;
import static dev.vmha.election.ElectionCase.SELF;
import static dev.vmha.election.ElectionCase.SETTINGS;
import static dev.vmha.election.ElectionCase.TIMEOUT_TICKS;
import static dev.vmha.election.ElectionCase.WINDOW;
import static dev.vmha.election.ElectionCase.WINDOW_TICKS;
import static dev.vmha.election.ElectionCase.ms;
import static dev.vmha.election.ElectionCase.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostListCopy;
import dev.vmha.datastore.HostListFile;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.election.ElectionFsm.RoleInfo;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.IsolationResponder;
import dev.vmha.isolation.SelfFence;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.MasterNotice;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The election FSM's wiring on a one-node cluster, in virtual time (ManualTime): the machine's timers, the cluster's
 * membership, the receptionist, the coordinator it spawns, stops and watches, the isolation pinger, the VM manager and
 * the datastore actor, each along one case of the timeline (seed 003, vSphere defaults). Every case and figure of the
 * decisions is {@link ElectionMachineTest}'s. Virtual time advances one interval at a time; after each step the test
 * answers the FSM's datastore query and waits until the FSM has handled everything that step delivered (a GetRole
 * round trip), so no assertion depends on real time.
 */
class ElectionFsmTest {

  private ActorTestKit kit;
  private ManualTime manualTime;
  private ExplicitlyTriggeredScheduler scheduler;
  private TestProbe<DatastoreHeartbeat.Command> datastore;
  private TestProbe<RoleInfo> roles;
  private final List<HaEvent> events = new CopyOnWriteArrayList<>();
  private final List<MasterCoordinator.Start> coordinatorStarts = new CopyOnWriteArrayList<>();
  private final List<Enforcement> enforcements = new CopyOnWriteArrayList<>();
  private final List<SelfFence.CountedByMaster> counted = new CopyOnWriteArrayList<>();
  /** Isolation-address pings the FSM asked for; each answered when the test completes it. */
  private final BlockingQueue<Ping> isolationPings = new LinkedBlockingQueue<>();
  /** What the FSM told the datastore actor besides GetView (isolation flag set and cleared). */
  private final List<DatastoreHeartbeat.Command> datastoreOrders = new CopyOnWriteArrayList<>();
  /** Two datastores accessible: this host's rank is (2, host5). */
  private DatastoreView view = DatastoreView.initial(List.of("ds1", "ds2")).next(Duration.ofSeconds(1), Map.of(
      "ds1", new DatastoreScan("ds1", Map.of(), Map.of(), Map.of()),
      "ds2", new DatastoreScan("ds2", Map.of(), Map.of(), Map.of())));
  private ActorRef<ElectionFsm.Command> fsm;
  /** How the FSM's enforcement changes are taken; a test may make one fail the FSM. */
  private Consumer<Enforcement> enforcement = enforcements::add;
  /** The protected list on this host's disk (without datastores); none by default, as with datastores. */
  private Optional<HostListCopy> listOnDisk = Optional.empty();

  record Ping(PingTarget target, Duration timeout, CompletableFuture<Boolean> answer) {}

  /** ManualTime first, then the shared test settings (cluster provider, serialize-messages = on, port 0). */
  @BeforeEach
  void startOneNodeCluster() {
    kit = ActorTestKit.create("ElectionFsmTest", VirtualTime.config());
    manualTime = ManualTime.get(kit.system());
    scheduler = (ExplicitlyTriggeredScheduler) Adapter.toClassic(kit.system()).scheduler();
    VirtualTime.joinSelf(kit, manualTime, INTERVAL);
    assertEquals(MemberStatus.up(), Cluster.get(kit.system()).selfMember().status());
    datastore = kit.createTestProbe();
    roles = kit.createTestProbe();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  // ---- the cases

  @Test
  void aloneItElectsItselfExactlyWhenTheElectionWindowCloses() {
    spawnFsm();
    assertEquals(Role.UNINITIALIZED, role().role());

    tick(); // the first tick finds the node Up
    long start = now();
    HaEvent.ElectionStarted started = only(HaEvent.ElectionStarted.class, 0);
    assertEquals("agent joined the cluster", started.reason());
    assertEquals(start, ms(started.at()));
    assertEquals(Role.ELECTION, role().role());

    int mark = events.size();
    for (int s = 1; s < WINDOW_TICKS; s++) {
      assertEquals(Role.ELECTION, tick().role(), "still in the election at +" + s + " s");
    }
    assertEquals(start + WINDOW.toMillis() - INTERVAL.toMillis(), now());
    assertEquals(List.of(), events.subList(mark, events.size()), "nothing decided before the window closes");
    assertTrue(coordinatorStarts.isEmpty());

    RoleInfo r = tick();
    assertEquals(start + WINDOW.toMillis(), now());
    HaEvent.MasterElected elected = only(HaEvent.MasterElected.class, mark);
    assertEquals(SELF, elected.master());
    assertEquals(SELF, elected.by());
    assertEquals(List.of("host5(2 ds)"), elected.candidates());
    assertEquals(ElectionRanking.RULE, elected.rule());
    assertEquals(start + WINDOW.toMillis(), ms(elected.at()));
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(Role.ELECTION, changed.from());
    assertEquals(Role.MASTER, changed.to());
    assertEquals(Optional.of(SELF), changed.master());
    assertEquals(start + WINDOW.toMillis(), ms(changed.at()));

    assertEquals(Role.MASTER, r.role());
    assertEquals(Optional.of(SELF), r.master());
    assertTrue(r.coordinator().isPresent(), "the master runs a coordinator");
    assertEquals(1, coordinatorStarts.size(), "coordinator started once");
    assertEquals(Map.of(), coordinatorStarts.get(0).knownSilence(), "no lost master: no known silence");
    assertEquals(fsm.path(), coordinatorStarts.get(0).election().path().parent(), "it reports to this FSM");
    assertEquals(Optional.empty(), coordinatorStarts.get(0).replica(), "no master ever replicated a list to it");
    assertTrue(isolationPings.isEmpty(), "a host that lost no master does not check for isolation");

    // it stays master
    for (int s = 0; s < 3; s++) assertEquals(Role.MASTER, tick().role());
    assertEquals(1, coordinatorStarts.size());
  }

  @Test
  void aMasterHeardDuringTheElectionMakesItASlaveOfThatMaster() {
    spawnFsm();
    tick();
    long start = now();
    tick();
    tick();
    int mark = events.size();
    TestProbe<MasterCoordinator.Command> coordinator = kit.createTestProbe();
    TestProbe<HostVms.Command> vms = kit.createTestProbe();
    // a master is followed whatever its rank: here even one that sees fewer datastores
    ElectionFsm.MasterBeat beat = masterBeat(new Rank(1, "host1"), coordinator.ref());
    fsm.tell(beat);
    RoleInfo r = role();
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host1"), r.master());
    assertEquals(Optional.of(coordinator.ref()), r.coordinator());
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(Role.SLAVE, changed.to());
    assertEquals(Optional.of("host1"), changed.master());
    assertEquals(start + 2 * INTERVAL.toMillis(), ms(changed.at()));

    // the slave beats its report to the master every interval, and never elects itself, window or not
    HostReport report = new HostReport(SELF, new PingTarget("127.0.0.1", 1), 4096, 4,
        List.of(new VmSpec("vm1", 512, 1)), vms.ref(), false, List.of(), List.of(), 1);
    fsm.tell(new ElectionFsm.LocalReport(report));
    for (int s = 0; s < WINDOW_TICKS + TIMEOUT_TICKS; s++) {
      assertEquals(Role.SLAVE, tick().role());
      assertEquals(report, coordinator.expectMessageClass(MasterCoordinator.SlaveBeat.class).report());
      fsm.tell(beat);
    }
    assertEquals(List.of(), ofType(HaEvent.MasterElected.class, 0));
    assertEquals(List.of(), ofType(HaEvent.ElectionStarted.class, mark));
    assertTrue(coordinatorStarts.isEmpty(), "a slave runs no coordinator");
  }

  /**
   * Seed 003, isolated slave: T0+25 s elects itself and pings the isolation addresses; nothing answers and no
   * election traffic, so at T0+30 s it declares itself isolated and runs the isolation response; the power-on file
   * gets the flag once the VMs are off. When the isolation address answers again (checked every hostTimeout) it
   * leaves isolation and elects; the flag is cleared hostTimeout later.
   */
  @Test
  void aSlaveThatLosesItsMasterAndReachesNoIsolationAddressDeclaresItselfIsolatedAtT0Plus30() {
    TestProbe<HostVms.Command> vms = kit.createTestProbe();
    VmSpec vm = new VmSpec("vm1", 512, 1);
    spawnFsm();
    fsm.tell(new ElectionFsm.LocalReport(new HostReport(SELF, new PingTarget("127.0.0.1", 1), 4096, 4, List.of(vm),
        vms.ref(), false, List.of(), List.of(), 1)));
    long t0 = slaveOfHost9UntilT0();
    Ping ping = electsItselfAtT0PlusTimeoutPlusWindow(t0);
    int mark = events.size();
    for (int s = 1; s < PING_TICKS; s++) assertEquals(Role.ELECTION, tick().role());
    assertEquals(List.of(), events.subList(mark, events.size()));
    vms.expectNoMessage(Duration.ZERO);

    RoleInfo r = tick();
    ping.answer().complete(false); // the ping timed out unanswered
    long isolatedAt = t0 + HOST_TIMEOUT.plus(WINDOW).plus(PING_TIMEOUT).toMillis();
    assertEquals(isolatedAt, now());
    assertEquals(Role.ISOLATED, r.role());
    HaEvent.SelfDiagnosed diagnosed = only(HaEvent.SelfDiagnosed.class, mark);
    assertEquals("ISOLATED", diagnosed.result());
    assertEquals(isolatedAt, ms(diagnosed.at()));
    HaEvent.RoleChanged toIsolated = only(HaEvent.RoleChanged.class, mark);
    assertEquals(Role.ELECTION, toIsolated.from());
    assertEquals(Role.ISOLATED, toIsolated.to());
    assertEquals(isolatedAt, ms(toIsolated.at()));
    assertTrue(coordinatorStarts.isEmpty(), "an isolated host runs no coordinator");

    // the isolation response goes to the VM manager; what it stopped goes into the power-on file with the flag
    HostVms.ApplyIsolationResponse apply = vms.expectMessageClass(HostVms.ApplyIsolationResponse.class);
    assertEquals(SETTINGS.isolationShutdownTimeout(), apply.shutdownTimeout());
    apply.replyTo().tell(new IsolationResponder.Applied(List.of(vm), List.of(), List.of()));
    assertEquals(Role.ISOLATED, role().role());
    HaEvent.IsolationResponseApplied applied = only(HaEvent.IsolationResponseApplied.class, mark);
    assertEquals(List.of("vm1"), applied.stopped());
    assertEquals(SETTINGS.isolationResponse(), applied.response(), "the setting applied is recorded for replay");
    assertEquals(List.of(new DatastoreHeartbeat.DeclareIsolated(List.of(vm))),
        datastore.receiveSeveralMessages(1, Duration.ofSeconds(3)));

    // isolation addresses are pinged again every hostTimeout
    for (int s = 1; s < TIMEOUT_TICKS; s++) {
      assertEquals(Role.ISOLATED, tick().role());
      assertNull(isolationPings.poll(), "no re-check before hostTimeout, at +" + s + " s");
    }
    assertEquals(Role.ISOLATED, tick().role());
    long recheck = isolatedAt + HOST_TIMEOUT.toMillis();
    assertEquals(recheck, now());
    Ping again = isolationPings.poll();
    assertEquals(ISOLATION_ADDRESS, again.target().address());
    int back = events.size();
    again.answer().complete(true);
    assertEquals(Role.ELECTION, role().role());
    assertTrue(only(HaEvent.IsolationEnded.class, back).reason().contains(ISOLATION_ADDRESS));
    assertEquals("isolation over", only(HaEvent.ElectionStarted.class, back).reason());

    // the flag stays on the datastores for hostTimeout, so the master surely reads it, then it is cleared
    for (int s = 1; s < TIMEOUT_TICKS; s++) tick();
    assertEquals(List.of(), datastoreOrders.stream()
        .filter(m -> m == DatastoreHeartbeat.ClearIsolation.INSTANCE).toList());
    tick();
    tick(); // the order is sent when the timer fires; it is read from the probe on the next round
    assertEquals(List.of(DatastoreHeartbeat.ClearIsolation.INSTANCE), datastoreOrders.stream()
        .filter(m -> m == DatastoreHeartbeat.ClearIsolation.INSTANCE).toList());
  }

  /** A master whose coordinator reports every other host silent checks its own isolation (seed 003). */
  @Test
  void aMasterThatHearsNoHostAndNoIsolationAddressDeclaresItselfIsolatedAfterThePingTimeout() {
    ActorRef<MasterCoordinator.Command> ownCoordinator = becomeMaster();
    int mark = events.size();
    long silentAt = now();
    lastCoordinatorStart().election().tell(new MasterNotice.AllHostsSilent(3));
    assertEquals(Role.MASTER, role().role(), "still master while it checks");
    HaEvent.IsolationCheckStarted check = only(HaEvent.IsolationCheckStarted.class, mark);
    assertEquals(List.of(ISOLATION_ADDRESS), check.addresses());
    assertEquals(silentAt, ms(check.at()));
    Ping ping = isolationPings.poll();
    assertEquals(PING_TIMEOUT, ping.timeout());
    for (int s = 1; s < PING_TICKS; s++) assertEquals(Role.MASTER, tick().role());
    assertEquals(List.of(), ofType(HaEvent.SelfDiagnosed.class, mark));

    assertEquals(Role.ISOLATED, tick().role());
    assertEquals(silentAt + PING_TIMEOUT.toMillis(), now());
    HaEvent.SelfDiagnosed diagnosed = only(HaEvent.SelfDiagnosed.class, mark);
    assertEquals("ISOLATED", diagnosed.result());
    assertEquals(silentAt + PING_TIMEOUT.toMillis(), ms(diagnosed.at()));
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(Role.MASTER, changed.from());
    assertEquals(Role.ISOLATED, changed.to());
    roles.expectTerminated(ownCoordinator);
  }

  @Test
  void aMasterIgnoresLowerMastersAndStepsDownForTheSameDatastoreCountAndAHigherHostId() {
    ActorRef<MasterCoordinator.Command> ownCoordinator = becomeMaster();
    TestProbe<MasterCoordinator.Command> other = kit.createTestProbe();
    int mark = events.size();

    // fewer datastores, though a higher id: lower
    fsm.tell(masterBeat(new Rank(1, "host9"), other.ref()));
    assertEquals(Role.MASTER, role().role());
    // same datastores, lower id
    fsm.tell(masterBeat(new Rank(2, "host3"), other.ref()));
    assertEquals(Role.MASTER, role().role());
    assertEquals(Role.MASTER, tick().role());
    assertEquals(List.of(), events.subList(mark, events.size()));

    // same datastores, a higher id in natural order (host10 > host5, though "host10" < "host5" as text)
    fsm.tell(masterBeat(new Rank(2, "host10"), other.ref()));
    RoleInfo r = role();
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host10"), r.master());
    assertEquals(Optional.of(other.ref()), r.coordinator());
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(Role.MASTER, changed.from());
    assertEquals(Role.SLAVE, changed.to());
    assertEquals(Optional.of("host10"), changed.master());
    other.expectTerminated(ownCoordinator);
  }

  /** A coordinator that stops beyond its own restarts (the Terminated signal) ends the mastership: a new election. */
  @Test
  void aMasterWhoseCoordinatorStopsElectsAgain() {
    spawnFsm(Behaviors.stopped());
    for (int s = 0; s <= WINDOW_TICKS; s++) tick();
    assertEquals(1, coordinatorStarts.size());
    roles.awaitAssert(() -> {
      assertEquals(List.of("master coordinator stopped"),
          ofType(HaEvent.ElectionStarted.class, 0).stream().skip(1).map(HaEvent.ElectionStarted::reason).toList());
      return null;
    });
    assertEquals(Role.ELECTION, role().role());
  }

  /**
   * Issue 22: an operator's emergency disable at this agent is answered, and the suspension handed on (to the
   * self-fence and the leases, told "on" as the FSM starts); refused without --force while the host holds no list
   * showing HA disabled for it.
   */
  @Test
  void anEmergencyDisableIsAnsweredAndHandedToTheFenceAndTheLeases() {
    spawnFsm();
    TestProbe<ElectionFsm.EmergencyResult> answer = kit.createTestProbe();
    fsm.tell(new ElectionFsm.EnforcementAsked(Enforcement.SUSPENDED, false, "admin1", answer.ref()));
    assertFalse(answer.receiveMessage().ok(), "HA is not disabled for it");
    fsm.tell(new ElectionFsm.EnforcementAsked(Enforcement.SUSPENDED, true, "admin1", answer.ref()));
    assertTrue(answer.receiveMessage().ok());
    fsm.tell(new ElectionFsm.EnforcementAsked(Enforcement.ON, false, "admin1", answer.ref()));
    assertTrue(answer.receiveMessage().ok());
    assertEquals(List.of(Enforcement.ON, Enforcement.SUSPENDED, Enforcement.ON), enforcements);
    assertEquals(List.of(true, false), ofType(HaEvent.HostEnforcementChanged.class, 0).stream()
        .map(HaEvent.HostEnforcementChanged::forced).toList());
  }

  /**
   * Without datastores the FSM reads the protected list on this host's disk each time it starts: as a new agent's,
   * and after its supervisor restarted it, which loses the replica it held (its coordinator is stopped with it), so a
   * master it elects again knows of the restarts the last one recorded there (seed 18433's hole, in one JVM).
   */
  @Test
  void aRestartByItsSupervisorHoldsTheListOnThisHostsDiskAgain() {
    AtomicInteger reads = new AtomicInteger();
    listOnDisk = Optional.of(new HostListCopy() {
      @Override
      public CompletionStage<Optional<ProtectedList>> read() {
        reads.incrementAndGet();
        return CompletableFuture.completedFuture(Optional.of(HOST9_LIST));
      }

      @Override
      public CompletionStage<Void> write(ProtectedList list) {
        throw new AssertionError("only a master's coordinator writes its list");
      }

      @Override
      public CompletionStage<ProtectedList> keep(ProtectedList replica) {
        throw new AssertionError("it holds no replica newer than the one on disk");
      }

      @Override
      public CompletionStage<ListPromise> promised() {
        return CompletableFuture.completedFuture(ListPromise.NONE);
      }

      @Override
      public CompletionStage<ListPromise> promise(ListPromise p) {
        return CompletableFuture.completedFuture(p);
      }
    });
    enforcement = e -> {
      if (e == Enforcement.SUSPENDED) throw new IllegalStateException("test: the election FSM fails");
    };
    spawnFsm();
    awaitListHeld();
    assertEquals(1, reads.get());

    fsm.tell(new ElectionFsm.EnforcementAsked(Enforcement.SUSPENDED, true, "admin1",
        kit.<ElectionFsm.EmergencyResult>createTestProbe().ref()));
    awaitListHeld();
    assertEquals(2, reads.get(), "restarted, it read the disk again");
  }

  /**
   * Without datastores a slave stores its master's list on its disk (the file its next agent reads) and reports
   * holding it only once it is there: a majority that holds a restart's list holds it across their agents' restarts.
   */
  @Test
  void withoutDatastoresASlaveStoresTheReplicaOnItsDiskAndThenReportsHoldingIt(@TempDir Path dir) {
    HostListFile file = new HostListFile(dir, Runnable::run);
    listOnDisk = Optional.of(file);
    spawnFsm();
    TestProbe<MasterCoordinator.Command> coordinator = kit.createTestProbe();
    TestProbe<HostVms.Command> vms = kit.createTestProbe();
    fsm.tell(new ElectionFsm.LocalReport(new HostReport(SELF, new PingTarget("127.0.0.1", 1), 4096, 4, List.of(),
        vms.ref(), false, List.of(), List.of(), 1)));
    tick();
    fsm.tell(new ElectionFsm.MasterBeat(new Rank(2, "host9"), coordinator.ref(), Optional.of(HOST9_LIST),
        Optional.empty(), 0));
    assertEquals(Role.SLAVE, role().role());
    roles.awaitAssert(() -> {
      assertEquals(Optional.of(HOST9_LIST), file.read().toCompletableFuture().join());
      return null;
    });
    tick();
    assertEquals(Optional.of(HOST9_LIST.version()),
        coordinator.expectMessageClass(MasterCoordinator.SlaveBeat.class).holds());
  }

  /** Without datastores a slave answers a ballot with its master's last beat, sent to the FSM the ballot names. */
  @Test
  void withoutDatastoresASlaveAnswersABallotWithItsMastersLastBeat() {
    spawnFsm();
    tick();
    TestProbe<MasterCoordinator.Command> coordinator = kit.createTestProbe();
    ElectionFsm.MasterBeat beat = new ElectionFsm.MasterBeat(new Rank(2, "host9"), coordinator.ref(),
        Optional.empty(), Optional.of(Set.of("host9", SELF, "host3")), 0);
    fsm.tell(beat);
    assertEquals(Role.SLAVE, role().role());
    TestProbe<ElectionFsm.Command> host3 = kit.createTestProbe();
    fsm.tell(new ElectionFsm.Ballot(new Rank(2, "host3"), host3.ref()));
    assertEquals(beat, host3.expectMessageClass(ElectionFsm.MasterBeat.class));
  }

  /** The FSM holds host9's list: its read from the disk arrives after the FSM started, so it is awaited. */
  private void awaitListHeld() {
    roles.awaitAssert(() -> {
      assertEquals(OptionalLong.of(HOST9_LIST.version()), role().listVersion());
      return null;
    });
  }

  // ---- helpers

  private void spawnFsm() {
    spawnFsm(Behaviors.ignore());
  }

  /** Spawns the FSM: its agent starts now; each coordinator it starts behaves as {@code coordinator}. */
  private void spawnFsm(Behavior<MasterCoordinator.Command> coordinator) {
    Pinger pinger = (target, timeout) -> {
      CompletableFuture<Boolean> answer = new CompletableFuture<>();
      isolationPings.add(new Ping(target, timeout, answer));
      return answer;
    };
    VirtualTime.VirtualClock clock = new VirtualTime.VirtualClock(scheduler);
    // restarted on failure, as the agent's supervisor does
    fsm = kit.spawn(Behaviors.supervise(ElectionFsm.create(SETTINGS, pinger, datastore.ref(),
        start -> {
          coordinatorStarts.add(start);
          return coordinator;
        },
        events::add, clock, clock.instant(), enforcement, counted::add, listOnDisk))
        .onFailure(SupervisorStrategy.restart()), "election");
    role(); // its timers are started relative to the current virtual time before time moves on
  }

  /**
   * Spawns the FSM if needed, makes it a slave of host9 beating every interval, then host9 falls silent. Returns T0,
   * the virtual time of host9's last beat.
   */
  private long slaveOfHost9UntilT0() {
    TestProbe<MasterCoordinator.Command> coordinator = kit.createTestProbe();
    // host9 has not heard this host yet: its side (sent serialized) leaves it out, and the self-fence is told
    ElectionFsm.MasterBeat beat = new ElectionFsm.MasterBeat(new Rank(2, "host9"), coordinator.ref(),
        Optional.of(HOST9_LIST), Optional.of(Set.of("host9")), 0);
    if (fsm == null) spawnFsm();
    tick();
    fsm.tell(beat);
    assertEquals(Role.SLAVE, role().role());
    for (int s = 0; s < 5; s++) {
      assertEquals(Role.SLAVE, tick().role());
      fsm.tell(beat);
    }
    assertEquals(Role.SLAVE, role().role());
    assertEquals(new SelfFence.CountedByMaster("host9", false), counted.get(counted.size() - 1));
    return now();
  }

  /**
   * From T0: a slave until T0+hostTimeout, then an election that closes at T0+hostTimeout+window, which it wins
   * alone; having heard no ballot it pings the isolation address at once. Returns that ping.
   */
  private Ping electsItselfAtT0PlusTimeoutPlusWindow(long t0) {
    int mark = events.size();
    for (int s = 1; s < TIMEOUT_TICKS; s++) {
      RoleInfo r = tick();
      assertEquals(Role.SLAVE, r.role(), "still a slave at T0+" + s + " s");
      assertEquals(Optional.of("host9"), r.master());
    }
    assertEquals(t0 + HOST_TIMEOUT.toMillis() - INTERVAL.toMillis(), now());
    assertEquals(List.of(), events.subList(mark, events.size()), "nothing before T0+hostTimeout");

    assertEquals(Role.ELECTION, tick().role());
    assertEquals(t0 + HOST_TIMEOUT.toMillis(), now());
    HaEvent.ElectionStarted election = only(HaEvent.ElectionStarted.class, mark);
    assertEquals(t0 + HOST_TIMEOUT.toMillis(), ms(election.at()));
    assertTrue(election.reason().contains("host9"), election.reason());
    assertTrue(election.reason().contains(Long.toString(HOST_TIMEOUT.toMillis())), election.reason());
    HaEvent.RoleChanged toElection = only(HaEvent.RoleChanged.class, mark);
    assertEquals(Role.SLAVE, toElection.from());
    assertEquals(Role.ELECTION, toElection.to());

    int electionMark = events.size();
    for (int s = 1; s < WINDOW_TICKS; s++) {
      assertEquals(Role.ELECTION, tick().role(), "still electing at T0+" + (TIMEOUT_TICKS + s) + " s");
    }
    assertEquals(List.of(), events.subList(electionMark, events.size()));
    assertTrue(isolationPings.isEmpty());

    assertEquals(Role.ELECTION, tick().role(), "elected, but checking for isolation first");
    long closed = t0 + HOST_TIMEOUT.plus(WINDOW).toMillis();
    assertEquals(closed, now());
    assertEquals(closed, ms(only(HaEvent.IsolationCheckStarted.class, electionMark).at()));
    assertTrue(coordinatorStarts.isEmpty());
    Ping ping = isolationPings.poll();
    assertEquals(ISOLATION_ADDRESS, ping.target().address());
    assertEquals(PING_TIMEOUT, ping.timeout());
    assertNull(isolationPings.poll());
    return ping;
  }

  /** Alone in the cluster it becomes master when the first window closes; returns its coordinator. */
  private ActorRef<MasterCoordinator.Command> becomeMaster() {
    spawnFsm();
    for (int s = 0; s <= WINDOW_TICKS; s++) tick();
    RoleInfo r = role();
    assertEquals(Role.MASTER, r.role());
    return r.coordinator().orElseThrow();
  }

  /** One interval of virtual time: the FSM ticks and asks for the datastore view; the view is answered. */
  private RoleInfo tick() {
    manualTime.timePasses(INTERVAL);
    while (true) {
      DatastoreHeartbeat.Command m = datastore.receiveMessage();
      if (m instanceof DatastoreHeartbeat.GetView ask) {
        ask.replyTo().tell(view);
        break;
      }
      datastoreOrders.add(m);
    }
    return role();
  }

  /** The FSM's role, once it has handled every message sent before. */
  private RoleInfo role() {
    fsm.tell(new ElectionFsm.GetRole(roles.ref()));
    return roles.receiveMessage();
  }

  private long now() {
    return scheduler.currentTimeMs();
  }

  /** A master's heartbeat as another host sends it (no protected list to replicate). */
  private static ElectionFsm.MasterBeat masterBeat(Rank master, ActorRef<MasterCoordinator.Command> coordinator) {
    return new ElectionFsm.MasterBeat(master, coordinator, Optional.empty(), Optional.empty(), 0);
  }

  private <E extends HaEvent> List<E> ofType(Class<E> type, int from) {
    return events.subList(from, events.size()).stream().filter(type::isInstance).map(type::cast).toList();
  }

  private <E extends HaEvent> E only(Class<E> type, int from) {
    List<E> found = ofType(type, from);
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in " + events.subList(from, events.size()));
    return found.get(0);
  }


  /** The coordinator's way to the FSM, as the FSM handed it to the coordinator it started last. */
  private MasterCoordinator.Start lastCoordinatorStart() {
    return coordinatorStarts.get(coordinatorStarts.size() - 1);
  }
}
