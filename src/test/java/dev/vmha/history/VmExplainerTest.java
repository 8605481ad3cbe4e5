package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Verdict;
import dev.vmha.config.IsolationResponse;
import dev.vmha.restart.WaitReason;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ./vmha explain vm: each story an operator asks about, told from hand-built histories. */
class VmExplainerTest {
  private static final String M = "host1"; // the master

  private static Instant t(int s) {
    return HistoryTesting.T0.plusSeconds(s);
  }

  private static final HaEvent PROTECTED = new HaEvent.VmProtected(t(0), M, "web1", "host3");
  private static final HaEvent OTHER_VM = new HaEvent.VmProtected(t(1), M, "db1", "host2");
  private static final HaEvent SILENT = new HaEvent.HostSilent(t(10), M, "host3", Duration.ofSeconds(10));
  private static final HaEvent DEAD = judged(12, "host3", Verdict.DEAD, "no net heartbeat 12 s, ping silent");
  private static final HaEvent PLANNED = new HaEvent.VmRestartPlanned(t(13), M, "web1", "host3", "host2",
      "host host3 is dead; priority medium order 0: host2 has the most free memory (8192 MB)");
  private static final HaEvent READY = new HaEvent.VmReady(t(13), M, "web1", "resources allocated at host2");
  private static final HaEvent ATTEMPTED = new HaEvent.VmRestartAttempted(t(14), M, "web1", "host2", 1);
  private static final HaEvent RESTARTED = new HaEvent.VmRestarted(t(15), M, "web1", "host2");

  private static HaEvent.HostJudged judged(int s, String host, Verdict v, String reason) {
    return new HaEvent.HostJudged(t(s), M, host, v, reason, null);
  }

  private static VmExplainer.Explanation explain(HaEvent... events) {
    return VmExplainer.explain(List.of(events), "web1", ZoneOffset.UTC);
  }

  /** The events of a crash of host3 up to its verdict, and those given. */
  private static HaEvent[] afterCrash(HaEvent... then) {
    List<HaEvent> all = new ArrayList<>(List.of(PROTECTED, OTHER_VM, SILENT, DEAD));
    all.addAll(List.of(then));
    return all.toArray(HaEvent[]::new);
  }

  @Test
  void noEventMentionsTheVm() {
    VmExplainer.Explanation x = explain(OTHER_VM, DEAD);
    assertEquals("no event mentions web1: vmha never protected it (a VM that is not protected is never restarted and"
        + " leaves no history), or its events were compacted", x.verdict());
    assertEquals(List.of(), x.cited());
  }

  @Test
  void protectedAndRunning() {
    VmExplainer.Explanation x = explain(PROTECTED, OTHER_VM);
    assertEquals("web1 runs at host3: protected when powered on there at 03:12:00.000.", x.verdict());
    assertEquals(List.of(PROTECTED), x.cited());
  }

  @Test
  void migratedAwayFromAHostEnteringMaintenance() {
    HaEvent migrated = new HaEvent.VmMigrated(t(20), M, "web1", "host3", "host2", "host host3 enters maintenance");
    VmExplainer.Explanation x = explain(PROTECTED, OTHER_VM, migrated);
    assertEquals("web1 runs at host2: migrated there from host3 at 03:12:20.000 (host host3 enters maintenance).",
        x.verdict());
    assertEquals(List.of(migrated), x.cited());
  }

