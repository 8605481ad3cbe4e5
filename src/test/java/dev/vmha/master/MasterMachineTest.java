package dev.vmha.master;

import static dev.vmha.master.MasterScript.HOST2_MGMT;
import static dev.vmha.master.MasterScript.VM1;
import static dev.vmha.master.MasterScript.VM2;
import static dev.vmha.master.MasterScript.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.host.StoppedVm;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The master's side of the failure-detection timeline (seed 000 cases 1 and 2, seed 003) and its restart engine
 * (issue 5), as input scripts on {@link MasterMachine} (issue 21; they were real-time actor tests): a slave that stops
 * beating at T0 is investigated at T0+hostTimeout (not a second before), pinged with icmpPingTimeout, and judged from
 * the ping and its datastore heartbeat. The vSphere defaults: interval 1 s, hostTimeout 10 s, icmpPingTimeout 5 s,
 * deadIcmpPingInterval 10 s.
 */
class MasterMachineTest {
  private final MasterScript m = new MasterScript();

  private static VmProtection protection(RestartPriority p, ReadyCondition ready, String... dependsOn) {
    return new VmProtection(p, 0, ready, Duration.ofSeconds(60), List.of(dependsOn));
  }

  private static Set<String> vms(List<HaEvent.VmRestartPlanned> planned) {
    Set<String> names = new HashSet<>();
    planned.forEach(p -> names.add(p.vm()));
    return names;
  }

  /** T0+hostTimeout: HostSilent and a ping with icmpPingTimeout; nothing a second before. */
  private void silentAtHostTimeout(MasterScript s, long t0) {
    for (long i = 1; i < s.ticksIn(s.settings.hostTimeout()); i++) {
      s.tick();
      assertEquals(List.of(), s.events(HaEvent.HostSilent.class), "not silent yet at T0+" + i + " s");
      assertEquals(List.of(), s.pings, "no ping yet");
    }
    s.tick();
    long at = t0 + s.settings.hostTimeout().toMillis();
    assertEquals(at, s.now());
    HaEvent.HostSilent silent = s.only(HaEvent.HostSilent.class);
    assertEquals("host2", silent.host());
    assertEquals(s.settings.hostTimeout(), silent.silentFor());
    assertEquals(at, ms(silent.at()));
    assertEquals(1, s.pings.size(), "one ping");
    assertEquals(Optional.of(HOST2_MGMT), s.pings.get(0).effect().target());
    assertEquals(s.settings.icmpPingTimeout(), s.pings.get(0).effect().timeout());
  }

  /** T0+hostTimeout: host2 silent and pinged; the ping goes unanswered when icmpPingTimeout has passed. */
  private void pingTimesOut(MasterScript s, long t0) {
    silentAtHostTimeout(s, t0);
    s.ticks(s.settings.icmpPingTimeout());
    s.answerPings(false);
  }

  /** host2 crashes now (both its heartbeats stop) and is judged DEAD at T0 + hostTimeout + icmpPingTimeout. */
  private void host2Crashes(MasterScript s) {
    s.host2NetBeating = false;
    s.host2DatastoreBeating = false;
    s.mark();
    pingTimesOut(s, s.now());
    assertEquals(Verdict.DEAD, s.only(HaEvent.HostJudged.class).verdict());
  }

  /** vm1 and vm2 protected at host2, which then crashes. */
  private void host2Dies(MasterScript s, VmProtection p1, VmProtection p2) {
    s.protectOnHost2(p1, p2, true);
    host2Crashes(s);
  }

  /** Ticks, letting every ping go unanswered when icmpPingTimeout has passed, until host2 is judged. */
  private HaEvent.HostJudged tickUntilJudged(int maxTicks) {
    for (int i = 0; i < maxTicks; i++) {
      m.tick();
      m.expirePings();
      Optional<HaEvent.HostJudged> judged = m.events(HaEvent.HostJudged.class).stream()
          .filter(j -> j.host().equals("host2")).findFirst();
      if (judged.isPresent()) return judged.get();
    }
    throw new AssertionError("host2 not judged in " + maxTicks + " ticks: " + m.since());
  }

  // ---- seed 000 case 1: a crashed slave

  @Test
  void aDeadSlaveIsSilentAtHostTimeoutJudgedWhenThePingTimesOutAndItsVmsRestartOnALiveHost() {
    long t0 = m.host2FallsSilent(true);
    silentAtHostTimeout(m, t0);
    for (long i = 0; i < m.ticksIn(m.settings.icmpPingTimeout()); i++) m.tick();
    assertEquals(List.of(), m.events(HaEvent.HostJudged.class), "no verdict while the ping is out");
    long judgedAt = t0 + m.settings.hostTimeout().plus(m.settings.icmpPingTimeout()).toMillis();
    assertEquals(judgedAt, m.now());
    m.answerPings(false);
    // T + P = T + T/2: when the ping times out the datastore heartbeat is already still past the fence bound
    HaEvent.HostJudged judged = m.only(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, judged.verdict());
    assertEquals(judgedAt, ms(judged.at()));
    assertEquals(Duration.ofMillis(judgedAt - t0), judged.evidence().heartbeatSilence());
    assertEquals(Map.of("ds1", Duration.ofMillis(judgedAt - t0)), judged.evidence().datastoreHeartbeatAge());
    List<HaEvent.VmRestartPlanned> planned = m.events(HaEvent.VmRestartPlanned.class);
    assertEquals(Set.of("vm1", "vm2"), vms(planned));
    for (HaEvent.VmRestartPlanned p : planned) {
      assertEquals("host2", p.failedHost());
      assertEquals("host1", p.target());
      assertEquals(judgedAt, ms(p.at()));
    }
    // one start per protected VM, persisted first, at the live host first
    for (MasterEffect.PersistThenStart st : m.effects(MasterEffect.PersistThenStart.class)) {
      assertEquals("host1", st.hosts().get(0));
      assertInstanceOf(HaEvent.VmRestartPlanned.class, st.decision().orElseThrow());
      assertFalse(st.hosts().contains("host2"));
    }
    m.answerStart(true);
    m.answerStart(true);
    for (ClusterStatus.VmStatus vm : m.status().vms()) assertEquals("host1", vm.host(), vm.toString());
    assertEquals("host1", m.stored.orElseThrow().vms().get("vm1").host(), "the list follows them");
  }

