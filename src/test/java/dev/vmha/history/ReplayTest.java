package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Evidence;
import dev.vmha.classify.HostClassifier;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.SelfDiagnosis;
import dev.vmha.classify.Verdict;
import dev.vmha.config.IsolationResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./vmha replay on recorded scenarios: a host crash, an isolation and a partition, recorded as the real decision
 * classes decided them. Replayed with the recorded settings every decision is reproduced; what-ifs list those that
 * would differ.
 */
class ReplayTest {
  private static final String M = "host1";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  @TempDir Path dir;

  private static Instant t(int s) {
    return HistoryTesting.T0.plusSeconds(s);
  }

  private static Duration s(int seconds) {
    return Duration.ofSeconds(seconds);
  }

  /** The master's evidence about a silent, unpingable host of a 4-host cluster; {@code side} hosts on its side. */
  private static Evidence evidence(Map<String, Duration> ages, boolean isolatedFlag, int side) {
    return new Evidence(s(12), Reachability.UNREACHABLE, false, ages, isolatedFlag, TIMEOUT, INTERVAL, true, side, 4);
  }

  /** The verdict as the master records it: what the classifier decided on this evidence. */
  private static HaEvent.HostJudged judged(int at, String host, Evidence e) {
    HostClassifier.Decision d = new HostClassifier().classify(e);
    assertTrue(d.settled(), "the master records settled verdicts only");
    return new HaEvent.HostJudged(t(at), M, host, d.verdict(), d.reason(), e);
  }

  private static HaEvent.SelfDiagnosed diagnosed(int at, String host, SelfDiagnosis.Signals s) {
    SelfDiagnosis.Finding f = SelfDiagnosis.diagnose(s);
    return new HaEvent.SelfDiagnosed(t(at), host, f.result().name(), f.reason(), s);
  }

  // host4 crashed: its heartbeat stopped on both datastores 20 s ago; web1 and db1 were restarted
  private static final HaEvent.HostJudged CRASH = judged(12, "host4",
      evidence(Map.of("ds1", s(20), "ds2", s(20)), false, 3));
  private static final HaEvent WEB1 = new HaEvent.VmRestartPlanned(t(13), M, "web1", "host4", "host2", "dead");
  private static final HaEvent DB1 = new HaEvent.VmRestartPlanned(t(13), M, "db1", "host4", "host3", "dead");
  // host3 isolated: no master, no address, no traffic; leave-powered-on except app1 (power-off)
  private static final HaEvent.SelfDiagnosed ISOLATED_SELF = diagnosed(30, "host3",
      new SelfDiagnosis.Signals(false, false, false));
  private static final HaEvent.IsolationResponseApplied RESPONSE = new HaEvent.IsolationResponseApplied(t(31),
      "host3", List.of("app1"), List.of("db1", "web2"), List.of(), IsolationResponse.LEAVE_POWERED_ON,
      Map.of("app1", IsolationResponse.POWER_OFF));
  private static final HaEvent.HostJudged ISOLATED = judged(35, "host3", evidence(Map.of("ds1", s(1)), true, 2));
  // host2 partitioned away: an isolation address answers there; its datastore heartbeat still moves
  private static final HaEvent.SelfDiagnosed PARTITIONED_SELF = diagnosed(60, "host2",
      new SelfDiagnosis.Signals(false, true, false));
  private static final HaEvent.HostJudged PARTITIONED = judged(62, "host2", evidence(Map.of("ds1", s(1)), false, 2));

  private static final List<HaEvent> HISTORY = List.of(CRASH, WEB1, DB1, ISOLATED_SELF, RESPONSE, ISOLATED,
      PARTITIONED_SELF, PARTITIONED);

  private static Replay.WhatIf whatIf(Optional<Duration> hostTimeout, Optional<Set<String>> datastores,
      Optional<IsolationResponse> response, Map<String, IsolationResponse> vmResponses) {
    return new Replay.WhatIf(hostTimeout, Optional.empty(), datastores, response, vmResponses);
  }

  private static List<HaEvent> differing(List<Replay.Outcome> outcomes) {
    return outcomes.stream().filter(o -> o.result() == Replay.Result.DIFFERS).map(Replay.Outcome::event).toList();
  }

  @Test
  void theRecordedScenariosAreWhatTheyShouldBe() {
    assertEquals(Verdict.DEAD, CRASH.verdict());
    assertEquals(Verdict.ISOLATED, ISOLATED.verdict());
    assertEquals(Verdict.PARTITIONED, PARTITIONED.verdict());
    assertEquals("ISOLATED", ISOLATED_SELF.result());
    assertEquals("PARTITIONED", PARTITIONED_SELF.result());
  }