  @Test
  void restartedAfterItsHostDied() {
    VmExplainer.Explanation x = explain(afterCrash(PLANNED, READY, ATTEMPTED, RESTARTED));
    assertEquals("web1 runs at host2: restarted there at 03:12:15.000 after host3 was declared DEAD at 03:12:12.000:"
        + " no net heartbeat 12 s, ping silent.", x.verdict());
    assertEquals(List.of(PROTECTED, DEAD, PLANNED, READY, ATTEMPTED, RESTARTED), x.cited());
    assertEquals(List.of(x.verdict(),
            "  ---- 2025-03-01 (Z) ----",
            "  03:12:00.000 host1    web1 protected, running at host3",
            "  03:12:12.000 host1    host3 declared DEAD: no net heartbeat 12 s, ping silent",
            "  03:12:13.000 host1    web1 (was on host3) to restart at host2: host host3 is dead; priority medium"
                + " order 0: host2 has the most free memory (8192 MB)",
            "  03:12:13.000 host1    web1 ready: resources allocated at host2",
            "  03:12:14.000 host1    web1 power-on at host2, attempt 1",
            "  03:12:15.000 host1    web1 running at host2"),
        x.lines(ZoneOffset.UTC));
  }

  @Test
  void notProtectedRestartPriorityDisabled() {
    HaEvent skipped = new HaEvent.VmNotRestarted(t(13), M, "web1", "restart priority disabled: not protected");
    VmExplainer.Explanation x = explain(afterCrash(skipped));
    assertEquals("web1 is not running and was given up at 03:12:13.000: restart priority disabled: not protected."
        + " It ran at host3 (protected at 03:12:00.000); host3 was declared DEAD at 03:12:12.000: no net"
        + " heartbeat 12 s, ping silent.", x.verdict());
    assertEquals(List.of(PROTECTED, DEAD, skipped), x.cited());
  }

  @Test
  void bestEffortWithoutRoom() {
    HaEvent skipped = new HaEvent.VmNotRestarted(t(13), M, "web1", "best-effort, tried once: no live host has room:"
        + " needs 4096 MB; the most free memory left is 1024 MB (host2); no VM of this plan took room before it");
    VmExplainer.Explanation x = explain(afterCrash(skipped));
    assertTrue(x.verdict().startsWith("web1 is not running and was given up at 03:12:13.000: best-effort, tried once:"
        + " no live host has room"), x.verdict());
    assertTrue(x.cited().contains(skipped));
  }

  @Test
  void noCapacityAndWhoTookIt() {
    HaEvent db1 = new HaEvent.VmRestartPlanned(t(13), M, "db1", "host3", "host2", "host host3 is dead; ...");
    HaEvent waits = new HaEvent.VmAwaitingCapacity(t(13), M, "web1", "host host3 is dead; no live host has room:"
        + " needs 4096 MB; the most free memory left is 1024 MB (host2); placed before it by this plan: db1;"
        + " retried when capacity appears");
    VmExplainer.Explanation x = explain(afterCrash(db1, waits));
    assertEquals("web1 is not running: no live host has room for it (waiting since 03:12:13.000): host host3 is dead;"
        + " no live host has room: needs 4096 MB; the most free memory left is 1024 MB (host2); placed before it by"
        + " this plan: db1; retried when capacity appears. It ran at host3 (protected at 03:12:00.000); host3 was"
        + " declared DEAD at 03:12:12.000: no net heartbeat 12 s, ping silent.", x.verdict());
    assertEquals(List.of(PROTECTED, DEAD, waits), x.cited());
  }

  private static String waiting(String kind, String reason) {
    return explain(afterCrash(new HaEvent.VmRestartWaiting(t(13), M, "web1", WaitReason.of(kind).orElseThrow(), reason))).verdict();
  }

  @Test
  void dependencyNotReady() {
    assertTrue(waiting("dependency", "waits for db1 (starting, not ready yet) to be ready").startsWith(
        "web1 is not running: a VM it depends on is not ready (waiting since 03:12:13.000): waits for db1 (starting,"
            + " not ready yet) to be ready. It ran at host3"));
  }

  @Test
  void earlierGroupNotReady() {
    assertTrue(waiting("earlier-group", "start group medium order 0 waits until the earlier groups are ready: high"
        + " order 0: db1 (starting)").startsWith("web1 is not running: VMs of an earlier start group are not ready yet"
        + " (waiting since 03:12:13.000): start group medium order 0 waits"));
  }

  @Test
  void noStartSlot() {
    assertTrue(waiting("no-start-slot", "fits by memory on host2 but none has a free start slot").startsWith(
        "web1 is not running: every host with room has all its start slots in use"));
  }

