package dev.vmha.master;

import dev.vmha.testing.VirtualTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.DecisionLog;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.HostVms;
import dev.vmha.host.StoppedVm;
import dev.vmha.datastore.VmLease;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's side of the failure-detection timeline (seed 000 cases 1 and 2, seed 003), in virtual time: a slave
 * that stops beating at T0 is investigated at T0+hostTimeout (not a second before), pinged with icmpPingTimeout, and
 * judged from the ping and its datastore heartbeat: dead (VMs restarted on a live host), agent unreachable (pinged
 * again every deadIcmpPingInterval, nothing restarted), partitioned (nothing restarted) or isolated (the VMs its
 * power-on file lists restarted once it says so).
 *
 * <p>The test plays every neighbour of the coordinator: the hosts' heartbeats (SlaveBeat) and VM managers (probes),
 * the datastore heartbeat actor (a probe answered with a {@link DatastoreView} built round by round, so the test
 * chooses when host2's datastore heartbeat counter stops), and the pinger (a future the test completes). Virtual
 * time advances one interval at a time and every step ends with a GetStatus round trip.
 */
class MasterCoordinatorTimelineTest {
  private static final VmSpec VM1 = new VmSpec("vm1", 1024, 1);
  private static final VmSpec VM2 = new VmSpec("vm2", 2048, 2);
  private static final PingTarget HOST2_MGMT = new PingTarget("127.0.0.1", 1);

  @TempDir
  Path dir;

  private ActorTestKit kit;
  private ManualTime manualTime;
  private ExplicitlyTriggeredScheduler scheduler;
  private HaSettings settings;
  private TestProbe<DatastoreHeartbeat.Command> datastore;
  private TestProbe<ClusterStatus> status;
  private TestProbe<HostVms.Command> host1Vms;
  private TestProbe<HostVms.Command> host2Vms;
  private TestProbe<HostVms.Command> host3Vms;
  private TestProbe<MasterNotice> election;
  private final List<HaEvent> events = new CopyOnWriteArrayList<>();
  private final BlockingQueue<Ping> pings = new LinkedBlockingQueue<>();
  /** Events before this index belong to the set-up (the operator's power-ons); assertions look at those after. */
  private int mark;
  private ActorRef<MasterCoordinator.Command> master;

  // the simulated world, one round per tick
  private DatastoreView view;
  private long host1Counter;
  private long host2Counter;
  private boolean host2NetBeating = true;
  private boolean host3NetBeating = true;
  private boolean host2DatastoreBeating = true;
  private PowerOnFile host2PowerOn;
  private List<VmSpec> host2Running = List.of();
  /** Whether host2's heartbeats list the VMs it powered on; a test makes it die before they do. */
  private boolean host2ReportsItsVms = true;
  private List<StoppedVm> host2Stopped = List.of();
  /** Memory the live hosts offer; a test shrinks it to leave no room. */
  private long host1MemoryMb = 8192;
  private long host3MemoryMb = 2048;
  /** Leases host2 holds on ds1, renewed with its datastore heartbeat; none unless a test gives some. */
  private final Map<String, VmLease> host2Leases = new HashMap<>();
  /** The corrupt files the next datastore rounds show on ds1. */
  private Map<String, String> ds1Corrupt = Map.of();
  /** Leases host2 takes when its VMs have started (the operator's power-on needs them free). */
  private final Map<String, VmLease> host2LeasesOnceStarted = new HashMap<>();

  /** A ping the coordinator asked for, answered when the test completes {@code answer}. */
  record Ping(PingTarget target, Duration timeout, CompletableFuture<Boolean> answer, long sentAt) {}

  @BeforeEach
  void startOneNodeCluster() throws Exception {
    settings = HaSettings.from(ConfigFactory.parseString("vmha.host.id = host1, das.usedefaultisolationaddress = false,"
            + " das.isolationaddress1 = \"127.0.0.1\", vmha.hypervisor.type = in-memory")
        .withFallback(HaSettings.defaults()).resolve());
    // the vSphere defaults every figure below derives from
    assertEquals(Duration.ofSeconds(1), settings.failureDetectionInterval());
    assertEquals(Duration.ofSeconds(10), settings.hostTimeout());
    assertEquals(Duration.ofSeconds(5), settings.icmpPingTimeout());
    assertEquals(Duration.ofSeconds(10), settings.deadIcmpPingInterval());

    kit = ActorTestKit.create("MasterCoordinatorTimelineTest", VirtualTime.config());
    manualTime = ManualTime.get(kit.system());
    scheduler = (ExplicitlyTriggeredScheduler) Adapter.toClassic(kit.system()).scheduler();
    VirtualTime.joinSelf(kit, manualTime, Duration.ofSeconds(1));

    datastore = kit.createTestProbe();
    status = kit.createTestProbe();
    host1Vms = kit.createTestProbe();
    host2Vms = kit.createTestProbe();
    host3Vms = kit.createTestProbe();
    election = kit.createTestProbe();
    view = DatastoreView.initial(List.of("ds1"));
    Files.createDirectories(dir.resolve("ds1"));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  // ---- seed 000 case 1: a crashed slave

  @Test
  void aDeadSlaveIsSilentAtHostTimeoutJudgedWhenThePingTimesOutAndItsVmsRestartOnALiveHost() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(true); // a crash stops both heartbeats

    Ping ping = silentAtHostTimeout(t0);
    // the ping goes unanswered: it fails when icmpPingTimeout has passed
    long pingTimeoutTicks = ticks(settings.icmpPingTimeout());
    for (int s = 1; s < pingTimeoutTicks; s++) tick();
    assertEquals(List.of(), ofType(HaEvent.HostJudged.class), "no verdict while the ping is out");
    tick();
    long judgedAt = t0 + settings.hostTimeout().plus(settings.icmpPingTimeout()).toMillis();
    assertEquals(judgedAt, now());
    ping.answer().complete(false);
    sync();

    // with the defaults T + P = T + T/2 = 15 s: when the ping times out the datastore heartbeat is already still
    // past the fence bound, so the verdict is settled at once
    HaEvent.HostJudged judged = only(HaEvent.HostJudged.class);
    assertEquals("host2", judged.host());
    assertEquals(Verdict.DEAD, judged.verdict());
    assertEquals(judgedAt, ms(judged.at()));
    assertEquals(Duration.ofMillis(judgedAt - t0), judged.evidence().heartbeatSilence());
    assertEquals(Map.of("ds1", Duration.ofMillis(judgedAt - t0)), judged.evidence().datastoreHeartbeatAge());

    List<HaEvent.VmRestartPlanned> planned = ofType(HaEvent.VmRestartPlanned.class);
    assertEquals(Set.of("vm1", "vm2"), planned.stream().map(HaEvent.VmRestartPlanned::vm).collect(Collectors.toSet()));
    for (HaEvent.VmRestartPlanned p : planned) {
      assertEquals("host2", p.failedHost());
      assertEquals("host1", p.target());
      assertEquals(judgedAt, ms(p.at()));
    }
    // one power-on per protected VM at the live host; none at the dead one
    Set<String> started = new java.util.HashSet<>();
    for (int i = 0; i < 2; i++) started.add(answerPowerOn(host1Vms, "host1", true).vm().name());
    assertEquals(Set.of("vm1", "vm2"), started);
    host1Vms.awaitAssert(() -> {
      assertEquals(2, ofType(HaEvent.VmRestarted.class).size());
      return null;
    });
    host2Vms.expectNoMessage(Duration.ofMillis(200));
    ClusterStatus s = sync();
    for (ClusterStatus.VmStatus vm : s.vms()) assertEquals("host1", vm.host(), vm.toString());
  }

  /**
   * A ping that fails at once (a refused TCP probe) does not hurry the verdict: DEAD is settled only when the
   * heartbeat has been still on every readable datastore for T + T/2, when the host has surely fenced itself
   * (docs/FAILURE-DETECTION.md rows 6 and 7); until then it is re-checked, pinged again, every interval.
   */
  @Test
  void aDeadSlaveWhosePingFailsAtOnceIsDeclaredDeadOnlyOnceItsDatastoreHeartbeatIsStillPastTheFenceBound() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(true);
    Ping first = silentAtHostTimeout(t0);
    first.answer().complete(false);
    sync();
    Duration fence = settings.hostTimeout().plus(settings.hostTimeout().dividedBy(2));
    long deadAt = t0 + fence.toMillis();
    while (now() < deadAt - 1000) {
      tick();
      Ping p = pings.poll();
      assertEquals(HOST2_MGMT, p.target(), "pinged again every interval while not settled");
      p.answer().complete(false);
      sync();
      assertEquals(List.of(), ofType(HaEvent.HostJudged.class), "not settled at T0+" + (now() - t0) / 1000 + " s");
    }
    tick();
    assertEquals(deadAt, now());
    pings.poll().answer().complete(false);
    sync();
    HaEvent.HostJudged judged = only(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, judged.verdict());
    assertEquals(deadAt, ms(judged.at()));
    assertEquals(Map.of("ds1", fence), judged.evidence().datastoreHeartbeatAge());
    assertEquals(Set.of("vm1", "vm2"), ofType(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).collect(Collectors.toSet()));
    assertEquals(1, ofType(HaEvent.HostSilent.class).size());
  }

  // ---- every verdict within one interval of its rule (issue 18 item 7)

  /**
   * A power loss as a real network shows it: the master's datastore round saw the host's last heartbeat write one
   * round after its last network beat, and the ICMP ping goes unanswered only when icmpPingTimeout has passed. The
   * rule (ping unanswered, datastore heartbeat still for T + T/2) holds at max(T + P, T + T/2 + one round): DEAD
   * comes within one interval of that, not after a further ping round (≈ T + 2P, measured 19.3 s in the lab).
   */
  @Test
  void aSlavePowerLossIsDeclaredDeadWithinOneIntervalOfItsRuleNotAfterAnotherPingRound() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(false);
    tick(); // its last datastore write reaches the master's round one interval after its last network beat
    host2DatastoreBeating = false;
    long lastWriteSeen = now();
    Duration fence = settings.hostTimeout().plus(settings.hostTimeout().dividedBy(2));
    long rule = Math.max(t0 + settings.hostTimeout().plus(settings.icmpPingTimeout()).toMillis(),
        lastWriteSeen + fence.toMillis());
    HaEvent.HostJudged judged = tickWithIcmpPingsUntilJudged("host2", 40);
    assertEquals(Verdict.DEAD, judged.verdict(), judged.reason());
    assertTrue(ms(judged.at()) >= rule, "never before the rule: " + judged.evidence());
    assertTrue(ms(judged.at()) <= rule + settings.failureDetectionInterval().toMillis(),
        "DEAD at T0+" + (ms(judged.at()) - t0) + " ms; the rule held at T0+" + (rule - t0) + " ms");
    assertTrue(judged.evidence().datastoreHeartbeatAge().values().stream().allMatch(a -> a.compareTo(fence) >= 0),
        judged.evidence().toString());
    assertTrue(ms(judged.at()) - t0 <= settings.detectionTiming().slavePowerLoss().toMillis(), "the stated budget");
  }

  /**
   * The master and host2 lose power together; host1 wins the election T + W later and takes over. host2 never beat
   * to host1, but host1's own datastore rounds (kept across roles) have seen host2's heartbeat still since the power
   * loss: host2 is pinged at once and DEAD as soon as the ping goes unanswered, not T + W after the takeover.
   */
  @Test
  void aNewMasterJudgesAHostFromItsDatastoreHeartbeatAgeNotFromItsTakeover() throws Exception {
    // as a slave, host1 saw host2's datastore heartbeat move, then stand still from the power loss on
    host2Counter = 1;
    for (int r = 0; r < 3; r++) datastoreRound();
    host2DatastoreBeating = false;
    host2NetBeating = false;
    Duration lostFor = settings.hostTimeout().plus(settings.electionWindow());
    for (int r = 0; r < ticks(lostFor); r++) datastoreRound();
    ProtectedList list = ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4")
        .with(VM2, "host2", VmProtection.defaults(), "host4");
    new DirectoryDatastore(dir.resolve("ds1"), Runnable::run).writeProtectedList(list).toCompletableFuture().join();

    startMaster(Map.of("host4", lostFor)); // host4, the old master, lost power with host2
    long takeover = now();
    HaEvent.HostJudged judged = tickWithIcmpPingsUntilJudged("host2", 60);
    assertEquals(Verdict.DEAD, judged.verdict(), judged.reason());
    long budget = takeover + settings.failureDetectionInterval().plus(settings.icmpPingTimeout()).toMillis();
    assertTrue(ms(judged.at()) <= budget, "DEAD " + (ms(judged.at()) - takeover) + " ms after the takeover");
    long powerLoss = takeover - lostFor.toMillis();
    assertTrue(ms(judged.at()) - powerLoss <= settings.detectionTiming().masterAndSlavePowerLoss().toMillis(),
        "the stated budget");
    assertEquals(Set.of("vm1", "vm2"), ofType(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).collect(Collectors.toSet()));
  }

  /**
   * Ticks, answering the datastore rounds and letting every ping go unanswered when icmpPingTimeout has passed (an
   * ICMP probe of a host without power), until {@code host} is judged; returns that verdict.
   */
  private HaEvent.HostJudged tickWithIcmpPingsUntilJudged(String host, int maxTicks) {
    List<Ping> outstanding = new ArrayList<>();
    for (int t = 0; t < maxTicks; t++) {
      tick();
      pings.drainTo(outstanding);
      for (Ping p : List.copyOf(outstanding)) {
        if (now() - p.sentAt() >= p.timeout().toMillis()) {
          p.answer().complete(false);
          outstanding.remove(p);
        }
      }
      sync();
      Optional<HaEvent.HostJudged> judged = ofType(HaEvent.HostJudged.class).stream()
          .filter(j -> j.host().equals(host)).findFirst();
      if (judged.isPresent()) return judged.get();
    }
    throw new AssertionError(host + " not judged in " + maxTicks + " ticks: " + since());
  }

  // ---- the agent is gone but the host runs

  @Test
  void aSlaveWhosePingAnswersIsAgentUnreachableIsPingedAgainEveryDeadIcmpPingIntervalAndNothingRestarts() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(true);

    Ping first = silentAtHostTimeout(t0);
    first.answer().complete(true);
    sync();
    HaEvent.HostJudged judged = only(HaEvent.HostJudged.class);
    assertEquals(Verdict.AGENT_UNREACHABLE, judged.verdict());
    long judgedAt = t0 + settings.hostTimeout().toMillis();
    assertEquals(judgedAt, ms(judged.at()));

    long again = ticks(settings.deadIcmpPingInterval());
    for (int s = 1; s < again; s++) {
      tick();
      assertNull(pings.poll(), "no ping before deadIcmpPingInterval, at +" + s + " s");
    }
    tick();
    assertEquals(judgedAt + settings.deadIcmpPingInterval().toMillis(), now());
    Ping second = pings.poll();
    assertEquals(HOST2_MGMT, second.target());
    second.answer().complete(true);
    sync();
    for (int s = 0; s < 3; s++) tick();

    assertEquals(1, ofType(HaEvent.HostSilent.class).size(), "silent once: later pings are re-checks");
    assertEquals(1, ofType(HaEvent.HostJudged.class).size(), "the verdict did not change");
    assertEquals(List.of(), ofType(HaEvent.VmRestartPlanned.class));
    host1Vms.expectNoMessage(Duration.ofMillis(200));
    host2Vms.expectNoMessage(Duration.ZERO);
  }

  /**
   * Issue 19 item 5: host2's agent and VMs are gone (OOM-killed) but its kernel answers ping. Its power-on file said
   * its watchdog was armed, so a lease that stands still for the expiry proves the VM stopped: each VM restarts once
   * its lease expired, not before — instead of waiting for ever under AGENT_UNREACHABLE.
   */
  @Test
  void theVmsOfAnAgentUnreachableHostWhoseWatchdogIsArmedRestartOnceTheirLeasesExpire() {
    host2LeasesOnceStarted.put("vm1", VmLease.first("vm1", "host2", Instant.EPOCH));
    host2LeasesOnceStarted.put("vm2", VmLease.first("vm2", "host2", Instant.EPOCH));
    host2PowerOn = new PowerOnFile("host2", false, List.of(VM1, VM2), true);
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(true);
    silentAtHostTimeout(t0).answer().complete(true);
    sync();
    assertEquals(Verdict.AGENT_UNREACHABLE, only(HaEvent.HostJudged.class).verdict());
    long expiresAt = t0 + settings.leaseTiming().expiry().toMillis();
    Set<String> started = new java.util.HashSet<>();
    while (started.size() < 2) {
      assertTrue(now() < expiresAt + 3000, "restarted within a few rounds of the expiry");
      tick();
      answerPings(true);
      HostVms.PowerOn on;
      while ((on = pollPowerOn(host1Vms)) != null) {
        assertTrue(now() >= expiresAt, on.vm().name() + " started at T0+" + (now() - t0) + " ms, before its lease"
            + " expired at T0+" + (expiresAt - t0) + " ms");
        assertEquals(Optional.of(host2Leases.get(on.vm().name())), on.grant());
        on.replyTo().tell(new HostVms.Result(on.vm().name(), "host1", true, null));
        started.add(on.vm().name());
      }
    }
    assertEquals(Set.of("vm1", "vm2"), ofType(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).collect(Collectors.toSet()));
    assertTrue(ofType(HaEvent.VmRestartPlanned.class).get(0).reason().contains("watchdog armed"));
  }

  private HostVms.PowerOn pollPowerOn(TestProbe<HostVms.Command> host) {
    try {
      return host.expectMessageClass(HostVms.PowerOn.class, Duration.ofMillis(100));
    } catch (AssertionError none) {
      return null;
    }
  }

  // ---- seed 000 case 5: the slave runs on in another partition

  @Test
  void aSilentUnpingableSlaveWhoseDatastoreHeartbeatMovesIsPartitionedAndNothingRestarts() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(false); // its datastore heartbeat keeps moving

    Ping ping = silentAtHostTimeout(t0);
    for (int s = 1; s <= ticks(settings.icmpPingTimeout()); s++) tick();
    ping.answer().complete(false);
    sync();
    HaEvent.HostJudged judged = only(HaEvent.HostJudged.class);
    assertEquals(Verdict.PARTITIONED, judged.verdict());
    assertEquals(t0 + settings.hostTimeout().plus(settings.icmpPingTimeout()).toMillis(), ms(judged.at()));

    // re-checked every interval (its datastore heartbeat might stop): still partitioned, still nothing restarted
    for (int s = 0; s < 10; s++) {
      tick();
      Ping p;
      while ((p = pings.poll()) != null) p.answer().complete(false);
      sync();
    }
    assertEquals(1, ofType(HaEvent.HostJudged.class).size());
    assertEquals(List.of(), ofType(HaEvent.VmRestartPlanned.class));
    host1Vms.expectNoMessage(Duration.ofMillis(200));
    host2Vms.expectNoMessage(Duration.ZERO);
    // the status says what is known (issue 18 item 8): running at host2 as last reported, unknown since its last beat
    for (ClusterStatus.VmStatus vm : sync().vms()) {
      VmState.LastReported st = assertInstanceOf(VmState.LastReported.class, vm.state(), vm.toString());
      assertEquals("host2", st.host());
      assertEquals(Verdict.PARTITIONED, st.verdict());
      long since = st.unknownSince().toEpochMilli();
      assertTrue(since <= t0 && since > t0 - settings.failureDetectionInterval().toMillis() * 2, vm.toString());
    }
  }

  /**
   * A partitioned host that then dies (its datastore heartbeat stops too) must not stay PARTITIONED for ever: once
   * its heartbeat has been still on every readable datastore for T + T/2 it has fenced itself, whatever it did
   * before, so it is DEAD and its VMs restart. The re-checks every interval exist for exactly this.
   */
  @Test
  void aPartitionedSlaveWhoseDatastoreHeartbeatThenStopsIsDeclaredDeadOnceItIsStillPastTheFenceBound() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(false);
    Ping ping = silentAtHostTimeout(t0);
    for (int s = 1; s <= ticks(settings.icmpPingTimeout()); s++) tick();
    ping.answer().complete(false);
    sync();
    assertEquals(Verdict.PARTITIONED, only(HaEvent.HostJudged.class).verdict());

    host2DatastoreBeating = false; // host2 loses power in its partition
    long stopped = now();
    Duration fence = settings.hostTimeout().plus(settings.hostTimeout().dividedBy(2));
    while (now() < stopped + fence.toMillis() + 5_000) {
      tick();
      answerPings(false);
    }
    List<HaEvent.HostJudged> judged = ofType(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, judged.get(judged.size() - 1).verdict(), judged.toString());
    assertEquals(Set.of("vm1", "vm2"), ofType(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).collect(Collectors.toSet()));
  }

  // ---- seed 000 case 2, seed 003: the isolated slave flags itself at T0+30 s

  @Test
  void theVmsAnIsolatedSlaveStoppedRestartWhenItsPowerOnFileSaysIsolated() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(false);
    Ping ping = silentAtHostTimeout(t0);
    for (int s = 1; s <= ticks(settings.icmpPingTimeout()); s++) tick();
    ping.answer().complete(false);
    sync();
    assertEquals(Verdict.PARTITIONED, only(HaEvent.HostJudged.class).verdict(), "not flagged yet");

    // T0+30 s: host2 has elected itself (T0+25 s), found no isolation address, stopped its VMs and says so
    while (now() < t0 + 29_000) {
      tick();
      answerPings(false);
    }
    host2Running = List.of();
    host2PowerOn = new PowerOnFile("host2", true, List.of(VM1, VM2));
    tick(); // T0+30: the datastores show the flag
    long flagged = now();
    answerPings(false);
    tick(); // the master reads it
    answerPings(false);

    List<HaEvent.VmRestartPlanned> planned = ofType(HaEvent.VmRestartPlanned.class);
    assertEquals(List.of("vm1", "vm2"), planned.stream().map(HaEvent.VmRestartPlanned::vm).sorted().toList());
    for (HaEvent.VmRestartPlanned p : planned) {
      assertEquals("host1", p.target());
      assertTrue(ms(p.at()) - flagged <= settings.failureDetectionInterval().toMillis(),
          "restarted within one datastore round of the flag: " + p);
    }
    assertTrue(ofType(HaEvent.HostJudged.class).stream().anyMatch(j -> j.verdict() == Verdict.ISOLATED),
        events.toString());
    Set<String> started = new java.util.HashSet<>();
    for (int i = 0; i < 2; i++) started.add(answerPowerOn(host1Vms, "host1", true).vm().name());
    assertEquals(Set.of("vm1", "vm2"), started);
    // later rounds still show the flag: nothing is started twice
    for (int s = 0; s < 5; s++) {
      tick();
      answerPings(false);
    }
    assertEquals(2, ofType(HaEvent.VmRestartPlanned.class).size());
    host1Vms.expectNoMessage(Duration.ofMillis(200));
    host2Vms.expectNoMessage(Duration.ZERO);
  }

  // ---- seed 003, isolated master: the master that hears no host at all asks whether it is the isolated one

  @Test
  void whenEveryOtherHostIsSilentTheElectionFsmIsToldOnceAtHostTimeout() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(true);
    host3NetBeating = false; // host3's last beat was at T0 too: the master hears nobody any more
    long timeoutTicks = ticks(settings.hostTimeout());
    for (int s = 1; s < timeoutTicks; s++) tick();
    assertEquals(List.of(), allHostsSilentTold(), "not before T0+hostTimeout");
    tick();
    assertEquals(t0 + settings.hostTimeout().toMillis(), now());
    assertEquals(List.of(new MasterNotice.AllHostsSilent(2)), allHostsSilentTold());
    for (Ping p; (p = pings.poll()) != null; ) p.answer().complete(false);
    for (int s = 0; s < 3; s++) tick();
    assertEquals(List.of(), allHostsSilentTold(), "told once");
  }

  @Test
  void whileAnyOtherHostBeatsTheElectionFsmIsNotTold() {
    long t0 = protectTwoVmsOnHost2ThenSilenceIt(true);
    silentAtHostTimeout(t0);
    for (int s = 0; s < 3; s++) tick();
    assertEquals(List.of(), allHostsSilentTold());
  }

  /** The master hands every new protected list to its election FSM, which replicates it in its heartbeats. */
  @Test
  void everyProtectedListChangeGoesToTheElectionFsm() {
    protectTwoVmsOnHost2ThenSilenceIt(false);
    List<MasterNotice.ProtectedListChanged> changes = drainElection().stream()
        .filter(MasterNotice.ProtectedListChanged.class::isInstance).map(MasterNotice.ProtectedListChanged.class::cast)
        .toList();
    ProtectedList last = changes.get(changes.size() - 1).list();
    assertEquals("host1", last.owner());
    assertEquals(Set.of("vm1", "vm2"), last.vms().keySet());
    assertEquals("host2", last.vms().get("vm1").host());
  }

  // ---- corrupt protected lists (issue 20 finding 8)

  /**
   * Garbage written into the protected list of a datastore this master owns is rewritten from the master's own list
   * in the round that shows it corrupt, the garbage kept aside; status names the corrupt file meanwhile.
   */
  @Test
  void aCorruptProtectedListIsRewrittenFromTheMastersListAndKeptAside() throws Exception {
    protectOnHost2(VmProtection.defaults(), VmProtection.defaults());
    Path file = dir.resolve("ds1/.vmha/protectedlist");
    DirectoryDatastore other = new DirectoryDatastore(dir.resolve("ds1"), Runnable::run);
    ProtectedList before = other.readProtectedList().toCompletableFuture().join().orElseThrow();
    Files.writeString(file, "garbage\n");
    ds1Corrupt = Map.of("protectedlist", file + ": truncated (no checksum line)");
    tick();
    ClusterStatus.DatastoreStatus ds1 = sync().datastores().get(0);
    assertEquals(Map.of("protectedlist", file + ": truncated (no checksum line)"), ds1.corrupt(), "status shows it");
    assertEquals(Optional.of(before), other.readProtectedList().toCompletableFuture().join(), "the list is back");
    try (java.util.stream.Stream<Path> aside = Files.list(dir.resolve("ds1/.vmha/corrupt"))) {
      assertEquals(List.of("garbage\n"), aside.map(p -> {
        try {
          return Files.readString(p);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList());
    }
  }

  /** A new master whose datastores hold no readable list takes the list the last master replicated to it. */
  @Test
  void aNewMasterFindingEveryDatastoresListCorruptTakesTheReplica() throws Exception {
    Files.createDirectories(dir.resolve("ds1/.vmha"));
    Files.writeString(dir.resolve("ds1/.vmha/protectedlist"), "garbage\n");
    ProtectedList replica = ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4");
    startMaster(Map.of(), Optional.of(replica));
    assertEquals(List.of("vm1"), sync().vms().stream().map(ClusterStatus.VmStatus::name).toList());
  }

  // ---- the restart engine (issue 5): order, retries, best-effort, leases, guest stops, operator power-off

  private static VmProtection protection(RestartPriority p, ReadyCondition ready, String... dependsOn) {
    return new VmProtection(p, 0, ready, Duration.ofSeconds(60), List.of(dependsOn));
  }

  /** The default settings with these overrides. */
  /**
   * A VM that went unreported at its old host (which died before its heartbeats listed it) and was restarted on
   * another host is missing there only from its restart on: the other host has hostTimeout to report it. Counting
   * from when it went missing at the old host started it a second time at once (PartitionHealTest, seen once).
   */
  @Test
  void aVmRestartedElsewhereIsNotTakenForMissingAtItsNewHostSinceItWentMissingAtTheOldOne() {
    host2ReportsItsVms = false;
    host2Dies(VmProtection.defaults(), VmProtection.defaults());
    for (int i = 0; i < 2; i++) answerPowerOn(host1Vms, "host1", true);
    host1Vms.awaitAssert(() -> {
      assertEquals(2, ofType(HaEvent.VmRestarted.class).size());
      return null;
    });
    // host1's heartbeats do not list them yet (its hypervisor poll lags): fewer than hostTimeout of reports
    for (int s = 1; s < ticks(settings.hostTimeout()); s++) tick();
    assertEquals(2, ofType(HaEvent.VmRestartPlanned.class).size(), "restarted once: " + since());
    host1Vms.expectNoMessage(Duration.ofMillis(200));
  }

  /** Issue 20 finding 4: a VM whose dependency is not protected would wait for it forever; it is refused. */
  @Test
  void aPowerOnThatDependsOnAVmThatIsNotProtectedIsRefusedNamingDependsOnAndChangesNothing() {
    startMaster(Map.of());
    tick();
    tick();
    TestProbe<MasterCoordinator.OperationResult> reply = kit.createTestProbe();
    master.tell(new MasterCoordinator.PowerOnVm(VM1, "host2",
        protection(RestartPriority.HIGH, ReadyCondition.RESOURCES_ALLOCATED, "ghost"), reply.ref()));
    MasterCoordinator.OperationResult r = reply.receiveMessage();
    assertEquals(Optional.of("dependsOn"), r.invalidField(), r.message());
    assertTrue(r.message().contains("ghost") && r.message().contains("not a protected VM"), r.message());
    host2Vms.expectNoMessage(Duration.ofMillis(100));
    assertEquals(List.of(), ofType(HaEvent.VmProtected.class));
    // once what it depends on is protected, it may be
    powerOnAtHost2(VM2, VmProtection.defaults());
    powerOnAtHost2(VM1, protection(RestartPriority.HIGH, ReadyCondition.RESOURCES_ALLOCATED, "vm2"));
  }

  private void settings(String overrides) {
    settings = HaSettings.from(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseString(
            "vmha.host.id = host1, das.usedefaultisolationaddress = false, das.isolationaddress1 = \"127.0.0.1\","
                + " vmha.hypervisor.type = in-memory"))
        .withFallback(HaSettings.defaults()).resolve());
  }

  /** vm1 and vm2 protected at host2, which then crashes and is judged DEAD at T0 + hostTimeout + icmpPingTimeout. */
  private void host2Dies(VmProtection p1, VmProtection p2) {
    long t0 = protectOnHost2ThenSilenceIt(true, p1, p2);
    Ping ping = silentAtHostTimeout(t0);
    for (int s = 1; s <= ticks(settings.icmpPingTimeout()); s++) tick();
    ping.answer().complete(false);
    sync();
    assertEquals(Verdict.DEAD, only(HaEvent.HostJudged.class).verdict());
  }

  private HostVms.PowerOn answerPowerOn(TestProbe<HostVms.Command> host, String hostId, boolean ok) {
    HostVms.PowerOn on = host.expectMessageClass(HostVms.PowerOn.class);
    on.replyTo().tell(new HostVms.Result(on.vm().name(), hostId, ok, ok ? null : "refused (injected)"));
    sync();
    return on;
  }

  @Test
  void aLaterPriorityGroupStartsOnlyOnceTheEarlierGroupIsPoweredOn() {
    host2Dies(protection(RestartPriority.LOW, ReadyCondition.POWERED_ON),
        protection(RestartPriority.HIGHEST, ReadyCondition.POWERED_ON));
    assertEquals(List.of("vm2"), ofType(HaEvent.VmRestartPlanned.class).stream().map(HaEvent.VmRestartPlanned::vm)
        .toList(), "the highest priority first");
    HaEvent.VmRestartWaiting waits = only(HaEvent.VmRestartWaiting.class);
    assertEquals("vm1", waits.vm());
    assertEquals(WaitReason.EARLIER_GROUP, waits.kind());
    tick();
    assertEquals(1, ofType(HaEvent.VmRestartPlanned.class).size(), "still waiting for vm2's power-on");
    assertEquals("vm2", answerPowerOn(host1Vms, "host1", true).vm().name());
    host1Vms.awaitAssert(() -> {
      assertEquals(List.of("vm2", "vm1"), ofType(HaEvent.VmRestartPlanned.class).stream()
          .map(HaEvent.VmRestartPlanned::vm).toList());
      return null;
    });
    assertEquals("vm1", answerPowerOn(host1Vms, "host1", true).vm().name());
  }

  @Test
  void aVmWaitsForItsDependencyWhichWaitsForRoom() {
    // vm2 (2048 MB) fits nowhere while host1 is fenced and host3 (2048 MB) ... has 2048 free: shrink host3's room by
    // making vm1 depend on vm2 and vm2 too big for every live host
    host2Dies(protection(RestartPriority.HIGHEST, ReadyCondition.POWERED_ON, "vm2"),
        protection(RestartPriority.HIGHEST, ReadyCondition.POWERED_ON));
    List<String> planned = ofType(HaEvent.VmRestartPlanned.class).stream().map(HaEvent.VmRestartPlanned::vm).toList();
    assertEquals(List.of("vm2"), planned, "vm1 waits for vm2");
    HaEvent.VmRestartWaiting w = only(HaEvent.VmRestartWaiting.class);
    assertEquals("vm1", w.vm());
    assertEquals(WaitReason.DEPENDENCY, w.kind());
    answerPowerOn(host1Vms, "host1", true);
    host1Vms.awaitAssert(() -> {
      assertEquals(2, ofType(HaEvent.VmRestartPlanned.class).size());
      return null;
    });
  }

  @Test
  void aFailedStartIsRetriedWithDoublingBackOffAndGivenUpAfterMaxVmRestartCount() {
    settings("das.maxvmrestartcount = 3, vmha.restart.retry-base-delay = 4s");
    host2Dies(VmProtection.defaults(), protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    assertEquals("vm2", only(HaEvent.VmNotRestarted.class).vm(), "restart priority disabled: not restarted");
    for (int attempt = 1; attempt <= 3; attempt++) {
      // every live host refuses: host1 first (most free memory), then host3
      assertEquals("vm1", answerPowerOn(host1Vms, "host1", false).vm().name());
      answerPowerOn(host3Vms, "host3", false);
      if (attempt == 3) break;
      int a = attempt;
      host1Vms.awaitAssert(() -> {
        assertEquals(a, ofType(HaEvent.VmRestartRetryScheduled.class).size());
        return null;
      });
      HaEvent.VmRestartRetryScheduled r = ofType(HaEvent.VmRestartRetryScheduled.class).get(attempt - 1);
      assertEquals(Duration.ofSeconds(4L << (attempt - 1)), r.delay(), "4 s, then 8 s");
      long delayTicks = ticks(r.delay());
      for (int t = 1; t < delayTicks; t++) tick();
      host1Vms.expectNoMessage(Duration.ofMillis(100));
      tick();
    }
    host1Vms.awaitAssert(() -> {
      assertEquals(2, ofType(HaEvent.VmNotRestarted.class).size());
      return null;
    });
    HaEvent.VmNotRestarted gaveUp = ofType(HaEvent.VmNotRestarted.class).get(1);
    assertEquals("vm1", gaveUp.vm());
    assertTrue(gaveUp.reason().contains("all 3 attempts failed"), gaveUp.reason());
    for (int t = 0; t < 20; t++) tick();
    host1Vms.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aVmWithNoRoomWaitsAndIsPlacedAsSoonAsCapacityAppears() {
    protectOnHost2(VmProtection.defaults(), protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    host1MemoryMb = 512; // the live hosts fill up before host2 dies
    host3MemoryMb = 512;
    host2NetBeating = false;
    host2DatastoreBeating = false;
    mark = events.size();
    long t0 = now();
    Ping ping = silentAtHostTimeout(t0);
    for (int s = 1; s <= ticks(settings.icmpPingTimeout()); s++) tick();
    ping.answer().complete(false);
    sync();
    HaEvent.VmAwaitingCapacity waits = only(HaEvent.VmAwaitingCapacity.class);
    assertEquals("vm1", waits.vm());
    assertTrue(waits.reason().contains("needs 1024 MB"), waits.reason());
    for (int t = 0; t < 3; t++) tick();
    host1Vms.expectNoMessage(Duration.ofMillis(100));
    assertEquals(1, ofType(HaEvent.VmAwaitingCapacity.class).size(), "recorded once, not every round");
    host3MemoryMb = 4096; // capacity appears (a host is added, or VMs stop)
    tick(); // its report shows the room
    tick(); // the next round places vm1
    assertEquals("vm1", answerPowerOn(host3Vms, "host3", true).vm().name());
  }

  @Test
  void aBestEffortVmGetsExactlyOneAttempt() {
    settings("vmha.restart.retry-base-delay = 1s");
    host2Dies(protection(RestartPriority.BEST_EFFORT, ReadyCondition.RESOURCES_ALLOCATED),
        protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    answerPowerOn(host1Vms, "host1", false);
    answerPowerOn(host3Vms, "host3", false);
    host1Vms.awaitAssert(() -> {
      assertTrue(ofType(HaEvent.VmNotRestarted.class).stream()
          .anyMatch(n -> n.vm().equals("vm1") && n.reason().contains("exactly one attempt")), events.toString());
      return null;
    });
    for (int t = 0; t < 5; t++) tick();
    host1Vms.expectNoMessage(Duration.ofMillis(100));
    assertEquals(List.of(), ofType(HaEvent.VmRestartRetryScheduled.class));
  }

  /**
   * The dead host's lease on vm1 stood still since T0; DEAD comes at T0 + 15 s, the lease expires for others only at
   * T0 + 15.15 s (docs/FAILURE-DETECTION.md): vm1 waits, and starts with the expired lease as its grant once the
   * master's datastore round has seen the lease still for longer (rounds reach the master one tick late).
   */
  @Test
  void aVmWhoseLeaseHasNotExpiredWaitsAndThenStartsWithTheExpiredLeaseAsGrant() {
    VmLease held = VmLease.first("vm1", "host2", Instant.EPOCH);
    host2LeasesOnceStarted.put("vm1", held);
    host2Dies(VmProtection.defaults(), protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    HaEvent.VmRestartWaiting w = only(HaEvent.VmRestartWaiting.class);
    assertEquals(WaitReason.LEASE, w.kind());
    assertTrue(w.reason().contains("held by host2"), w.reason());
    host1Vms.expectNoMessage(Duration.ofMillis(100));
    tick();
    tick();
    HostVms.PowerOn on = answerPowerOn(host1Vms, "host1", true);
    assertEquals(Optional.of(host2Leases.get("vm1")), on.grant(), "the new host replaces exactly the expired write");
  }

  @Test
  void aVmStoppedInsideItsGuestIsRestartedAndOneAnOperatorPoweredOffIsNot() {
    protectOnHost2(VmProtection.defaults(), VmProtection.defaults());
    mark = events.size();
    host2Running = List.of(VM2);
    host2Stopped = List.of(new StoppedVm(VM1, "it stopped from inside its guest (shutdown or crash)"));
    tick();
    HaEvent.VmRestartPlanned p = only(HaEvent.VmRestartPlanned.class);
    assertEquals("vm1", p.vm());
    assertEquals("host2", p.failedHost());
    assertTrue(p.reason().contains("from inside its guest"), p.reason());
    answerPowerOn(host1Vms, "host1", true);

    TestProbe<MasterCoordinator.OperationResult> reply = kit.createTestProbe();
    master.tell(new MasterCoordinator.PowerOffVm("vm2", reply.ref()));
    HostVms.PowerOff off = host2Vms.expectMessageClass(HostVms.PowerOff.class);
    assertEquals("vm2", off.vm());
    off.replyTo().tell(new HostVms.Result("vm2", "host2", true, null));
    assertTrue(reply.receiveMessage().ok());
    host2Running = List.of();
    for (int t = 0; t < 5; t++) tick();
    assertEquals(1, ofType(HaEvent.VmRestartPlanned.class).size(), "vm2 is not restarted");
    assertEquals("vm2", only(HaEvent.VmPoweredOff.class).vm());
    assertEquals(List.of("vm1"), sync().vms().stream().map(ClusterStatus.VmStatus::name).toList(),
        "vm2 is no longer protected");
  }

  /**
   * Issue 20 finding 3: a VM answered 200 is never dropped from protection. A client's retried power-on of vm1 reaches
   * the master before host2's heartbeats list vm1 (its poll lags): it is refused as already protected, dispatched
   * nowhere, and vm1 stays protected at host2, so that when host2's lease keeper fences vm1 under load, vm1 is owed a
   * restart, not forgotten.
   */
  @Test
  void aVmAnswered200StaysProtectedThroughAFailedRetryOfItsPowerOnAndIsRestartedWhenItsHostFencesIt() {
    host2ReportsItsVms = false;
    protectOnHost2(VmProtection.defaults(), VmProtection.defaults());
    mark = events.size();
    TestProbe<MasterCoordinator.OperationResult> reply = kit.createTestProbe();
    master.tell(new MasterCoordinator.PowerOnVm(VM1, "host1", VmProtection.defaults(), reply.ref()));
    MasterCoordinator.OperationResult refused = reply.receiveMessage();
    assertTrue(!refused.ok() && refused.message().contains("already"), refused.message());
    host1Vms.expectNoMessage(Duration.ofMillis(200));
    ClusterStatus.VmStatus vm1 = sync().vms().stream().filter(v -> v.name().equals("vm1")).findFirst().orElse(null);
    assertTrue(vm1 != null && vm1.host().equals("host2"), "vm1 is still protected at host2: " + sync().vms());

    host2Running = List.of(VM2);
    host2Stopped = List.of(new StoppedVm(VM1, "fenced by its lease: its lease on ds1 was not renewed for 10000 ms"));
    tick();
    HaEvent.VmRestartPlanned p = only(HaEvent.VmRestartPlanned.class);
    assertEquals("vm1", p.vm());
    assertEquals("host2", p.failedHost());
    assertEquals("vm1", answerPowerOn(host1Vms, "host1", true).vm().name());
  }

  // ---- the scenario

  /**
   * Starts the master (host1) with host1, host2 and host3 beating, powers vm1 and vm2 on at host2 under protection, lets
   * a few rounds pass, then host2's network heartbeats stop, and with them its datastore heartbeat if
   * {@code datastoreHeartbeatStops}. Returns T0, the virtual time of its last beat.
   */
  private long protectTwoVmsOnHost2ThenSilenceIt(boolean datastoreHeartbeatStops) {
    return protectOnHost2ThenSilenceIt(datastoreHeartbeatStops, VmProtection.defaults(), VmProtection.defaults());
  }

  private long protectOnHost2ThenSilenceIt(boolean datastoreHeartbeatStops, VmProtection p1, VmProtection p2) {
    protectOnHost2(p1, p2);
    host2NetBeating = false;
    host2DatastoreBeating = !datastoreHeartbeatStops;
    ClusterStatus s = sync();
    assertEquals(List.of("vm1", "vm2"), s.vms().stream().map(ClusterStatus.VmStatus::name).toList());
    assertEquals(List.of(), ofType(HaEvent.HostSilent.class));
    assertEquals(2, ofType(HaEvent.VmProtected.class).size());
    mark = events.size();
    return now();
  }

  /** Starts the master and protects vm1 and vm2 at host2 with these protections; host2 keeps beating. */
  private void protectOnHost2(VmProtection p1, VmProtection p2) {
    startMaster(Map.of());
    tick();
    tick();
    // vm2 first: a VM may depend only on a protected one
    powerOnAtHost2(VM2, p2);
    powerOnAtHost2(VM1, p1);
    if (host2ReportsItsVms) host2Running = List.of(VM1, VM2);
    host2Leases.putAll(host2LeasesOnceStarted);
    for (int s = 0; s < 3; s++) tick();
  }

  /** Starts the master coordinator (host1) with these known silences; the protected list is read at once. */
  private void startMaster(Map<String, Duration> knownSilence) {
    startMaster(knownSilence, Optional.empty());
  }

  /** As above, with the protected list the last master replicated to host1. */
  private void startMaster(Map<String, Duration> knownSilence, Optional<ProtectedList> replica) {
    List<Datastore> datastores = List.of(new DirectoryDatastore(dir.resolve("ds1"), Runnable::run));
    Pinger pinger = (target, timeout) -> {
      CompletableFuture<Boolean> answer = new CompletableFuture<>();
      pings.add(new Ping(target, timeout, answer, now()));
      return answer;
    };
    master = kit.spawn(MasterCoordinator.create(new MasterCoordinator.Deps(settings, datastores, datastore.ref(),
        pinger, DecisionLog.of(events::add), new VirtualTime.VirtualClock(scheduler)),
        new MasterCoordinator.Start(knownSilence, election.ref(), replica)), "master");
    // the coordinator asks at once for the datastore view this host kept so far
    datastore.expectMessageClass(DatastoreHeartbeat.GetView.class).replyTo().tell(view);
    sync(); // the protected list is read and the timers run from the current virtual time
  }

  private void powerOnAtHost2(VmSpec vm, VmProtection protection) {
    TestProbe<MasterCoordinator.OperationResult> reply = kit.createTestProbe();
    master.tell(new MasterCoordinator.PowerOnVm(vm, "host2", protection, reply.ref()));
    HostVms.PowerOn on = host2Vms.expectMessageClass(HostVms.PowerOn.class);
    assertEquals(vm, on.vm());
    on.replyTo().tell(new HostVms.Result(vm.name(), "host2", true, null));
    assertTrue(reply.receiveMessage().ok());
  }

  /** T0+hostTimeout: HostSilent and a ping with icmpPingTimeout; nothing a second before. Returns the ping. */
  private Ping silentAtHostTimeout(long t0) {
    long timeoutTicks = ticks(settings.hostTimeout());
    for (int s = 1; s < timeoutTicks; s++) {
      tick();
      assertEquals(List.of(), ofType(HaEvent.HostSilent.class), "not silent yet at T0+" + s + " s");
      assertNull(pings.poll(), "no ping yet at T0+" + s + " s");
    }
    tick();
    long at = t0 + settings.hostTimeout().toMillis();
    assertEquals(at, now());
    HaEvent.HostSilent silent = only(HaEvent.HostSilent.class);
    assertEquals("host2", silent.host());
    assertEquals(settings.hostTimeout(), silent.silentFor());
    assertEquals(at, ms(silent.at()));
    Ping ping = pings.poll();
    assertEquals(HOST2_MGMT, ping.target());
    assertEquals(settings.icmpPingTimeout(), ping.timeout());
    assertNull(pings.poll(), "one ping");
    return ping;
  }

  /**
   * One interval: the master ticks and asks for the datastore view, which gets one more round (host1 and, while
   * it beats there, host2 move their counters); then the hosts that still beat send their heartbeats.
   */
  private void tick() {
    manualTime.timePasses(settings.failureDetectionInterval());
    DatastoreHeartbeat.GetView ask = datastore.expectMessageClass(DatastoreHeartbeat.GetView.class);
    datastoreRound();
    ask.replyTo().tell(view);
    master.tell(new MasterCoordinator.SlaveBeat(
        new HostReport("host1", new PingTarget("127.0.0.1", 2), host1MemoryMb, 8, List.of(), host1Vms.ref(), false,
            List.of(), List.of())));
    if (host2NetBeating) {
      master.tell(new MasterCoordinator.SlaveBeat(
          new HostReport("host2", HOST2_MGMT, 4096, 4, host2Running, host2Vms.ref(), false, host2Stopped, List.of())));
    }
    if (host3NetBeating) {
      master.tell(new MasterCoordinator.SlaveBeat(
          new HostReport("host3", new PingTarget("127.0.0.1", 3), host3MemoryMb, 2, List.of(), host3Vms.ref(), false,
              List.of(), List.of())));
    }
    sync();
  }

  /** One round of the datastores: host1 and, while it beats there, host2 move their counters. */
  private void datastoreRound() {
    host1Counter++;
    if (host2DatastoreBeating) host2Counter++;
    Map<String, HostHeartbeat> hbs = new HashMap<>();
    hbs.put("host1", new HostHeartbeat("host1", host1Counter, Instant.EPOCH));
    if (host2Counter > 0) hbs.put("host2", new HostHeartbeat("host2", host2Counter, Instant.EPOCH));
    Map<String, PowerOnFile> powerOn = new HashMap<>();
    powerOn.put("host2", host2PowerOn != null ? host2PowerOn : new PowerOnFile("host2", false, host2Running));
    if (host2DatastoreBeating) host2Leases.replaceAll((vm, l) -> l.renewed(Instant.EPOCH));
    view = view.next(settings.failureDetectionInterval(),
        Map.of("ds1", new DatastoreScan("ds1", hbs, powerOn, ds1Corrupt, null, host2Leases)));
  }

  /** What the coordinator told the election FSM until a short quiet period. */
  private List<MasterNotice> drainElection() {
    List<MasterNotice> got = new ArrayList<>();
    while (true) {
      MasterNotice m;
      try {
        m = election.receiveMessage(Duration.ofMillis(200));
      } catch (AssertionError quiet) {
        return got;
      }
      got.add(m);
    }
  }

  private List<MasterNotice.AllHostsSilent> allHostsSilentTold() {
    return drainElection().stream().filter(MasterNotice.AllHostsSilent.class::isInstance)
        .map(MasterNotice.AllHostsSilent.class::cast).toList();
  }

  private void answerPings(boolean answered) {
    Ping p;
    while ((p = pings.poll()) != null) p.answer().complete(answered);
    sync();
  }

  /** The master's status, once it has handled every message sent before. */
  private ClusterStatus sync() {
    master.tell(new MasterCoordinator.GetStatus(status.ref()));
    return status.receiveMessage();
  }

  private static long ticks(Duration d) {
    return d.toMillis() / 1000;
  }

  private long now() {
    return scheduler.currentTimeMs();
  }

  private static long ms(Instant at) {
    return at.toEpochMilli();
  }

  /** The events since the set-up; restarters add theirs concurrently, so a snapshot. */
  private List<HaEvent> since() {
    List<HaEvent> all = List.copyOf(events);
    return all.subList(mark, all.size());
  }

  private <E extends HaEvent> List<E> ofType(Class<E> type) {
    return since().stream().filter(type::isInstance).map(type::cast).toList();
  }

  private <E extends HaEvent> E only(Class<E> type) {
    List<E> found = ofType(type);
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in " + since());
    return found.get(0);
  }

}