  @Test
  void withTheRecordedSettingsEveryDecisionIsReproduced() {
    List<Replay.Outcome> outcomes = Replay.replay(HISTORY, Replay.WhatIf.NONE);
    assertEquals(List.of(CRASH, ISOLATED_SELF, RESPONSE, ISOLATED, PARTITIONED_SELF, PARTITIONED),
        outcomes.stream().map(Replay.Outcome::event).toList());
    assertTrue(outcomes.stream().allMatch(o -> o.result() == Replay.Result.REPRODUCED), outcomes.toString());
    assertEquals("DEAD: " + CRASH.reason(), outcomes.get(0).replayed());
    assertEquals("stops [app1], keeps running [db1, web2]", outcomes.get(2).replayed());
    assertEquals(List.of("replayed 6 recorded decisions (host verdicts, self-diagnoses, isolation responses) with the"
        + " recorded settings: 6 reproduced, 0 would differ, 0 not replayable"),
        Replay.format(outcomes, Replay.WhatIf.NONE, ZoneOffset.UTC));
  }

  @Test
  void aHostTimeoutAboveTheRecordedSilenceJudgesNothingAtThatMoment() {
    Replay.WhatIf w = whatIf(Optional.of(s(30)), Optional.empty(), Optional.empty(), Map.of());
    List<Replay.Outcome> outcomes = Replay.replay(HISTORY, w);
    assertEquals(List.of(CRASH, ISOLATED, PARTITIONED), differing(outcomes));
    Replay.Outcome crash = outcomes.get(0);
    assertEquals("ALIVE: net heartbeat 12 s old", crash.replayed());
    assertEquals("nothing of host4 would have been restarted at that moment (recorded: the restarts of web1, db1"
        + " followed this verdict)", crash.then());
    assertEquals(List.of(
            "replayed 6 recorded decisions (host verdicts, self-diagnoses, isolation responses) with"
                + " das.config.fdm.hostTimeout = 30000 ms: 3 reproduced, 3 would differ, 0 not replayable",
            "differs: 03:12:12.000 host1    host4 declared DEAD: " + CRASH.reason(),
            "    now: ALIVE: net heartbeat 12 s old",
            "    then: " + crash.then()),
        Replay.format(outcomes, w, ZoneOffset.UTC).subList(0, 4));
  }

  @Test
  void aShorterHostTimeoutStillReachesTheSameVerdicts() {
    assertEquals(List.of(), differing(Replay.replay(HISTORY,
        whatIf(Optional.of(s(8)), Optional.empty(), Optional.empty(), Map.of()))));
  }

  @Test
  void withoutHeartbeatDatastoresTheMajorityRuleDecides() {
    List<Replay.Outcome> outcomes = Replay.replay(HISTORY,
        whatIf(Optional.empty(), Optional.of(Set.of()), Optional.empty(), Map.of()));
    // the crash: 3 of 4 is a majority, but 12 s of silence is not yet 2 x hostTimeout + lag: the master would wait;
    // the isolated host: seen from a 2-of-4 side it is only partitioned; the partition stays a partition
    assertEquals(List.of(CRASH, ISOLATED), differing(outcomes));
    assertTrue(outcomes.get(0).replayed().startsWith("DEAD (not settled: the master would wait): no net heartbeat"
        + " 12 s, ping silent, no heartbeat datastores, this side holds 3 of 4 hosts"), outcomes.get(0).replayed());
    assertTrue(outcomes.get(3).replayed().startsWith("PARTITIONED"), outcomes.get(3).replayed());
    assertEquals(Replay.Result.REPRODUCED, outcomes.get(5).result());
  }

  @Test
  void onlyTheOtherHeartbeatDatastore() {
    // the isolated and the partitioned host were seen on ds1 only: with ds2 alone nothing is readable about them
    List<Replay.Outcome> outcomes = Replay.replay(HISTORY,
        whatIf(Optional.empty(), Optional.of(Set.of("ds2")), Optional.empty(), Map.of()));
    assertEquals(List.of(ISOLATED), differing(outcomes));
    assertTrue(outcomes.get(3).replayed().startsWith("PARTITIONED: no net heartbeat 12 s, ping silent, but none of"
        + " its heartbeat datastores is readable here"), outcomes.get(3).replayed());
  }