  /**
   * Its agent stopped cleanly (systemctl stop) and left its VMs running with the watchdog disarmed; then the host is
   * cut off. It is judged DEAD, but nothing stops those VMs, so an expired lease proves nothing: they wait (found by
   * the 300-step lab campaign, where they were started beside the running ones; lab scenario clean-stop-then-cut).
   */
  @Test
  void theVmsOfADeadHostWhoseAgentStoppedCleanlyWaitPastTheirLeaseExpiry() {
    long t0 = host2LeasesHeldAndFallsSilent(WatchdogFlag.AGENT_STOPPED);
    silentAtHostTimeout(m, t0);
    long expiresAt = t0 + m.settings.leaseTiming().expiry().toMillis();
    while (m.now() < expiresAt + 5000) {
      m.tick();
      m.answerPings(false);
    }
    HaEvent.HostJudged judged = m.only(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, judged.verdict());
    assertTrue(judged.reason().contains("stopped cleanly"), judged.reason());
    assertTrue(m.starts.isEmpty(), "nothing started past the lease expiry");
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class));
  }

  /**
   * A ping that fails at once (a refused TCP probe) does not hurry the verdict: DEAD is settled only when the
   * heartbeat has been still on every readable datastore for T + T/2 (docs/FAILURE-DETECTION.md rows 6 and 7).
   */
  @Test
  void aDeadSlaveWhosePingFailsAtOnceIsDeclaredDeadOnlyOnceItsDatastoreHeartbeatIsStillPastTheFenceBound() {
    long t0 = m.host2FallsSilent(true);
    silentAtHostTimeout(m, t0);
    m.answerPings(false);
    Duration fence = m.settings.hostTimeout().plus(m.settings.hostTimeout().dividedBy(2));
    long deadAt = t0 + fence.toMillis();
    while (m.now() < deadAt - 1000) {
      m.tick();
      assertEquals(1, m.pings.size(), "pinged again every interval while not settled");
      m.answerPings(false);
      assertEquals(List.of(), m.events(HaEvent.HostJudged.class), "not settled at T0+" + (m.now() - t0) + " ms");
    }
    m.tick();
    m.answerPings(false);
    HaEvent.HostJudged judged = m.only(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, judged.verdict());
    assertEquals(deadAt, ms(judged.at()));
    assertEquals(Map.of("ds1", fence), judged.evidence().datastoreHeartbeatAge());
    assertEquals(Set.of("vm1", "vm2"), vms(m.events(HaEvent.VmRestartPlanned.class)));
    assertEquals(1, m.events(HaEvent.HostSilent.class).size());
  }

  /**
   * A power loss as a real network shows it: the last datastore write reaches the master one round after the last
   * network beat. DEAD comes within one interval of max(T + P, T + T/2 + one round), not after another ping round.
   */
  @Test
  void aSlavePowerLossIsDeclaredDeadWithinOneIntervalOfItsRuleNotAfterAnotherPingRound() {
    long t0 = m.host2FallsSilent(false);
    m.tick();
    m.host2DatastoreBeating = false;
    long lastWriteSeen = m.now();
    Duration fence = m.settings.hostTimeout().plus(m.settings.hostTimeout().dividedBy(2));
    long rule = Math.max(t0 + m.settings.hostTimeout().plus(m.settings.icmpPingTimeout()).toMillis(),
        lastWriteSeen + fence.toMillis());
    HaEvent.HostJudged judged = tickUntilJudged(40);
    assertEquals(Verdict.DEAD, judged.verdict(), judged.reason());
    assertTrue(ms(judged.at()) >= rule, "never before the rule: " + judged.evidence());
    assertTrue(ms(judged.at()) <= rule + m.settings.failureDetectionInterval().toMillis(),
        "DEAD at T0+" + (ms(judged.at()) - t0) + " ms; the rule held at T0+" + (rule - t0) + " ms");
    assertTrue(ms(judged.at()) - t0 <= m.settings.detectionTiming().slavePowerLoss().toMillis(), "the stated budget");
  }

  /**
   * host2's heartbeats (network and datastore) stop, and the master's, for T + W: this host's datastore rounds as a
   * slave saw them stop. Returns how long this host has heard no master.
   */
  private Duration host2FallsSilentBeforeTheTakeover() {
    for (int r = 0; r < 3; r++) m.datastoreRound();
    m.host2DatastoreBeating = false;
    m.host2NetBeating = false;
    Duration lostFor = m.settings.hostTimeout().plus(m.settings.electionWindow());
    for (long r = 0; r < m.ticksIn(lostFor); r++) m.datastoreRound();
    return lostFor;
  }

  /**
   * The master and host2 lose power together; host1 takes over T + W later. host2 never beat to host1, but host1's
   * datastore rounds as a slave saw its heartbeat still since: host2 is DEAD as soon as the ping goes unanswered.
   */
  @Test
  void aNewMasterJudgesAHostFromItsDatastoreHeartbeatAgeNotFromItsTakeover() {
    Duration lostFor = host2FallsSilentBeforeTheTakeover();
    m.stored = Optional.of(ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4")
        .with(VM2, "host2", VmProtection.defaults(), "host4"));
    m.start(Map.of("host4", lostFor));
    long takeover = m.now();
    HaEvent.HostJudged judged = tickUntilJudged(60);
    assertEquals(Verdict.DEAD, judged.verdict(), judged.reason());
    long budget = takeover + m.settings.failureDetectionInterval().plus(m.settings.icmpPingTimeout()).toMillis();
    assertTrue(ms(judged.at()) <= budget, "DEAD " + (ms(judged.at()) - takeover) + " ms after the takeover");
    assertEquals(Set.of("vm1", "vm2"), vms(m.events(HaEvent.VmRestartPlanned.class)));
  }

  // ---- the agent is gone but the host runs

  /**
   * Campaign run 2, step 157: host2 left before host1 took over, so host1 never saw its management address as a
   * member's; it pings the address host2's datastore heartbeat names instead of judging an unanswerable ping.
   */
  @Test
  void aNewMasterPingsAHostItNeverSawAsAMemberAtTheAddressItsDatastoreHeartbeatNames() {
    m.host2ClusterAddress = "127.0.0.2:25520";
    Duration lostFor = host2FallsSilentBeforeTheTakeover();
    m.stored = Optional.of(ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4"));
    m.start(Map.of("host4", lostFor));
    for (int i = 0; i < 60 && m.pings.isEmpty(); i++) m.tick();
    assertEquals(List.of(Optional.of(new PingTarget("127.0.0.2", 25520))), m.pings.stream()
        .filter(p -> p.effect().host().equals("host2")).map(p -> p.effect().target()).toList());
    m.answerPings(true);
    assertEquals(List.of(Verdict.AGENT_UNREACHABLE), m.events(HaEvent.HostJudged.class).stream()
        .filter(j -> j.host().equals("host2")).map(HaEvent.HostJudged::verdict).toList());
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class));
  }

  /** Found on `./vmha demo --keep`: host1 died, then the master; the new master did not know host1 at all. */
  @Test
  void aNewMasterKnowsAndJudgesAHostThatDiedBeforeItTookOverAndOwnsNoVm() {
    Duration lostFor = host2FallsSilentBeforeTheTakeover();
    m.stored = Optional.of(ProtectedList.empty("host4"));
    m.start(Map.of("host4", lostFor));
    for (int i = 0; i < 60 && m.events(HaEvent.HostJudged.class).isEmpty(); i++) {
      m.tick();
      m.answerPings(false);
    }
    assertEquals(List.of(Verdict.DEAD), m.events(HaEvent.HostJudged.class).stream()
        .filter(j -> j.host().equals("host2")).map(HaEvent.HostJudged::verdict).toList());
    assertTrue(m.status().hosts().stream().anyMatch(h -> h.id().equals("host2") && h.verdict() == Verdict.DEAD));
  }

  @Test
  void aSlaveWhosePingAnswersIsAgentUnreachableIsPingedAgainEveryDeadIcmpPingIntervalAndNothingRestarts() {
    long t0 = m.host2FallsSilent(true);
    silentAtHostTimeout(m, t0);
    m.answerPings(true);
    HaEvent.HostJudged judged = m.only(HaEvent.HostJudged.class);
    assertEquals(Verdict.AGENT_UNREACHABLE, judged.verdict());
    long judgedAt = t0 + m.settings.hostTimeout().toMillis();
    assertEquals(judgedAt, ms(judged.at()));
    for (long i = 1; i < m.ticksIn(m.settings.deadIcmpPingInterval()); i++) {
      m.tick();
      assertEquals(List.of(), m.pings, "no ping before deadIcmpPingInterval, at +" + i + " s");
    }
    m.tick();
    assertEquals(judgedAt + m.settings.deadIcmpPingInterval().toMillis(), m.now());
    assertEquals(1, m.pings.size());
    m.answerPings(true);
    for (int i = 0; i < 3; i++) m.tick();
    assertEquals(1, m.events(HaEvent.HostSilent.class).size(), "silent once: later pings are re-checks");
    assertEquals(1, m.events(HaEvent.HostJudged.class).size(), "the verdict did not change");
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class));
  }

  /** Issue 19 item 5: host2's agent is gone, its kernel answers ping, its watchdog was armed: restart at expiry. */
  @Test
  void theVmsOfAnAgentUnreachableHostWhoseWatchdogIsArmedRestartOnceTheirLeasesExpire() {
    long t0 = host2LeasesHeldAndFallsSilent(WatchdogFlag.ARMED);
    silentAtHostTimeout(m, t0);
    m.answerPings(true);
    assertEquals(Verdict.AGENT_UNREACHABLE, m.only(HaEvent.HostJudged.class).verdict());
    long expiresAt = t0 + m.settings.leaseTiming().expiry().toMillis();
    while (m.starts.size() < 2) {
      assertTrue(m.now() < expiresAt + 3000, "restarted within a few rounds of the expiry");
      m.tick();
      m.answerPings(true);
    }
    for (MasterEffect.PersistThenStart st : m.starts) {
      assertTrue(m.now() >= expiresAt, st.vm().name() + " started before its lease expired");
      assertEquals(Optional.of(m.host2Leases.get(st.vm().name())), st.grant());
    }
    assertTrue(m.events(HaEvent.VmRestartPlanned.class).get(0).reason().contains("watchdog armed"));
  }

  // ---- seed 000 case 5: the slave runs on in another partition

  @Test
  void aSilentUnpingableSlaveWhoseDatastoreHeartbeatMovesIsPartitionedAndNothingRestarts() {
    long t0 = m.host2FallsSilent(false);
    pingTimesOut(m, t0);
    HaEvent.HostJudged judged = m.only(HaEvent.HostJudged.class);
    assertEquals(Verdict.PARTITIONED, judged.verdict());
    assertEquals(t0 + m.settings.hostTimeout().plus(m.settings.icmpPingTimeout()).toMillis(), ms(judged.at()));
    for (int i = 0; i < 10; i++) {
      m.tick();
      m.answerPings(false);
    }
    assertEquals(1, m.events(HaEvent.HostJudged.class).size());
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class));
    // the status says what is known (issue 18 item 8): running at host2 as last reported, unknown since its last beat
    for (ClusterStatus.VmStatus vm : m.status().vms()) {
      VmState.LastReported st = assertInstanceOf(VmState.LastReported.class, vm.state(), vm.toString());
      assertEquals("host2", st.host());
      assertEquals(Verdict.PARTITIONED, st.verdict());
      assertEquals(t0, st.unknownSince().toEpochMilli(), vm.toString());
    }
  }

  /** A partitioned host that then dies: DEAD once its heartbeat has been still on every datastore for T + T/2. */
  @Test
  void aPartitionedSlaveWhoseDatastoreHeartbeatThenStopsIsDeclaredDeadOnceItIsStillPastTheFenceBound() {
    long t0 = m.host2FallsSilent(false);
    pingTimesOut(m, t0);
    assertEquals(Verdict.PARTITIONED, m.only(HaEvent.HostJudged.class).verdict());
    m.host2DatastoreBeating = false;
    long stopped = m.now();
    Duration fence = m.settings.hostTimeout().plus(m.settings.hostTimeout().dividedBy(2));
    while (m.now() < stopped + fence.toMillis() + 5_000) {
      m.tick();
      m.answerPings(false);
    }
    List<HaEvent.HostJudged> judged = m.events(HaEvent.HostJudged.class);
    assertEquals(Verdict.DEAD, judged.get(judged.size() - 1).verdict(), judged.toString());
    assertEquals(Set.of("vm1", "vm2"), vms(m.events(HaEvent.VmRestartPlanned.class)));
  }

  // ---- seed 000 case 2, seed 003: the isolated slave flags itself at T0+30 s

  @Test
  void theVmsAnIsolatedSlaveStoppedRestartWhenItsPowerOnFileSaysIsolated() {
    long t0 = m.host2FallsSilent(false);
    pingTimesOut(m, t0);
    assertEquals(Verdict.PARTITIONED, m.only(HaEvent.HostJudged.class).verdict(), "not flagged yet");
    while (m.now() < t0 + 29_000) {
      m.tick();
      m.answerPings(false);
    }
    m.host2Running = List.of();
    m.host2PowerOn = Optional.of(new PowerOnFile("host2", true, List.of(VM1, VM2)));
    m.tick(); // T0+30: the round shows the flag
    long flagged = m.now();
    m.answerPings(false);
    List<HaEvent.VmRestartPlanned> planned = m.events(HaEvent.VmRestartPlanned.class);
    assertEquals(List.of("vm1", "vm2"), planned.stream().map(HaEvent.VmRestartPlanned::vm).sorted().toList());
    for (HaEvent.VmRestartPlanned p : planned) {
      assertEquals("host1", p.target());
      assertTrue(ms(p.at()) - flagged <= m.settings.failureDetectionInterval().toMillis(), p.toString());
    }
    assertTrue(m.events(HaEvent.HostJudged.class).stream().anyMatch(j -> j.verdict() == Verdict.ISOLATED));
    m.answerStart(true);
    m.answerStart(true);
    for (int i = 0; i < 5; i++) {
      m.tick();
      m.answerPings(false);
    }
    assertEquals(2, m.events(HaEvent.VmRestartPlanned.class).size(), "later rounds still show the flag: once");
    assertEquals(List.of(), List.copyOf(m.starts));
  }

  // ---- seed 003, isolated master

  @Test
  void whenEveryOtherHostIsSilentTheElectionFsmIsToldOnceAtHostTimeout() {
    long t0 = m.host2FallsSilent(true);
    m.host3NetBeating = false;
    for (long i = 1; i < m.ticksIn(m.settings.hostTimeout()); i++) m.tick();
    assertEquals(List.of(), allHostsSilentTold(), "not before T0+hostTimeout");
    m.tick();
    assertEquals(t0 + m.settings.hostTimeout().toMillis(), m.now());
    assertEquals(List.of(new MasterNotice.AllHostsSilent(2)), allHostsSilentTold());
    m.answerPings(false);
    for (int i = 0; i < 3; i++) m.tick();
    assertEquals(1, allHostsSilentTold().size(), "told once");
  }

  @Test
  void whileAnyOtherHostBeatsTheElectionFsmIsNotTold() {
    long t0 = m.host2FallsSilent(true);
    silentAtHostTimeout(m, t0);
    for (int i = 0; i < 3; i++) m.tick();
    assertEquals(List.of(), allHostsSilentTold());
  }

  private List<MasterNotice> allHostsSilentTold() {
    return m.effects(MasterEffect.ToElection.class).stream().map(MasterEffect.ToElection::notice)
        .filter(MasterNotice.AllHostsSilent.class::isInstance).toList();
  }

  /** The master hands every new protected list to its election FSM, which replicates it in its heartbeats. */
  @Test
  void everyProtectedListChangeGoesToTheElectionFsm() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    List<ProtectedList> changes = m.effects.stream().filter(MasterEffect.ToElection.class::isInstance)
        .map(e -> ((MasterEffect.ToElection) e).notice()).filter(MasterNotice.ProtectedListChanged.class::isInstance)
        .map(n -> ((MasterNotice.ProtectedListChanged) n).list()).toList();
    ProtectedList last = changes.get(changes.size() - 1);
    assertEquals("host1", last.owner());
    assertEquals(Set.of("vm1", "vm2"), last.vms().keySet());
    assertEquals("host2", last.vms().get("vm1").host());
    assertEquals(m.stored, Optional.of(last), "and to ds1");
  }

  // ---- corrupt protected lists (issue 20 finding 8)

  @Test
  void aCorruptProtectedListIsRewrittenFromTheMastersListAndShownInStatus() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    ProtectedList before = m.stored.orElseThrow();
    m.mark();
    m.ds1Corrupt = Map.of(DirectoryDatastore.PROTECTED_LIST, "truncated (no checksum line)");
    m.tick();
    assertEquals(List.of(new MasterEffect.WriteList(before, List.of("ds1"))), m.effects(MasterEffect.WriteList.class));
    assertEquals(Map.of(DirectoryDatastore.PROTECTED_LIST, "truncated (no checksum line)"),
        m.status().datastores().get(0).corrupt());
  }

  @Test
  void aNewMasterFindingEveryDatastoresListUnreadableTakesTheReplica() {
    ProtectedList replica = ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4");
    MasterScript s = new MasterScript("", Optional.of(replica));
    MasterMachine.Step first = MasterMachine.start(s.config, Map.of());
    s.state = first.state();
    s.in(new MasterInput.ListRead(Optional.empty(), List.of("ds1: corrupt")));
    assertEquals(List.of("vm1"), s.status().vms().stream().map(ClusterStatus.VmStatus::name).toList());
  }

  @Test
  void withoutAReplicaAnUnreadableListIsReadAgainNextRoundAndNothingIsDecidedMeanwhile() {
    MasterMachine.Step first = MasterMachine.start(m.config, Map.of());
    m.state = first.state();
    m.in(new MasterInput.ListRead(Optional.empty(), List.of("ds1: corrupt")));
    assertFalse(m.state.loaded());
    m.mark();
    m.tick();
    assertFalse(m.effects(MasterEffect.ReadList.class).isEmpty(), "read again");
    assertTrue(m.state.loaded());
  }

  // ---- the restart engine (issue 5)

  /** A VM restarted elsewhere is missing there only from its restart on: the new host has hostTimeout to report it. */
  @Test
  void aVmRestartedElsewhereIsNotTakenForMissingAtItsNewHostSinceItWentMissingAtTheOldOne() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), false);
    host2Crashes(m);
    m.answerStart(true);
    m.answerStart(true);
    for (long i = 1; i < m.ticksIn(m.settings.hostTimeout()); i++) m.tick();
    assertEquals(2, m.events(HaEvent.VmRestartPlanned.class).size(), "restarted once: " + m.since());
    assertTrue(m.starts.isEmpty());
  }

  /** Issue 20 finding 4: a VM whose dependency is not protected would wait for it forever; it is refused. */
  @Test
  void aPowerOnThatDependsOnAVmThatIsNotProtectedIsRefusedNamingDependsOnAndChangesNothing() {
    m.started();
    m.mark();
    RequestId id = m.powerOn(VM1, "host2", protection(RestartPriority.HIGH, ReadyCondition.RESOURCES_ALLOCATED,
        "ghost"));
    MasterEffect.Reply r = m.reply(id);
    assertEquals(Optional.of("dependsOn"), r.invalidField(), r.message());
    assertTrue(r.message().contains("ghost") && r.message().contains("not a protected VM"), r.message());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class), "nothing changed");
    assertTrue(m.starts.isEmpty());
    m.powerOnAtHost2(VM2, VmProtection.defaults());
    m.powerOnAtHost2(VM1, protection(RestartPriority.HIGH, ReadyCondition.RESOURCES_ALLOCATED, "vm2"));
  }

  @Test
  void aLaterPriorityGroupStartsOnlyOnceTheEarlierGroupIsPoweredOn() {
    host2Dies(m, protection(RestartPriority.LOW, ReadyCondition.POWERED_ON),
        protection(RestartPriority.HIGHEST, ReadyCondition.POWERED_ON));
    assertEquals(List.of("vm2"), m.events(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).toList(), "the highest priority first");
    HaEvent.VmRestartWaiting waits = m.only(HaEvent.VmRestartWaiting.class);
    assertEquals("vm1", waits.vm());
    assertEquals(WaitReason.EARLIER_GROUP, waits.kind());
    m.tick();
    assertEquals(1, m.events(HaEvent.VmRestartPlanned.class).size(), "still waiting for vm2's power-on");
    assertEquals("vm2", m.answerStart(true).vm().name());
    assertEquals(List.of("vm2", "vm1"), m.events(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).toList());
    assertEquals("vm1", m.answerStart(true).vm().name());
  }

  @Test
  void aVmWaitsForItsDependency() {
    host2Dies(m, protection(RestartPriority.HIGHEST, ReadyCondition.POWERED_ON, "vm2"),
        protection(RestartPriority.HIGHEST, ReadyCondition.POWERED_ON));
    assertEquals(List.of("vm2"), m.events(HaEvent.VmRestartPlanned.class).stream()
        .map(HaEvent.VmRestartPlanned::vm).toList(), "vm1 waits for vm2");
    HaEvent.VmRestartWaiting w = m.only(HaEvent.VmRestartWaiting.class);
    assertEquals("vm1", w.vm());
    assertEquals(WaitReason.DEPENDENCY, w.kind());
    m.answerStart(true);
    assertEquals(2, m.events(HaEvent.VmRestartPlanned.class).size());
  }

  @Test
  void aFailedStartIsRetriedWithDoublingBackOffAndGivenUpAfterMaxVmRestartCount() {
    MasterScript s = new MasterScript("das.maxvmrestartcount = 3, vmha.restart.retry-base-delay = 4s");
    host2Dies(s, VmProtection.defaults(), protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    assertEquals("vm2", s.only(HaEvent.VmNotRestarted.class).vm(), "restart priority disabled: not restarted");
    for (int attempt = 1; attempt <= 3; attempt++) {
      MasterEffect.PersistThenStart st = s.answerStart(false);
      assertEquals("vm1", st.vm().name());
      assertEquals(List.of("host1", "host3"), st.hosts(), "host1 first (most free memory), then host3");
      assertEquals(attempt, st.attempt());
      if (attempt == 3) break;
      HaEvent.VmRestartRetryScheduled r = s.events(HaEvent.VmRestartRetryScheduled.class).get(attempt - 1);
      assertEquals(Duration.ofSeconds(4L << (attempt - 1)), r.delay(), "4 s, then 8 s");
      assertEquals(Optional.of(Instant.ofEpochMilli(s.now()).plus(r.delay())),
          s.stored.orElseThrow().vms().get("vm1").recovery().retryAt(), "written before it waits");
      for (long t = 1; t < s.ticksIn(r.delay()); t++) s.tick();
      assertTrue(s.starts.isEmpty(), "not before its delay");
      s.tick();
    }
    HaEvent.VmNotRestarted gaveUp = s.events(HaEvent.VmNotRestarted.class).get(1);
    assertEquals("vm1", gaveUp.vm());
    assertTrue(gaveUp.reason().contains("all 3 attempts failed"), gaveUp.reason());
    assertTrue(s.stored.orElseThrow().vms().get("vm1").recovery().gaveUp());
    for (int t = 0; t < 20; t++) s.tick();
    assertTrue(s.starts.isEmpty());
  }

  @Test
  void aVmWithNoRoomWaitsAndIsPlacedAsSoonAsCapacityAppears() {
    m.protectOnHost2(VmProtection.defaults(), protection(RestartPriority.DISABLED,
        ReadyCondition.RESOURCES_ALLOCATED), true);
    m.host1MemoryMb = 512;
    m.host3MemoryMb = 512;
    host2Crashes(m);
    HaEvent.VmAwaitingCapacity waits = m.only(HaEvent.VmAwaitingCapacity.class);
    assertEquals("vm1", waits.vm());
    assertTrue(waits.reason().contains("needs 1024 MB"), waits.reason());
    // no failover plan held for host2 before it failed: vm1 waits as best-effort, and says why
    assertTrue(waits.reason().contains("a failure beyond the failover plan: the cluster is overcommitted"),
        waits.reason());
    assertTrue(waits.reason().contains("handled as best-effort, started when room appears"), waits.reason());
    assertEquals(List.of("vm1:beyond-plan"), m.status().vms().stream().filter(v -> v.state() instanceof VmState.Waiting)
        .map(v -> v.name() + ":" + ((VmState.Waiting) v.state()).waitingFor().map(WaitReason::code).orElse("")).toList());
    for (int t = 0; t < 3; t++) m.tick();
    assertTrue(m.starts.isEmpty());
    assertEquals(1, m.events(HaEvent.VmAwaitingCapacity.class).size(), "recorded once, not every round");
    m.host3MemoryMb = 4096;
    m.tick(); // its report shows the room
    m.tick(); // the next round places vm1
    assertEquals(List.of("host3"), m.starts.peek().hosts());
  }

  @Test
  void aBestEffortVmGetsExactlyOneAttempt() {
    MasterScript s = new MasterScript("vmha.restart.retry-base-delay = 1s");
    host2Dies(s, protection(RestartPriority.BEST_EFFORT, ReadyCondition.RESOURCES_ALLOCATED),
        protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    s.answerStart(false);
    assertTrue(s.events(HaEvent.VmNotRestarted.class).stream()
        .anyMatch(n -> n.vm().equals("vm1") && n.reason().contains("exactly one attempt")), s.since().toString());
    for (int t = 0; t < 5; t++) s.tick();
    assertTrue(s.starts.isEmpty());
    assertEquals(List.of(), s.events(HaEvent.VmRestartRetryScheduled.class));
  }

  /** The dead host's lease on vm1 stood still since T0: vm1 waits until it expired, then starts with it as grant. */
  @Test
  void aVmWhoseLeaseHasNotExpiredWaitsAndThenStartsWithTheExpiredLeaseAsGrant() {
    m.protectOnHost2(VmProtection.defaults(), protection(RestartPriority.DISABLED,
        ReadyCondition.RESOURCES_ALLOCATED), true);
    m.host2Leases.put("vm1", VmLease.first("vm1", "host2", Instant.EPOCH));
    m.tick();
    host2Crashes(m);
    HaEvent.VmRestartWaiting w = m.only(HaEvent.VmRestartWaiting.class);
    assertEquals(WaitReason.LEASE, w.kind());
    assertTrue(w.reason().contains("held by host2"), w.reason());
    assertTrue(m.starts.isEmpty());
    m.tick();
    m.tick();
    assertEquals(Optional.of(m.host2Leases.get("vm1")), m.starts.peek().grant(), "replaces exactly the expired write");
  }

  @Test
  void aVmStoppedInsideItsGuestIsRestartedAndOneAnOperatorPoweredOffIsNot() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    m.host2Running = List.of(VM2);
    m.host2Stopped = List.of(new StoppedVm(VM1, "it stopped from inside its guest (shutdown or crash)"));
    m.tick();
    HaEvent.VmRestartPlanned p = m.only(HaEvent.VmRestartPlanned.class);
    assertEquals("vm1", p.vm());
    assertEquals("host2", p.failedHost());
    assertTrue(p.reason().contains("from inside its guest"), p.reason());
    m.answerStart(true);

    RequestId off = m.powerOff("vm2");
    MasterEffect.PowerOff stop = m.powerOffs.poll();
    assertEquals(new MasterEffect.PowerOff(off, "vm2", "host2"), stop);
    assertEquals(List.of(), m.events(HaEvent.VmPoweredOff.class), "reported only once the host confirms it");
    m.in(new MasterInput.PoweredOff(off, "vm2", "host2", Optional.empty()));
    assertTrue(m.reply(off).ok());
    m.host2Running = List.of();
    for (int t = 0; t < 5; t++) m.tick();
    assertEquals(1, m.events(HaEvent.VmRestartPlanned.class).size(), "vm2 is not restarted");
    assertEquals("vm2", m.only(HaEvent.VmPoweredOff.class).vm());
    assertEquals(List.of("vm1"), m.status().vms().stream().map(ClusterStatus.VmStatus::name).toList());
  }

  /**
   * Issue 20 finding 3: a client's retried power-on of vm1 reaches the master before host2 reports vm1: it is refused
   * as already protected, and vm1 stays protected, so it is restarted when host2's lease keeper fences it.
   */
  @Test
  void aVmAnswered200StaysProtectedThroughAFailedRetryOfItsPowerOnAndIsRestartedWhenItsHostFencesIt() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), false);
    m.mark();
    RequestId again = m.powerOn(VM1, "host1", VmProtection.defaults());
    assertFalse(m.reply(again).ok());
    assertTrue(m.reply(again).message().contains("already"), m.reply(again).message());
    assertTrue(m.starts.isEmpty());
    assertEquals("host2", m.status().vms().get(0).host());
    m.host2Running = List.of(VM2);
    m.host2Stopped = List.of(new StoppedVm(VM1, "fenced by its lease: its lease on ds1 was not renewed for 10000 ms"));
    m.tick();
    HaEvent.VmRestartPlanned p = m.only(HaEvent.VmRestartPlanned.class);
    assertEquals("vm1", p.vm());
    assertEquals("vm1", m.answerStart(true).vm().name());
  }

  /**
   * Issue 20 finding 2: power-on is idempotent per name. Power-ons of vm1 arriving while the first is being stored and
   * started, and after it started but before host2 reports it, are refused as already protected and change nothing:
   * one start, and vm1 stays protected (it once was unprotected by such a refusal). The cluster side, through a
   * slave's HTTP API with concurrent requests, is OperatorClusterTest's first flow.
   */
  @Test
  void aSecondPowerOnOfANameBeingStartedIsRefusedAsAlreadyProtectedAndStartsItOnce() {
    m.started();
    m.answerListWrites = false;
    RequestId first = m.powerOn(VM1, "host2", VmProtection.defaults());
    RequestId whileStored = m.powerOn(VM1, "host1", VmProtection.defaults());
    m.completeWrites();
    m.answerListWrites = true;
    RequestId whileStarting = m.powerOn(VM1, null, VmProtection.defaults());
    m.answerStart(true);
    RequestId beforeReported = m.powerOn(VM1, null, VmProtection.defaults());
    for (RequestId again : List.of(whileStored, whileStarting, beforeReported)) {
      MasterEffect.Reply r = m.reply(again);
      assertTrue(!r.ok() && r.alreadyProtected(), r.toString());
    }
    assertTrue(m.reply(first).ok(), m.reply(first).message());
    assertTrue(m.starts.isEmpty(), "one start: " + m.starts);
    m.host2Running = List.of(VM1);
    for (int t = 0; t < 5; t++) m.tick();
    assertEquals(List.of("vm1"), m.status().vms().stream().map(ClusterStatus.VmStatus::name).toList());
    assertEquals("host2", m.stored.orElseThrow().vms().get("vm1").host());
  }

  // ---- effects awaited (issue 21): what must follow an effect waits for its completion

  /** The list that protects a VM is stored before the VM starts: a new master must know of it. */
  @Test
  void anOperatorsPowerOnStartsOnlyOnceTheListThatProtectsItIsStored() {
    m.started();
    m.answerListWrites = false;
    RequestId id = m.powerOn(VM1, "host2", VmProtection.defaults());
    assertEquals(1, m.heldWrites.size());
    assertTrue(m.heldWrites.peek().list().vms().containsKey("vm1"));
    assertTrue(m.starts.isEmpty(), "no start before the list is stored");
    m.completeWrites();
    assertEquals("vm1", m.answerStart(true).vm().name());
    assertTrue(m.reply(id).ok());
  }

  /** A later version written to no datastore (the lock was lost meanwhile) does not stand for the earlier one. */
  @Test
  void aLaterListWrittenToNoDatastoreDoesNotReleaseAStart() {
    m.started();
    m.answerListWrites = false;
    m.powerOn(VM1, "host2", VmProtection.defaults());
    long version = m.heldWrites.peek().list().version();
    m.in(new MasterInput.ListWritten(version + 1, 0, List.of()));
    assertTrue(m.starts.isEmpty());
    m.completeWrites();
    assertEquals("vm1", m.starts.peek().vm().name());
  }

  @Test
  void aPowerOnWhoseListIsStoredNowhereIsRefusedAndUndone() {
    m.started();
    m.listWritesSucceed = false;
    RequestId id = m.powerOn(VM1, "host2", VmProtection.defaults());
    assertTrue(m.starts.isEmpty(), "never started");
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().contains("could not be recorded as protected"), m.reply(id).message());
    assertEquals(List.of(), m.status().vms(), "not protected");
    assertTrue(m.state.inFlight().isEmpty());
  }

  /** A VM an operator powers off is unprotected in the stored list before it is stopped. */
  @Test
  void anOperatorsPowerOffStopsTheVmOnlyOnceItsUnprotectionIsStored() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.answerListWrites = false;
    RequestId id = m.powerOff("vm2");
    assertTrue(m.powerOffs.isEmpty(), "not stopped before the list is stored");
    m.completeWrites();
    assertEquals("vm2", m.powerOffs.poll().vm());
    m.in(new MasterInput.PoweredOff(id, "vm2", "host2", Optional.of("hypervisor refused")));
    assertFalse(m.reply(id).ok());
    assertEquals(List.of(), m.events(HaEvent.VmPoweredOff.class), "not reported stopped: it was not");
  }

  /**
   * A power-off right after a power-on, before its host's next report shows the VM: it is stopped where the list
   * places it, not answered "was not running" and left running unprotected (OperatorClusterTest on a loaded machine).
   */
  @Test
  void aPowerOffBeforeTheHostReportsTheVmStopsItWhereTheListPlacesIt() {
    m.started();
    m.powerOnAtHost2(VM1, VmProtection.defaults());
    RequestId id = m.powerOff("vm1");
    MasterEffect.PowerOff off = m.powerOffs.poll();
    assertTrue(off != null && off.vm().equals("vm1") && off.host().equals("host2"), "stopped at host2: " + off);
    m.in(new MasterInput.PoweredOff(id, "vm1", "host2", Optional.empty()));
    assertTrue(m.reply(id).ok() && m.reply(id).message().equals("vm1 powered off at host2; it is no longer protected"),
        m.reply(id).message());
  }

  @Test
  void aPowerOffWhoseUnprotectionIsStoredNowhereLeavesTheVmProtectedAndRunning() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.listWritesSucceed = false;
    RequestId id = m.powerOff("vm2");
    assertTrue(m.powerOffs.isEmpty());
    assertFalse(m.reply(id).ok(), m.reply(id).message());
    assertEquals(List.of("vm1", "vm2"), m.status().vms().stream().map(ClusterStatus.VmStatus::name).toList());
  }

  /** The list lock counts only once written: a master whose lock write fails owns nothing and restarts nothing. */
  @Test
  void aMasterWhoseLockWriteFailsDoesNotTrustTheListAndRestartsNothing() {
    m.lockWritesSucceed = false;
    m.started();
    assertEquals(Set.of(), m.state.held());
    assertEquals(List.of(), m.events(HaEvent.ProtectedListOwnership.class));
    RequestId id = m.powerOn(VM1, "host2", VmProtection.defaults());
    assertTrue(m.reply(id).message().contains("does not own the protected list"), m.reply(id).message());
    m.lockWritesSucceed = true;
    m.tick();
    assertEquals(Set.of("ds1"), m.state.held());
    assertTrue(m.only(HaEvent.ProtectedListOwnership.class).owned());
  }

  @Test
  void aHeldLockWhoseRenewalFailsIsLetGo() {
    m.started();
    assertEquals(Set.of("ds1"), m.state.held());
    m.lockWritesSucceed = false;
    m.mark();
    m.tick();
    assertEquals(Set.of(), m.state.held());
    assertFalse(m.only(HaEvent.ProtectedListOwnership.class).owned());
  }

  /**
   * Found by seed 4170: a master that takes a lock again reads the list, and the copy it reads may be older than its
   * own (its newer write sits on a datastore it cannot read now). It keeps its own: with the older one its next
   * versions would be outranked by that newer copy, and an operator's power-off stored meanwhile would be lost.
   */
  @Test
  void aMasterThatTakesALockAgainKeepsItsOwnNewerListOverAnOlderCopy() {
    m.started();
    m.powerOn(VM1, "host2", VmProtection.defaults());
    m.powerOn(VM2, "host2", VmProtection.defaults());
    ProtectedList own = m.stored.orElseThrow();
    m.lockWritesSucceed = false;
    m.tick();
    assertEquals(Set.of(), m.state.held());
    m.stored = Optional.of(ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4"));
    m.lockWritesSucceed = true;
    m.tick();
    assertEquals(Set.of("ds1"), m.state.held());
    assertEquals(own.vms().keySet(), m.state.protectedList().vms().keySet());
    assertTrue(m.state.protectedList().version() >= own.version(), m.state.protectedList().version() + " < "
        + own.version());
  }

  /**
   * Seed 4099: a master whose agent restarted reads no datastore's list (both corrupt) and has no replica of its own;
   * it takes the one a slave offers with its report, and the list's VMs are protected again.
   */
  @Test
  void aMasterThatReadsNoListTakesTheReplicaASlaveOffers() {
    m.listReadsFail = true;
    m.started();
    assertFalse(m.state.loaded());
    HostReport host1 = new HostReport("host1", new PingTarget("127.0.0.1", 2), 8192, 8, List.of(), null, false,
        List.of(), List.of(), 1);
    ProtectedList replica = ProtectedList.empty("host3").with(VM1, "host2", VmProtection.defaults(), "host3");
    m.in(new MasterInput.Beat(host1, Optional.of(replica)));
    assertTrue(m.state.loaded());
    assertEquals(Set.of("vm1"), m.state.protectedList().vms().keySet());
    assertEquals(replica.version(), m.state.protectedList().version());
  }

  /**
   * Issue 6's takeover (formerly the real-time {@code sim.TakeoverTest}; the crash of a master with a start in flight
   * runs in {@code SimulationCasesTest.aMasterKilledInTheMiddleOfARecoveryNeitherLosesNorRepeatsARestart}): host2
   * died with a chain on it (dns1, db1 after it, app1 after db1, web1 after app1), and its master host4 died in the
   * middle of the recovery: its start of dns1 at host3 had landed, the later groups still waited. The new master
   * carries on from the list and the hosts' reports: dns1 runs, so it is not started again; the others start once
   * each, each only once the one before is powered on.
   */
  @Test
  void aNewMasterCarriesOnAnOrderedRecoveryItsPredecessorLeftHalfDoneAndStartsNothingTwice() {
    VmSpec dns = new VmSpec("dns1", 512, 1);
    List<VmSpec> chain = List.of(dns, new VmSpec("db1", 512, 1), new VmSpec("app1", 512, 1),
        new VmSpec("web1", 512, 1));
    List<RestartPriority> priorities = List.of(RestartPriority.HIGHEST, RestartPriority.HIGH, RestartPriority.MEDIUM,
        RestartPriority.LOW);
    ProtectedList list = ProtectedList.empty("host4");
    for (int i = 0; i < chain.size(); i++) {
      String[] after = i == 0 ? new String[0] : new String[] {chain.get(i - 1).name()};
      list = list.with(chain.get(i), "host2", protection(priorities.get(i), ReadyCondition.POWERED_ON, after), "host4");
    }
    Duration lostFor = host2FallsSilentBeforeTheTakeover();
    m.stored = Optional.of(list);
    m.host3Running = List.of(dns);
    m.start(Map.of("host4", lostFor));
    assertEquals(Verdict.DEAD, tickUntilJudged(60).verdict());
    List<String> started = new ArrayList<>();
    for (int i = 0; i < 60 && started.size() < 3; i++) {
      assertTrue(m.starts.size() <= 1, "one group at a time: " + m.starts);
      if (m.starts.isEmpty()) {
        m.tick();
        continue;
      }
      MasterEffect.PersistThenStart st = m.answerStart(true);
      started.add(st.vm().name());
      String at = st.hosts().get(0);
      if (at.equals("host1")) m.host1Running = plus(m.host1Running, st.vm());
      else m.host3Running = plus(m.host3Running, st.vm());
    }
    assertEquals(List.of("db1", "app1", "web1"), started, "dns1 runs already; the rest in order, once each");
    for (int i = 0; i < 3 * m.ticksIn(m.settings.hostTimeout()); i++) m.tick();
    assertEquals(List.of(), List.copyOf(m.starts), "nothing is started again");
  }

  private static List<VmSpec> plus(List<VmSpec> running, VmSpec vm) {
    List<VmSpec> more = new ArrayList<>(running);
    more.add(vm);
    return List.copyOf(more);
  }

  /** A restart whose host did not answer waits, uncounted, until that host shows itself. */
  @Test
  void aStartThatGotNoAnswerWaitsForItsHostToShow() {
    host2Dies(m, VmProtection.defaults(), protection(RestartPriority.DISABLED, ReadyCondition.RESOURCES_ALLOCATED));
    MasterEffect.PersistThenStart st = m.starts.poll();
    m.host3NetBeating = false;
    m.in(new MasterInput.Restarted(new RestartOutcome.Unanswered(st.vm(), "host1", "no answer from host1")));
    HaEvent.VmRestartWaiting w = m.events(HaEvent.VmRestartWaiting.class).get(0);
    assertEquals(WaitReason.POWER_STATE_UNKNOWN, w.kind());
    m.tick();
    assertTrue(m.starts.isEmpty(), "host1 has not beaten since");
    m.tick();
    assertEquals(1, m.starts.size(), "host1 beat again: tried again");
    assertEquals(1, m.starts.peek().attempt(), "uncounted");
  }

  /** The same inputs give the same effects: what the deterministic simulation relies on. */
  @Test
  void theSameScriptGivesTheSameEffects() {
    MasterScript a = new MasterScript();
    MasterScript b = new MasterScript();
    for (MasterScript s : List.of(a, b)) host2Dies(s, VmProtection.defaults(), VmProtection.defaults());
    assertEquals(a.effects, b.effects);
  }

  /**
   * host2 runs vm1 and vm2 under its leases, its power-on file saying {@code watchdog}; then its beats stop on the
   * network and the datastores. Returns when.
   */
  private long host2LeasesHeldAndFallsSilent(WatchdogFlag watchdog) {
    m.host2PowerOn = Optional.of(new PowerOnFile("host2", false, List.of(VM1, VM2), watchdog));
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.host2Leases.put("vm1", VmLease.first("vm1", "host2", Instant.EPOCH));
    m.host2Leases.put("vm2", VmLease.first("vm2", "host2", Instant.EPOCH));
    m.tick();
    m.host2NetBeating = false;
    m.host2DatastoreBeating = false;
    m.mark();
    return m.now();
  }

  /**
   * Without datastores (seed 678's one-way loss) the master tells its election, each interval, the hosts it counts as
   * heard while they are a strict majority, which its beats carry; without a majority it claims none (it restarts
   * nothing then). A host it cannot hear (Pekko calls it unreachable) is left out at once, so that host fences itself
   * before the majority bound of its silence.
   */
  @Test
  void withoutDatastoresTheMasterTellsItsElectionTheHostsItHearsWhileTheyAreAMajority() {
    MasterScript m = new MasterScript("", Optional.empty(), List.of());
    m.start(Map.of());
    m.tick();
    m.tick();
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.of(Set.of("host1", "host2", "host3")), false)), sides(m));
    m.in(new MasterInput.Membership("host3", Reachability.UNREACHABLE, "unreachable", Optional.empty(),
        "pekko://vmha@127.0.0.1:3"));
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.of(Set.of("host1", "host2")), false)), sides(m), "host3 left out");
    m.host2NetBeating = false;
    m.ticks(m.settings.hostTimeout());
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.empty(), true)), sides(m), "1 of 3: no claim, outnumbered");
  }

  /**
   * A new master leaves a host out no sooner than one that reported at its takeover (CanonicalCasesTest's even split,
   * seen once in CI: host2, left out by its new master's first beats before its report had come, was cut off by the
   * split before a beat counted it, and fenced vm2 at T/2 although the split was even). A host Pekko reaches that has
   * not reported yet stays on the master's side until it has been silent for hostTimeout since the master came to
   * know it (or since its known silence began); it still does not count towards the majority.
   */
  @Test
  void withoutDatastoresANewMasterCountsAHostThatHasNotReportedYetOnItsSideUntilItsSilenceReachesHostTimeout() {
    MasterScript m = new MasterScript("", Optional.empty(), List.of());
    m.host2NetBeating = false;
    m.host3NetBeating = false;
    m.start(Map.of());
    for (String h : List.of("host2", "host3")) {
      m.in(new MasterInput.Membership(h, Reachability.REACHABLE, "up", Optional.empty(), "pekko://vmha@127.0.0.1:9"));
    }
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.empty(), true)), sides(m),
        "neither has reported: 1 of 3 heard, no majority to claim");
    m.host2NetBeating = true;
    m.tick();
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.of(Set.of("host1", "host2", "host3")), false)), sides(m),
        "host2 reported; host3 has not reported yet");
    m.ticks(m.settings.hostTimeout().minus(m.settings.failureDetectionInterval().multipliedBy(5)));
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.of(Set.of("host1", "host2", "host3")), false)), sides(m),
        "host3 silent for less than hostTimeout since the master came to know it");
    m.mark();
    m.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.of(Set.of("host1", "host2")), false)), sides(m),
        "host3 silent for hostTimeout since the master came to know it: left out");

    MasterScript lost = new MasterScript("", Optional.empty(), List.of());
    lost.host3NetBeating = false;
    lost.start(Map.of("host3", lost.settings.hostTimeout()));
    lost.tick();
    lost.mark();
    lost.tick();
    assertEquals(List.of(new MasterNotice.Side(Optional.of(Set.of("host1", "host2")), false)), sides(lost),
        "host3's silence was known at the takeover: left out at once");
  }

  /**
   * Without datastores (seeds 883 and 33): host2 fenced long ago and keeps reporting vm1 stopped until vm1 is started
   * there again; a report sent just before that start arrives after its answer, and again later (duplicated). Neither
   * restarts vm1 beside the copy now running at host2; a stop recorded after a report showed vm1 there does.
   */
  @Test
  void withoutDatastoresAStopRecordSentBeforeTheMasterPlacedTheVmThereIsNotActedOn() {
    MasterScript m = new MasterScript("", Optional.empty(), List.of());
    m.started();
    m.powerOnAtHost2(VM2, VmProtection.defaults());
    m.host2Running = List.of(VM2);
    m.tick();
    long sentBefore = m.now(); // host2's reports are numbered by the script's clock
    HostReport stale = new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(VM2), null, false,
        List.of(new StoppedVm(VM1, "its host fenced itself: it saw only a minority of the cluster")), List.of(),
        sentBefore);
    m.powerOnAtHost2(VM1, VmProtection.defaults());
    m.mark();
    m.in(new MasterInput.Beat(stale));
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "sent before vm1 was placed at host2");
    m.host2Running = List.of(VM1, VM2);
    m.tick();
    m.in(new MasterInput.Beat(stale));
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "a duplicate, older than a report showing vm1");
    m.host2Running = List.of(VM2);
    m.host2Stopped = List.of(new StoppedVm(VM1, "it stopped from inside its guest (shutdown or crash)"));
    m.tick();
    assertEquals("vm1", m.only(HaEvent.VmRestartPlanned.class).vm(), "stopped after a report showed it");
  }

  /**
   * Seeds 2454, 4115, 4324, 4409 and 4664 without datastores: master host4's agent froze 17 s (its watchdog fired);
   * host3 was elected and restarted vm6; host4 thawed and acted on the reports queued meanwhile, restarting vm6 beside
   * host3's copy. A master whose agent stalled past T − i (its slaves may have elected another master) steps down
   * and acts on nothing queued behind the stall; a shorter stall is only late news.
   */
  @Test
  void withoutDatastoresAMasterWhoseAgentStalledPastItsSlavesElectionStepsDownAndActsOnNothingQueued() {
    Duration bound = m.settings.detectionTiming().masterStall();
    for (Duration stall : List.of(bound.minusMillis(1), bound)) {
      MasterScript s = new MasterScript("", Optional.empty(), List.of());
      s.started();
      s.powerOnAtHost2(VM1, VmProtection.defaults());
      s.host2Running = List.of(VM1);
      s.tick();
      HostReport queued = new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false,
          List.of(new StoppedVm(VM1, "the watchdog fired")), List.of(), s.now() + 1);
      s.mark();
      s.in(new MasterInput.Stalled(stall));
      s.in(new MasterInput.Beat(queued));
      if (stall.compareTo(bound) < 0) {
        s.host2Running = List.of(); // the watchdog stopped it: host2's next poll shows it no more
        s.tick(); // the slaves hold the list that records the restart: its power-on goes out
        assertEquals("vm1", s.only(HaEvent.VmRestartPlanned.class).vm(), "a stall of " + stall + ": late news");
        continue;
      }
      assertEquals(List.of(new MasterEffect.ToElection(new MasterNotice.Stalled(stall))),
          s.since().stream().filter(e -> !(e instanceof MasterEffect.Log)).toList(),
          "steps down and acts on nothing queued");
      s.mark();
      s.tick();
      assertEquals(List.of(), s.since(), "nor on anything after");
      RequestId request = s.powerOff("vm1");
      assertEquals(List.of(s.reply(request)), s.since(), "an operator's request is refused at once, nothing else");
      assertFalse(s.reply(request).ok());
      assertTrue(s.reply(request).message().contains("stepped down"), s.reply(request).message());
    }
  }

  /**
   * Without datastores no lease shows where a VM runs: a VM missing at the host the list places it on may run at a
   * host this master does not hear — restarted there by a master whose newer list died with it (seed 557: host3
   * restarted vm2 at host1 and lost power before its next beat carried the list; its next agent took the slaves'
   * older replica, and host1, cut off one way, was never heard nor fenced). Such a VM is lost only once every other
   * host reports to this master or is judged DEAD.
   */
  @Test
  void withoutDatastoresAVmMissingAtItsHostWaitsWhileAHostThatMayRunItIsNeitherHeardNorDead() {
    ProtectedList list = ProtectedList.empty("host1").with(VM1, "host2", VmProtection.defaults(), "host1");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.host3NetBeating = false;
    m.start(Map.of());
    m.in(new MasterInput.Membership("host3", Reachability.UNREACHABLE, "unreachable", Optional.empty(),
        "pekko://vmha@127.0.0.1:3"));
    m.mark();
    for (long i = 0; i < m.ticksIn(m.settings.hostTimeout().multipliedBy(2)); i++) {
      m.tick();
      m.expirePings();
    }
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "host3 may run vm1: not restarted");
    host3IsJudgedDeadThenVm1Starts(m);
  }

  /** Rounds pass, host3's pings unanswered, until host3 is judged DEAD; then vm1's restart goes out. */
  private static void host3IsJudgedDeadThenVm1Starts(MasterScript m) {
    for (int i = 0; i < 40 && m.starts.isEmpty(); i++) {
      m.tick();
      m.expirePings();
    }
    assertEquals(Verdict.DEAD, m.only(HaEvent.HostJudged.class).verdict(), "host3 has surely fenced itself");
    assertEquals(VM1, m.answerStart(true).vm(), "then vm1 is restarted");
  }

  /**
   * Without datastores (seed 27993, exposed by session 11's later power-ons): vm1 went missing at host2 while host3
   * was not heard, so `reconcile` waited; then host2 reported it stopped and this master restarted it at host2 itself.
   * Host3 reported again before host2's next poll showed vm1, and the wait that had counted vm1 missing at host2 from
   * long before the restart restarted it at once at host1, beside host2's copy. A VM started at a host is not missing
   * there since before its start.
   */
  @Test
  void withoutDatastoresAVmRestartedAtTheHostItWentMissingAtIsNotMissingThereSinceBefore() {
    ProtectedList list = ProtectedList.empty("host1").with(VM1, "host2", VmProtection.defaults(), "host1");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.host1MemoryMb = 512; // too small for vm1: restarts go to host2
    m.started();
    m.in(new MasterInput.Membership("host3", Reachability.REACHABLE, "up", Optional.empty(),
        "pekko://vmha@127.0.0.1:3"));
    m.host3NetBeating = false;
    for (int i = 0; i < 20; i++) {
      m.tick();
      m.answerPings(true);
    }
    assertEquals(Verdict.AGENT_UNREACHABLE, m.state.hosts().get("host3").verdict());
    assertTrue(m.starts.isEmpty(), "host3 may run vm1: not restarted");
    m.host2Stopped = List.of(new StoppedVm(VM1, "it stopped from inside its guest (shutdown or crash)"));
    m.tick();
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.empty(), Optional.of(m.state.protectedList().version())));
    assertEquals("host2", m.answerStart(true).hosts().get(0), "host2 holds the list that records the restart");
    m.host2Stopped = List.of();
    m.host1MemoryMb = 8192;
    m.host3NetBeating = true; // host3 reports before host2's next poll shows vm1
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), m.host3MemoryMb, 2, List.of(),
        null, false, List.of(), List.of(), m.now())));
    m.tick();
    assertTrue(m.starts.isEmpty(), "vm1 just started at host2: " + m.starts);
  }

  /**
   * Without datastores (seeds 23129, 21230): an operator powers on vm1, which this master's list does not protect but
   * host3 runs (an earlier power-off that reached no host while host3's agent restarted only unprotected it), while
   * host3 neither reports to this master nor is judged DEAD. No lease shows where a VM runs, so the power-on is
   * refused, naming host3, until host3 reports (here it shows vm1 running) or is judged DEAD (surely fenced).
   */
  @Test
  void withoutDatastoresAnOperatorsPowerOnWaitsWhileAHostThatMayRunTheVmIsNeitherHeardNorDead() {
    MasterScript m = new MasterScript("", Optional.of(ProtectedList.empty("host1")), List.of());
    m.host3Running = List.of(VM1);
    m.started();
    m.in(new MasterInput.Membership("host3", Reachability.REACHABLE, "up", Optional.empty(),
        "pekko://vmha@127.0.0.1:3"));
    m.host3NetBeating = false; // its agent cut off, the host still a member Pekko hears, as host2 in seed 23129
    for (int i = 0; i < 40 && m.state.hosts().get("host3").verdict() == Verdict.ALIVE; i++) {
      m.tick();
      m.answerPings(true);
    }
    assertEquals(Verdict.AGENT_UNREACHABLE, m.state.hosts().get("host3").verdict());
    m.mark();
    RequestId id = m.powerOn(VM1, null, VmProtection.defaults());
    assertTrue(m.starts.isEmpty(), "not started beside host3's copy: " + m.since());
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().contains("host3"), m.reply(id).message());
    m.host3NetBeating = true;
    m.tick();
    RequestId again = m.powerOn(VM1, null, VmProtection.defaults());
    assertEquals("vm1 already runs at host3", m.reply(again).message());
    m.host3Running = List.of();
    m.tick();
    m.powerOn(VM1, null, VmProtection.defaults());
    m.tick(); // the start waits for a majority to hold the list that protects vm1
    assertEquals(VM1, m.answerStart(true).vm(), "every host accounted for");
  }

  /**
   * Without datastores a new master acts on no list before a strict majority, itself among them, promised the epoch it
   * proposes; it then writes the newest list offered as its epoch's first. A deposed master's list of an older epoch,
   * however high its number, never outranks it (seed 195: host3, frozen, wrote two versions no slave held, then
   * offered them to host2, which took them and restarted the VM its operator had powered off). A host's promise of a
   * later epoch makes it propose again.
   */
  @Test
  void withoutDatastoresAMasterActsOnlyOnceAMajorityPromisedItsEpochAndTakesNoOlderEpochsList() {
    ProtectedList replica = ProtectedList.empty("host2").with(VM1, "host2", VmProtection.defaults(), "host2");
    MasterScript m = new MasterScript("", Optional.of(replica), List.of());
    m.start(Map.of());
    m.tick();
    assertFalse(m.state.loaded(), "no promise yet: its own is not known");
    assertEquals(1, m.state.proposal().epoch());
    m.tick();
    assertTrue(m.state.loaded(), "host1, host2, host3 promised epoch 1");
    long taken = m.state.protectedList().version();
    assertEquals(1L << 32, taken, "the replica, as epoch 1's first list");

    ProtectedList deposed = new ProtectedList("host3", 9, Map.of(), replica.maintenance(), replica.ha());
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.of(deposed)));
    assertEquals(taken, m.state.protectedList().version(), "v9 of epoch 0 is older");
    assertTrue(m.state.protectedList().vms().containsKey(VM1.name()));

    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.empty(), Optional.empty(), new ListPromise(4, "host3")));
    assertEquals(5, m.state.proposal().epoch(), "host2 promised epoch 4 to another master");
  }

  /**
   * Without datastores a host's promise counts only for the master it was made to (session 15): host1 proposes epoch
   * 1, but host2 promised epoch 1 to host3, which proposed it too and may act in it once host2 counts for it. host1
   * does not count host2 and proposes again; host2 promises it epoch 2, and host1 takes the list in epoch 2. (Counted
   * for both, host1's promise of epoch 2 made to host2 let host3 act in epoch 2 as well:
   * {@code SimulationCasesTest.withoutDatastoresAHostsPromiseOfAnEpochCountsOnlyForTheMasterItWasMadeTo}.)
   */
  @Test
  void withoutDatastoresAPromiseCountsOnlyForTheMasterItWasMadeTo() {
    ProtectedList replica = ProtectedList.empty("host2").with(VM1, "host2", VmProtection.defaults(), "host2");
    MasterScript m = new MasterScript("", Optional.of(replica), List.of());
    m.host2NetBeating = false;
    m.host3NetBeating = false;
    m.start(Map.of());
    m.tick();
    assertEquals(1, m.state.proposal().epoch());
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.empty(), Optional.empty(), new ListPromise(1, "host3")));
    assertFalse(m.state.loaded(), "host2 promised epoch 1 to host3");
    assertEquals(2, m.state.proposal().epoch(), "host1 proposes again");
    m.tick();
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.empty(), Optional.empty(), new ListPromise(2, "host1")));
    assertTrue(m.state.loaded(), "host1 and host2 promised host1's epoch 2");
    assertEquals(2L << 32, m.state.protectedList().version());
  }

  /**
   * Without datastores a master that took a newer list of another master's epoch, and waits for promises of its own,
   * keeps in memory a change it makes meanwhile (here the record of a start that was out) — but not under a version
   * of that master's epoch (session 15): host1 took host3's v(2,3) and recorded vm2 started, as v(2,4) in memory;
   * host3 then offered its own v(2,4), which no longer protects vm1 (an operator powered it off there, held by
   * host3's majority, host3 among them), and host1, counting it no newer, made its epoch's first list from its own.
   */
  @Test
  void withoutDatastoresAChangeMadeWhileWaitingForPromisesDoesNotHideTheOtherMastersListOfItsVersion() {
    ProtectedList list = ProtectedList.empty("host1").with(VM1, "host2", VmProtection.defaults(), "host1");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.started();
    m.powerOn(VM2, "host3", VmProtection.defaults());
    for (int i = 0; i < 5 && m.starts.isEmpty(); i++) m.tick();
    ProtectedList mine = m.state.protectedList();
    ProtectedList theirs = new ProtectedList("host3", (2L << 32) + 3, mine.vms(), mine.maintenance(), mine.ha());
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.of(theirs)));
    assertFalse(m.state.loaded(), "host3's epoch 2 is later: host1 proposes again");
    assertEquals(VM2, m.answerStart(true).vm());
    ProtectedList vm1Off = theirs.without(VM1.name(), "host3");
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), m.host3MemoryMb, 2, List.of(),
        null, false, List.of(), List.of(), m.now()), Optional.of(vm1Off)));
    for (int i = 0; i < 3 && !m.state.loaded(); i++) m.tick();
    assertTrue(m.state.loaded(), "host2 and host3 promised host1's epoch 3");
    assertFalse(m.state.protectedList().vms().containsKey(VM1.name()), "host3's power-off of vm1 is kept");
  }

  /**
   * Without datastores (seeds 822, 1397, 1429): a master whose list is older than the one another master wrote since
   * hears host2, fenced long ago, report vm1 stopped — a genuine but old record — in the beat that offers the newer
   * replica, where that master had already restarted vm1 at host3. The replica is taken first, so the record is no
   * longer of a VM the list places at host2, and vm1 is not started beside host3's copy.
   */
  @Test
  void withoutDatastoresAStopRecordIsReadAgainstTheNewerListOfferedInTheSameBeat() {
    ProtectedList older = ProtectedList.empty("host1").with(VM1, "host2", VmProtection.defaults(), "host1");
    // written by a master of a later epoch
    ProtectedList newer = older.with(VM1, "host3", VmProtection.defaults(), "host3").firstOf(2, "host3");
    MasterScript m = new MasterScript("", Optional.of(older), List.of());
    m.host3NetBeating = false; // cut off from this master one way, as host3 in seed 822
    m.started();
    m.mark();
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, true,
        List.of(new StoppedVm(VM1, "its host fenced itself: it saw only a minority of the cluster")), List.of(),
        m.now()), Optional.of(newer)));
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "vm1 runs at host3 in the newer list");
    m.tick();
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "nor while host3 is unheard");
  }

  /**
   * Without datastores (seed 3524): master host1, alone, heard its own fence's stop record of vm1, which its list
   * placed at host1, and the restart waited for a majority; host2 then came with the newer replica of a master that
   * had restarted vm1 at host3 meanwhile. The waiting restart belonged to the older placement: it is dropped with it,
   * and vm1 is not started beside host3's copy while host3 is unheard.
   */
  @Test
  void withoutDatastoresARestartWaitingUnderAnOlderListEndsWhenANewerOnePlacesTheVmElsewhere() {
    ProtectedList older = ProtectedList.empty("host1").with(VM1, "host1", VmProtection.defaults(), "host1");
    // written by a master of a later epoch
    ProtectedList newer = older.with(VM1, "host3", VmProtection.defaults(), "host3").firstOf(2, "host3");
    MasterScript m = aloneAfterItsOwnFence(older);
    m.in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, List.of(), null, false, List.of(),
        List.of(), m.now()), Optional.of(newer)));
    m.host2NetBeating = true;
    m.ticks(m.settings.hostTimeout());
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "vm1 runs at host3 in the newer list");
  }

  /**
   * Without datastores (seed 21186): master host1, alone, heard its own fence's stop record of vm1, and the restart
   * waited for a majority. host2 comes back with no newer replica and no later promise: the majority is back, but
   * host3 — cut off from host1, neither heard nor judged dead since — is not heard to be without vm1, so the restart
   * waits until host3 has reported without it or been judged DEAD. (In seed 21186 the other side's master had
   * restarted vm1 at host3, and its list, of the same version as host1's, never reached host1. With promised epochs
   * host2 would have promised that master's later epoch and offered its list, which places vm1 at host3: {@link
   * #withoutDatastoresARestartWaitingUnderAnOlderListEndsWhenANewerOnePlacesTheVmElsewhere}; this wait stays as the
   * rule for a VM whose host may not have been heard since.)
   */
  @Test
  void withoutDatastoresARestartThatWaitedForAMajorityWaitsForTheHostsNotHeardMeanwhile() {
    MasterScript m = aloneAfterItsOwnFence(
        ProtectedList.empty("host1").with(VM1, "host1", VmProtection.defaults(), "host1"));
    m.tick();
    m.host2NetBeating = true;
    m.ticks(m.settings.hostTimeout());
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "host3 may run vm1: not restarted");
    host3IsJudgedDeadThenVm1Starts(m);
  }

  /**
   * Without datastores: master host1 takes {@code list} once host2 and host3 promised its epoch; then, alone (host2
   * silent, host3 unreachable), it hears its own fence's stop record of vm1, which the list places at host1; the
   * restart waits for a majority.
   */
  private static MasterScript aloneAfterItsOwnFence(ProtectedList list) {
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.started();
    assertTrue(m.state.loaded(), "host2 and host3 promised host1's epoch");
    m.host2NetBeating = false;
    m.host3NetBeating = false;
    m.in(new MasterInput.Membership("host3", Reachability.UNREACHABLE, "unreachable", Optional.empty(),
        "pekko://vmha@127.0.0.1:3"));
    m.ticks(m.settings.hostTimeout());
    m.mark();
    m.in(new MasterInput.Beat(new HostReport("host1", new PingTarget("127.0.0.1", 2), 8192, 8, List.of(), null, true,
        List.of(new StoppedVm(VM1, "its host fenced itself: it saw only a minority of the cluster")), List.of(),
        m.now())));
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "1 of 3 hosts: no majority");
    return m;
  }

  /**
   * Without datastores a host that never reported to this master may never have heard its beats: it loses it T after
   * the takeover, may elect a host that follows this master and wait T for its beats, then elects itself and fences
   * only when left out by itself (the simulator's {@code withoutDatastoresAHostThatNeverHeardItsNewMasterAndFirst
   * FollowedOneOfItsSlavesFencesBeforeItsVmsRestart}: vm9 ran twice when DEAD came at 2.5 T). host2, never heard, is
   * judged DEAD only 3.5 T after the takeover; host4, the master lost before it, keeps the 2.5 T of the silence heard
   * before the takeover. Five hosts: host1, host3 and host5 beat.
   */
  @Test
  void withoutDatastoresAHostThatNeverReportedToANewMasterIsJudgedDeadOnlyAfterItMayHaveElectedTwice() {
    ProtectedList list = ProtectedList.empty("host4").with(VM1, "host2", VmProtection.defaults(), "host4")
        .with(VM2, "host4", VmProtection.defaults(), "host4");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.host2NetBeating = false;
    m.host2DatastoreBeating = false;
    Duration lostFor = m.settings.hostTimeout().plus(m.settings.electionWindow());
    m.start(Map.of("host4", lostFor));
    long takeover = m.now();
    for (String h : List.of("host2", "host4")) {
      m.in(new MasterInput.Membership(h, Reachability.UNREACHABLE, "unreachable", Optional.empty(),
          "pekko://vmha@127.0.0.1:9"));
    }
    long neverReported = takeover + TimingRules.neverReportedStillBound(m.settings.hostTimeout()).toMillis();
    long lost = takeover - lostFor.toMillis() + TimingRules.majorityStillBound(m.settings.hostTimeout()).toMillis();
    Map<String, Long> planned = new HashMap<>();
    for (int i = 0; i < 60 && planned.size() < 2; i++) {
      m.tick();
      // host5 beats too: host1, host3 and host5 are a strict majority of the five
      m.in(new MasterInput.Beat(new HostReport("host5", new PingTarget("127.0.0.1", 5), 8192, 8, List.of(), null,
          false, List.of(), List.of(), m.now()), Optional.empty(), Optional.of(m.state.protectedList().version())));
      m.expirePings();
      for (MasterEffect.PersistThenStart p : m.starts) planned.putIfAbsent(p.vm().name(), m.now());
    }
    assertTrue(planned.get("vm1") >= neverReported, "vm1 (host2's) restarted " + (planned.get("vm1") - takeover)
        + " ms after the takeover, before 3.5 T");
    assertTrue(planned.get("vm2") < neverReported && planned.get("vm2") >= lost, "vm2 (the lost master's) restarted "
        + (planned.get("vm2") - takeover) + " ms after the takeover: 2.5 T of its silence");
  }

  /**
   * Without datastores (seed 2185) the list records where a restart goes before its power-on goes out, so the beats
   * that replicate it tell a next master where the VM may run; the answer places the VM there and ends the record.
   */
  @Test
  void withoutDatastoresARestartIsRecordedInTheListBeforeItsPowerOnGoesOut() {
    ProtectedList list = ProtectedList.empty("host1").with(VM1, "host2", VmProtection.defaults(), "host1");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.started();
    m.mark();
    m.host2Fenced = true;
    m.host2Stopped = List.of(new StoppedVm(VM1, "its host fenced itself: it saw only a minority of the cluster"));
    m.tick();
    List<MasterEffect> out = m.since();
    MasterEffect.PersistThenStart start = m.effects(MasterEffect.PersistThenStart.class).get(0);
    int recorded = -1;
    for (int i = 0; i < out.size() && recorded < 0; i++) {
      if (out.get(i) instanceof MasterEffect.ToElection e && e.notice() instanceof MasterNotice.ProtectedListChanged c
          && c.list().vms().get("vm1").startingAt().equals(start.hosts())) {
        recorded = i;
      }
    }
    assertTrue(recorded >= 0 && recorded < out.indexOf(start), "recorded for the replicas first: " + out);
    m.answerStart(true);
    ProtectedList.Entry placed = m.state.protectedList().vms().get("vm1");
    assertEquals(start.hosts().get(0), placed.host());
    assertEquals(List.of(), placed.startingAt(), "no attempt out any more");
  }

  /**
   * Without datastores (seed 18433) a restart's power-on waits until the list that records it is on this host's
   * disk: an agent restarting here before the next beat replicates it starts holding that list, not an older one.
   */
  @Test
  void withoutDatastoresARestartsPowerOnWaitsForTheListOnThisHostsDisk() {
    MasterScript m = vm1AtHost2WithoutDatastores();
    m.answerListWrites = false;
    host2FencesVm1(m);
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class), "no power-on before the write");
    m.completeWrites();
    MasterEffect.PersistThenStart start = m.effects(MasterEffect.PersistThenStart.class).get(0);
    assertEquals("vm1", start.vm().name());
  }

  /** A master without datastores whose list places vm1 at host2. */
  private static MasterScript vm1AtHost2WithoutDatastores() {
    ProtectedList list = ProtectedList.empty("host1").with(VM1, "host2", VmProtection.defaults(), "host1");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.started();
    return m;
  }

  /**
   * Seeds 118 (two datastores) and 328 (none): an operator powered off a VM the list placed at a host the master did
   * not hear; told "it was not running", the VM ran on there, unprotected. Now the power-off is refused, naming the
   * host, until the host reports again.
   */
  @Test
  void anOperatorsPowerOffOfAVmPlacedAtAHostThatIsNotLiveIsRefusedUntilItReports() {
    MasterScript m = new MasterScript();
    m.started();
    m.powerOnAtHost2(VM1, VmProtection.defaults());
    m.host2Running = List.of(VM1);
    m.tick();
    m.host2NetBeating = false; // its agent cut off; its datastore heartbeat goes on, and it runs vm1
    for (int i = 0; i < 40 && m.state.hosts().get("host2").live(); i++) {
      m.tick();
      m.answerPings(true);
    }
    assertFalse(m.state.hosts().get("host2").live());
    assertFalse(m.state.pending().containsKey("vm1"), "not lost: host2's datastore heartbeat goes on");
    m.mark();
    RequestId id = m.powerOff("vm1");
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().startsWith("vm1 may run at host2"), m.reply(id).message());
    assertTrue(m.state.protectedList().vms().containsKey("vm1"), "still protected");
    assertTrue(m.powerOffs.isEmpty());
    m.host2NetBeating = true;
    m.tick();
    m.powerOff("vm1");
    assertEquals("vm1", m.powerOffs.poll().vm(), "host2 reports vm1 again: powered off there");
  }

  /**
   * Without datastores an operator's change is carried out and answered only once a strict majority holds the list
   * that records it, as a restart's power-on is: a master lost before its next beat would otherwise leave a power-off
   * done and answered that the next master, with the slaves' older list, undoes (session 13's hand-built path).
   */
  @Test
  void withoutDatastoresAnOperatorsPowerOffWaitsUntilAMajorityHoldsItsList() {
    MasterScript m = vm1AtHost2WithoutDatastores();
    m.host2Running = List.of(VM1);
    m.tick();
    m.slavesHoldTheList = false;
    m.mark();
    RequestId id = m.powerOff("vm1");
    m.tick();
    m.tick();
    assertTrue(m.powerOffs.isEmpty(), "no slave holds the list without vm1: " + m.since());
    assertEquals(List.of(), m.effects(MasterEffect.Reply.class), "not answered yet");
    m.slavesHoldTheList = true;
    m.tick();
    assertEquals("vm1", m.powerOffs.poll().vm(), "held by host2 and host3 with host1");
    assertEquals(List.of(), m.effects(MasterEffect.Reply.class), "answered once host2 confirms it off");
    assertFalse(m.state.protectedList().vms().containsKey("vm1"));
  }

  /**
   * Without datastores, a master whose operator's change still waits for a majority to hold its list takes a newer
   * replica (another master wrote since): the change is not carried out, nor undone onto the list taken; the operator
   * is told it was not confirmed and that the list now held decides.
   */
  @Test
  void withoutDatastoresAnOperatorsChangeNotHeldWhenANewerListIsTakenIsAnsweredNotConfirmed() {
    MasterScript m = vm1AtHost2WithoutDatastores();
    m.slavesHoldTheList = false;
    m.mark();
    ProtectedList before = m.state.protectedList();
    RequestId id = m.powerOn(VM2, "host2", VmProtection.defaults());
    long mine = m.state.protectedList().version();
    ProtectedList newer = new ProtectedList("host3", mine + 1, before.vms(), Map.of(),
        ProtectedList.HaSwitch.ENABLED);
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), m.host3MemoryMb, 2, List.of(),
        null, false, List.of(), List.of(), m.now()), Optional.of(newer), Optional.empty()));
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().contains("not confirmed"), m.reply(id).message());
    assertEquals(mine + 1, m.state.protectedList().version(), "the newer list is taken as it is");
    assertFalse(m.state.protectedList().vms().containsKey("vm2"));
    assertFalse(m.state.inFlight().containsKey("vm2"));
    m.slavesHoldTheList = true;
    m.tick();
    assertTrue(m.starts.isEmpty(), "vm2 is never started: " + m.since());
  }

  /** Host2's next report: fenced, vm1 stopped. */
  private static void host2Fenced(MasterScript m) {
    m.host2Fenced = true;
    m.host2Stopped = List.of(new StoppedVm(VM1, "its host fenced itself: it saw only a minority of the cluster"));
  }

  /** Host2 fences itself and reports vm1 stopped: its restart is planned. */
  private static void host2FencesVm1(MasterScript m) {
    host2Fenced(m);
    m.tick();
    assertTrue(m.state.inFlight().containsKey("vm1"), "planned");
  }

  /**
   * Without datastores (seed 29762): master host5 restarted vm4 at host3 with the list recording it on its own disk
   * only, and lost power (or, shrunk, was cut into the minority) before a beat carried that list; host4, elected next
   * with the slaves' older replica, restarted vm4 from its own old stop record beside host3's copy. A restart's
   * power-on now waits until a strict majority of the hosts holds the list that records it — any later majority holds
   * it then, or hears it from a slave — and a side that loses its majority meanwhile sends none.
   */
  @Test
  void withoutDatastoresARestartsPowerOnWaitsUntilAStrictMajorityHoldsTheListThatRecordsIt() {
    MasterScript m = vm1StoppedAtHost2WithTheSlavesHoldingNoNewerList();
    long version = m.state.protectedList().version();
    assertEquals(List.of("host1", "host3"), m.state.protectedList().vms().get("vm1").startingAt(), "recorded");
    m.tick();
    m.tick();
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class), "on this host's disk only");
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), m.host3MemoryMb, 2, List.of(),
        null, false, List.of(), List.of(), m.now()), Optional.empty(), Optional.of(version - 1)));
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class), "host3 holds an older list");
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), m.host3MemoryMb, 2, List.of(),
        null, false, List.of(), List.of(), m.now()), Optional.empty(), Optional.of(version)));
    assertEquals("vm1", m.answerStart(true).vm().name(), "host1 and host3 hold it: 2 of 3 hosts");

    MasterScript cut = vm1StoppedAtHost2WithTheSlavesHoldingNoNewerList();
    cut.host2NetBeating = false;
    cut.host3NetBeating = false;
    for (int i = 0; i < 40 && cut.state.inFlight().containsKey("vm1"); i++) cut.tick();
    assertFalse(cut.state.inFlight().containsKey("vm1"), "its side lost its majority: not sent");
    assertTrue(cut.state.afterWrite().isEmpty());
    assertTrue(cut.state.pending().containsKey("vm1"), "it waits for a home again");
    cut.host2NetBeating = true;
    cut.host3NetBeating = true;
    cut.slavesHoldTheList = true;
    for (int i = 0; i < 10 && cut.starts.isEmpty(); i++) cut.tick();
    assertEquals("vm1", cut.answerStart(true).vm().name(), "planned again once the side is a majority");
  }

  /**
   * A restart's power-on held until a majority holds its list goes out only while no host reports the VM running
   * (seeds 39166 and 24528 with the simulated restarter that outlived its master: a report showed the VM running
   * at host3 after the restart was planned, and the held power-on still went out, beside it).
   */
  @Test
  void withoutDatastoresAHeldRestartIsNotSentWhenAReportShowsTheVmRunningMeanwhile() {
    MasterScript m = vm1StoppedAtHost2WithTheSlavesHoldingNoNewerList();
    long version = m.state.protectedList().version();
    m.mark();
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), m.host3MemoryMb, 2,
        List.of(m.state.protectedList().vms().get("vm1").vm()), null, false, List.of(), List.of(), m.now()),
        Optional.empty(), Optional.of(version)));
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class), "vm1 runs at host3: not started again");
    assertFalse(m.state.inFlight().containsKey("vm1"));
    assertFalse(m.state.pending().containsKey("vm1"));
    assertEquals("host3", m.state.protectedList().vms().get("vm1").host(), "placed where it runs");
  }

  /** Host2 fenced and reports vm1 stopped: the restart is planned, its list on this host's disk, held by no slave. */
  private static MasterScript vm1StoppedAtHost2WithTheSlavesHoldingNoNewerList() {
    MasterScript m = vm1AtHost2WithoutDatastores();
    m.slavesHoldTheList = false;
    host2FencesVm1(m);
    assertTrue(m.heldWrites.isEmpty(), "its list is on this host's disk");
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class));
    return m;
  }

  /**
   * Without datastores this host's disk holds the only record of a restart before its power-on: a write that fails
   * holds the power-on back (a next agent here would not know of it), says which file and why, and the restart is
   * tried again on the next round, uncounted.
   */
  @Test
  void withoutDatastoresARestartWhoseListCannotBeWrittenToThisHostsDiskWaitsAndIsTriedAgain() {
    MasterScript m = vm1AtHost2WithoutDatastores();
    m.listWritesSucceed = false;
    host2Fenced(m);
    m.mark();
    m.tick();
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class), "no power-on without the list on disk");
    assertFalse(m.state.inFlight().containsKey("vm1"));
    HaEvent.VmRestartWaiting waiting = m.only(HaEvent.VmRestartWaiting.class);
    assertEquals(WaitReason.LIST_NOT_STORED, waiting.kind());
    assertTrue(waiting.reason().contains(MasterScript.HOST_DISK_FULL), waiting.reason());
    assertEquals(Optional.of(WaitReason.LIST_NOT_STORED),
        m.state.pending().get("vm1").waiting().map(MasterState.Waiting::reason));

    m.mark();
    m.tick(); // tried again, and again not stored: no new event, no power-on
    assertEquals(List.of(), m.effects(MasterEffect.PersistThenStart.class));
    assertEquals(List.of(), m.events(HaEvent.VmRestartWaiting.class));

    m.listWritesSucceed = true;
    m.mark();
    m.tick();
    MasterEffect.PersistThenStart start = m.effects(MasterEffect.PersistThenStart.class).get(0);
    assertEquals("vm1", start.vm().name());
    assertEquals(1, start.attempt(), "the attempts never sent are not counted");
  }

  /**
   * Without datastores (seed 2185): master host2 sent vm1's power-on to host3 and stepped down before the answer; its
   * replica records the attempt. This master took it, and host2 reports vm1 stopped (fenced) while host3, which runs
   * it, has not reported here: nothing starts vm1 until host3 shows — here it reports starting vm1, then without it.
   */
  @Test
  void withoutDatastoresAVmWhoseRestartWasOutInTheReplicaWaitsToHearTheHostItWasSentTo() {
    MasterScript m = vm1StoppedAtHost2WhileItsRestartAtHost3WasOut();
    m.tick();
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "host3 may run vm1");
    assertEquals(WaitReason.POWER_STATE_UNKNOWN, m.only(HaEvent.VmRestartWaiting.class).kind());
    m.in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), 2048, 2, List.of(), null, false,
        List.of(), List.of("vm1"), m.now())));
    m.tick();
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "host3 reports it is starting vm1");
    m.host3NetBeating = true;
    m.tick();
    m.tick(); // the next round after its report without vm1
    assertEquals("vm1", m.only(HaEvent.VmRestartPlanned.class).vm(), "host3 showed without it");
  }

  /**
   * Without datastores (seed 24528): the power-on master host2 sent to host3 before it stepped down was still in the
   * network when this master took its replica; host3's first report here was sent before the power-on reached it, so
   * it lacks vm1 though host3 starts it a moment later. A report that may predate a power-on sent before the wait
   * began proves nothing: nothing starts vm1 until host3 reports {@code TimingRules.powerOnArrivedBy} after that.
   */
  @Test
  void withoutDatastoresAReportThatMayPredateTheOutstandingPowerOnDoesNotShowTheHostWithoutTheVm() {
    MasterScript m = vm1StoppedAtHost2WhileItsRestartAtHost3WasOut();
    m.host3NetBeating = true;
    m.tick(); // host3's report sent before host2's power-on arrived
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "host3's report may predate the power-on");
    m.host3Running = List.of(VM1); // the power-on arrived
    m.tick();
    m.tick();
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "vm1 runs at host3");
    assertEquals("host3", m.state.protectedList().vms().get("vm1").host());
  }

  /** The same, but host3 shows running vm1: the list places it there, and nothing starts it again. */
  @Test
  void withoutDatastoresAVmWhoseRestartWasOutInTheReplicaIsFollowedToTheHostItWasSentTo() {
    MasterScript m = vm1StoppedAtHost2WhileItsRestartAtHost3WasOut();
    m.host3NetBeating = true;
    m.host3Running = List.of(VM1);
    m.tick();
    m.tick();
    assertEquals(List.of(), m.events(HaEvent.VmRestartPlanned.class), "vm1 runs at host3");
    assertEquals("host3", m.state.protectedList().vms().get("vm1").host());
    assertEquals(List.of(), m.state.protectedList().vms().get("vm1").startingAt());
  }

  /**
   * Master host2 sent vm1's power-on to host3 and stepped down before the answer; this master took its replica, host3
   * has not reported here, and host2 (fenced) reports vm1 stopped.
   */
  private static MasterScript vm1StoppedAtHost2WhileItsRestartAtHost3WasOut() {
    ProtectedList list = ProtectedList.empty("host2").with(VM1, "host2", VmProtection.defaults(), "host2")
        .starting(Map.of("vm1", List.of("host3")), "host2");
    MasterScript m = new MasterScript("", Optional.of(list), List.of());
    m.host3NetBeating = false;
    m.started();
    m.mark();
    m.host2Fenced = true;
    m.host2Stopped = List.of(new StoppedVm(VM1, "its host fenced itself: it saw only a minority of the cluster"));
    m.tick();
    return m;
  }

  private static List<MasterNotice> sides(MasterScript m) {
    return m.effects(MasterEffect.ToElection.class).stream().map(MasterEffect.ToElection::notice)
        .filter(MasterNotice.Side.class::isInstance).toList();
  }
}