  @Test
  void leaseStillHeldByAnotherHost() {
    assertTrue(waiting("lease", "its lease is held by host3 (renewed 400 ms ago; ...): it may still run there")
        .startsWith("web1 is not running: its lease is still held by another host, which may still run it (waiting"
            + " since 03:12:13.000): its lease is held by host3"));
  }

  @Test
  void listNotOnTheMastersDisk() {
    assertTrue(waiting("list-not-stored", "the protected list v7 that records its restart could not be written to"
        + " this host's disk: cannot write /var/lib/vmha/protected-list: java.io.IOException: No space left on device;"
        + " its power-on waits until it is").startsWith("web1 is not running: the master could not write the"
        + " protected list recording its restart to its host's disk (no heartbeat datastores) (waiting since"
        + " 03:12:13.000): the protected list v7 that records its restart could not be written to this host's disk:"
        + " cannot write /var/lib/vmha/protected-list: java.io.IOException: No space left on device"));
  }

  @Test
  void masterWithoutTheListLock() {
    assertTrue(waiting("list-lock", "this master holds no datastore's protected-list lock").startsWith(
        "web1 is not running: the master holds no protected-list lock: the cluster is partitioned and the other"
            + " side's master owns the list"));
  }

  @Test
  void unansweredPowerOn() {
    assertTrue(waiting("unknown", "host2 did not answer its power-on: it may run web1").startsWith(
        "web1 is not running: a host that may run it has not reported since"));
  }

  @Test
  void retryScheduled() {
    HaEvent failed = new HaEvent.VmRestartFailed(t(14), M, "web1", "host2", "no answer");
    HaEvent retry = new HaEvent.VmRestartRetryScheduled(t(14), M, "web1", 1, Duration.ofMinutes(2), "no answer");
    VmExplainer.Explanation x = explain(afterCrash(PLANNED, ATTEMPTED, failed, retry));
    assertTrue(x.verdict().startsWith("web1 is not running: restart attempt 1 failed at 03:12:14.000 (no answer); the"
        + " next attempt is due at 03:14:14.000."), x.verdict());
    assertEquals(List.of(PROTECTED, DEAD, PLANNED, ATTEMPTED, failed, retry), x.cited());
  }

  @Test
  void retriesExhausted() {
    HaEvent failed = new HaEvent.VmRestartFailed(t(14), M, "web1", "host2", "refused: no room");
    HaEvent retry = new HaEvent.VmRestartRetryScheduled(t(14), M, "web1", 1, Duration.ofMinutes(2), "refused");
    HaEvent again = new HaEvent.VmRestartPlanned(t(134), M, "web1", "host3", "host2", "retry after refused; ...");
    HaEvent failedAgain = new HaEvent.VmRestartFailed(t(135), M, "web1", "host2", "refused: no room");
    HaEvent givenUp = new HaEvent.VmNotRestarted(t(135), M, "web1", "all 2 attempts failed"
        + " (das.maxvmrestartcount = 2); the last: refused: no room");
    VmExplainer.Explanation x = explain(afterCrash(PLANNED, ATTEMPTED, failed, retry, again, failedAgain, givenUp));
    assertTrue(x.verdict().startsWith("web1 is not running and was given up at 03:14:15.000 (retries exhausted): all 2"
        + " attempts failed (das.maxvmrestartcount = 2); the last: refused: no room. It ran at host3"), x.verdict());
    assertEquals(List.of(PROTECTED, DEAD, PLANNED, ATTEMPTED, failed, retry, again, failedAgain, givenUp), x.cited());
  }

  @Test
  void beingRestarted() {
    assertTrue(explain(afterCrash(PLANNED)).verdict().startsWith("web1 is being restarted at host2 (planned at"
        + " 03:12:13.000); no outcome is recorded yet."));
    assertTrue(explain(afterCrash(PLANNED, READY, ATTEMPTED)).verdict().startsWith("web1 is being restarted:"
        + " power-on at host2, attempt 1 at 03:12:14.000; no outcome is recorded yet."));
  }