  @Test
  void anotherIsolationResponse() {
    List<Replay.Outcome> off = Replay.replay(HISTORY,
        whatIf(Optional.empty(), Optional.empty(), Optional.of(IsolationResponse.POWER_OFF), Map.of()));
    assertEquals(List.of(RESPONSE), differing(off));
    assertEquals("stops [app1, db1, web2], keeps running []", off.get(2).replayed());
    assertEquals("the master would have restarted [db1, web2] elsewhere", off.get(2).then());

    List<Replay.Outcome> keep = Replay.replay(HISTORY, whatIf(Optional.empty(), Optional.empty(), Optional.empty(),
        Map.of("app1", IsolationResponse.LEAVE_POWERED_ON, "db1", IsolationResponse.SHUTDOWN)));
    assertEquals("stops [db1], keeps running [app1, web2]", keep.get(2).replayed());
    assertEquals("the master would have restarted [db1] elsewhere; [app1] would have kept running at host3, not"
        + " restarted", keep.get(2).then());
  }

  @Test
  void aPowerOffThatFailedIsStillTheSameDecision() {
    HaEvent failed = new HaEvent.IsolationResponseApplied(t(31), "host3", List.of(), List.of("app1"),
        List.of("app1: hypervisor refused"), IsolationResponse.POWER_OFF, Map.of());
    assertEquals(Replay.Result.REPRODUCED, Replay.replay(List.of(failed), Replay.WhatIf.NONE).get(0).result());
  }

  @Test
  void decisionsRecordedWithoutTheirInputAreNotReplayable() {
    List<HaEvent> old = new ArrayList<>(List.of(
        new HaEvent.HostJudged(t(1), M, "host4", Verdict.DEAD, "old", null),
        new HaEvent.SelfDiagnosed(t(2), "host3", "ISOLATED", "old", null),
        new HaEvent.IsolationResponseApplied(t(3), "host3", List.of(), List.of("db1"), List.of(), null, Map.of())));
    List<Replay.Outcome> outcomes = Replay.replay(old, Replay.WhatIf.NONE);
    assertTrue(outcomes.stream().allMatch(o -> o.result() == Replay.Result.NOT_REPLAYABLE), outcomes.toString());
    // with a response given, an older isolation response can be compared with what it did
    assertEquals(Replay.Result.DIFFERS, Replay.replay(old,
        whatIf(Optional.empty(), Optional.empty(), Optional.of(IsolationResponse.POWER_OFF), Map.of())).get(2).result());
    // no heartbeat datastores recorded: none to add
    HaEvent vsan = new HaEvent.HostJudged(t(1), M, "host4", Verdict.DEAD, "majority", new Evidence(s(30),
        Reachability.UNREACHABLE, false, Map.of(), false, TIMEOUT, INTERVAL, false, 3, 4));
    assertEquals(Replay.Result.NOT_REPLAYABLE, Replay.replay(List.of(vsan),
        whatIf(Optional.empty(), Optional.of(Set.of("ds1")), Optional.empty(), Map.of())).get(0).result());
  }

  @Test
  void whatIfSettingsAreReadAsTheAgentReadsThem() {
    String sets = "das.config.fdm.hostTimeout = 30\nvmha.datastores = []\nvmha.isolation.response = power-off\n"
        + "vmha.isolation.vm-response.db1 = shutdown";
    // the host file's own override for web9 is not part of the what-if
    Replay.WhatIf w = Replay.WhatIf.of(ConfigFactory.parseString(sets), HistoryTesting.settings("host1", dir,
        "vmha.isolation.vm-response.web9 = power-off\n" + sets));
    assertEquals(new Replay.WhatIf(Optional.of(s(30)), Optional.empty(), Optional.of(Set.of()),
        Optional.of(IsolationResponse.POWER_OFF), Map.of("db1", IsolationResponse.SHUTDOWN)), w);
    assertEquals("das.config.fdm.hostTimeout = 30000 ms, heartbeat datastores none, vmha.isolation.response ="
        + " power-off, vmha.isolation.vm-response.db1 = shutdown", w.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Replay.WhatIf.of(
        ConfigFactory.parseString("das.maxvmrestartcount = 3"), HistoryTesting.settings("host1", dir, "")));
    assertEquals("replay cannot change das.maxvmrestartcount; it can change das.config.fdm.hostTimeout,"
        + " das.failuredetectioninterval, vmha.datastores, vmha.isolation.response, vmha.isolation.vm-response",
        e.getMessage());
  }
}