  @Test
  void partitionNothingToDo() {
    HaEvent partitioned = judged(12, "host3", Verdict.PARTITIONED, "no net heartbeat 12 s, ping silent, datastore ds1"
        + " hb 1 s old: the host runs in another partition");
    VmExplainer.Explanation x = explain(PROTECTED, OTHER_VM, SILENT, partitioned);
    assertEquals("web1 was last known running at host3 (protected when powered on there at 03:12:00.000); host3 was"
        + " declared PARTITIONED at 03:12:12.000: it runs in another partition, so nothing was restarted (partition:"
        + " nothing to do).", x.verdict());
    assertEquals(List.of(PROTECTED, partitioned), x.cited());
  }

  @Test
  void onlyTheAgentIsUnreachable() {
    HaEvent unreachable = judged(12, "host3", Verdict.AGENT_UNREACHABLE, "but its management address answers ping");
    assertTrue(explain(PROTECTED, unreachable).verdict().endsWith("only its agent is unreachable, the host runs, so"
        + " web1 keeps running there and nothing was restarted."));
  }

  @Test
  void hostBackAliveAfterAPartition() {
    HaEvent partitioned = judged(12, "host3", Verdict.PARTITIONED, "another partition");
    HaEvent alive = judged(30, "host3", Verdict.ALIVE, "network heartbeat resumed");
    VmExplainer.Explanation x = explain(PROTECTED, partitioned, alive);
    assertEquals("web1 runs at host3: protected when powered on there at 03:12:00.000; host3 is ALIVE again since"
        + " 03:12:30.000.", x.verdict());
    assertEquals(List.of(PROTECTED, partitioned, alive), x.cited());
  }

  @Test
  void restartedThenItsNewHostPartitioned() {
    HaEvent partitioned = judged(40, "host2", Verdict.PARTITIONED, "another partition");
    VmExplainer.Explanation x = explain(afterCrash(PLANNED, ATTEMPTED, RESTARTED, partitioned));
    assertTrue(x.verdict().startsWith("web1 was last known running at host2 (restarted there at 03:12:15.000 after"
        + " host3 was declared DEAD at 03:12:12.000: no net heartbeat 12 s, ping silent); host2 was declared"
        + " PARTITIONED at 03:12:40.000"), x.verdict());
    assertEquals(List.of(PROTECTED, DEAD, PLANNED, ATTEMPTED, RESTARTED, partitioned), x.cited());
  }

  @Test
  void deadHostWithoutARecordedRestart() {
    assertTrue(explain(PROTECTED, DEAD).verdict().endsWith("host3 was declared DEAD at 03:12:12.000, but no restart"
        + " decision about web1 is recorded since (is the history of every host that was master read? --config once"
        + " per host)."));
  }

  @Test
  void isolatedHostKeptItByItsResponse() {
    HaEvent kept = new HaEvent.IsolationResponseApplied(t(11), "host3", List.of(), List.of("web1"), List.of(),
        IsolationResponse.LEAVE_POWERED_ON, Map.of());
    HaEvent isolated = judged(14, "host3", Verdict.ISOLATED, "power-on file says isolated");
    VmExplainer.Explanation x = explain(PROTECTED, kept, isolated);
    assertEquals("web1 keeps running at host3, which declared itself isolated: its isolation response leave-powered-on"
        + " left it powered on at 03:12:11.000, so the master does not restart it (vmha.isolation.response). It ran at"
        + " host3 (protected at 03:12:00.000); host3 was declared ISOLATED at 03:12:14.000: power-on file says"
        + " isolated.", x.verdict());
    assertEquals(List.of(PROTECTED, kept, isolated), x.cited());
  }

  @Test
  void isolatedHostFailedToStopIt() {
    HaEvent kept = new HaEvent.IsolationResponseApplied(t(11), "host3", List.of(), List.of("web1"),
        List.of("web1: hypervisor refused"), IsolationResponse.LEAVE_POWERED_ON, Map.of("web1",
        IsolationResponse.POWER_OFF));
    assertTrue(explain(PROTECTED, kept).verdict().startsWith("web1 keeps running at host3, which declared itself"
        + " isolated at 03:12:11.000: its isolation response power-off did not stop it ([web1: hypervisor refused])"));
  }

  @Test
  void isolatedHostStoppedItAndItWasRestarted() {
    HaEvent stopped = new HaEvent.IsolationResponseApplied(t(11), "host3", List.of("web1"), List.of(), List.of(),
        IsolationResponse.POWER_OFF, Map.of());
    HaEvent isolated = judged(12, "host3", Verdict.ISOLATED, "power-on file says isolated");
    HaEvent planned = new HaEvent.VmRestartPlanned(t(13), M, "web1", "host3", "host2",
        "host host3 is isolated and powered these VMs off; ...");
    VmExplainer.Explanation x = explain(PROTECTED, stopped, isolated, planned, RESTARTED);
    assertEquals("web1 runs at host2: restarted there at 03:12:15.000 after host3 was declared ISOLATED at"
        + " 03:12:12.000: power-on file says isolated.", x.verdict());
    assertEquals(List.of(PROTECTED, stopped, isolated, planned, RESTARTED), x.cited());
    assertTrue(explain(PROTECTED, stopped).verdict().startsWith("web1 was powered off at 03:12:11.000 by the isolation"
        + " response of host3; no restart decision is recorded since"));
  }

  @Test
  void operatorPoweredItOff() {
    HaEvent off = new HaEvent.VmPoweredOff(t(20), M, "web1", "host3");
    VmExplainer.Explanation x = explain(PROTECTED, off);
    assertEquals("web1 is off: an operator powered it off at host3 at 03:12:20.000; it is no longer protected, so it"
        + " is not restarted. It ran at host3 (protected at 03:12:00.000).", x.verdict());
    assertEquals(List.of(PROTECTED, off), x.cited());
  }

  @Test
  void stoppedInItsGuestLeaseFencedOrSelfFenced() {
    assertTrue(explain(PROTECTED, new HaEvent.VmStoppedInGuest(t(5), "host3", "web1")).verdict().startsWith(
        "web1 stopped inside its guest at host3 at 03:12:05.000; no restart decision is recorded since."));
    assertTrue(explain(PROTECTED, new HaEvent.VmLeaseFenced(t(5), "host3", "web1", "lease not renewed for 10 s"))
        .verdict().startsWith("web1 was powered off at host3 at 03:12:05.000 because that host lost its lease (lease"
            + " not renewed for 10 s)"));
    assertTrue(explain(PROTECTED, new HaEvent.HostSelfFenced(t(5), "host3", "no datastore", List.of("web1")))
        .verdict().startsWith("web1 was powered off at 03:12:05.000 by host3, which fenced itself (no datastore)"));
    assertTrue(explain(PROTECTED, new HaEvent.WatchdogFired(t(5), "host3", dev.vmha.config.WatchdogSettings.Type.PROCESS,
        List.of("web1"), "not petted for 5000 ms")).verdict().startsWith("web1 was killed at 03:12:05.000 by the"
            + " watchdog of host3, whose agent had stopped petting it (not petted for 5000 ms)"));
  }

  @Test
  void guestStopThenRestartedNamesTheStopInTheCitedEvents() {
    HaEvent guest = new HaEvent.VmStoppedInGuest(t(5), "host3", "web1");
    HaEvent planned = new HaEvent.VmRestartPlanned(t(6), M, "web1", "host3", "host2", "at host3, stopped in guest");
    VmExplainer.Explanation x = explain(PROTECTED, guest, planned, RESTARTED);
    assertEquals("web1 runs at host2: restarted there at 03:12:15.000.", x.verdict());
    assertEquals(List.of(PROTECTED, guest, planned, RESTARTED), x.cited());
  }
}
