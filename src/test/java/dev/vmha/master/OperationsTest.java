package dev.vmha.master;

import static dev.vmha.master.MasterScript.VM1;
import static dev.vmha.master.MasterScript.VM2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Verdict;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An operator's changes to HA itself (issue 22: {@link Operations}), as input scripts on {@link MasterMachine}: HA
 * enabled and disabled for the cluster and per host, and the retry of a given-up VM. Each is stored in the protected
 * list before it counts, refused with nothing changed when it cannot be, and recorded with who asked.
 */
class OperationsTest {
  private final MasterScript m = new MasterScript();

  private static Operation.SwitchHa cluster(boolean enable) {
    return new Operation.SwitchHa(Optional.empty(), enable, "ops-token");
  }

  private static Operation.SwitchHa host(String host, boolean enable) {
    return new Operation.SwitchHa(Optional.of(host), enable, "ops-token");
  }

  /** host2 crashes: both heartbeats stop; ticks (pings unanswered once due) until it is judged DEAD. */
  private static void host2Crashes(MasterScript s) {
    s.host2NetBeating = false;
    s.host2DatastoreBeating = false;
    s.mark();
    for (int i = 0; i < 40; i++) {
      s.tick();
      s.expirePings();
      if (!s.events(HaEvent.HostJudged.class).isEmpty()) {
        assertEquals(Verdict.DEAD, s.only(HaEvent.HostJudged.class).verdict());
        return;
      }
    }
    throw new AssertionError("host2 not judged: " + s.since());
  }

  private void ok(RequestId id) {
    assertTrue(m.reply(id).ok(), m.reply(id).message());
  }

  // ---- HA enabled / disabled

  @Test
  void withClusterHaDisabledADeadHostsVmsWaitAndEnablingItRestartsThem() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    RequestId off = m.operate(cluster(false));
    ok(off);
    HaEvent.ClusterHaSwitched switched = m.only(HaEvent.ClusterHaSwitched.class);
    assertFalse(switched.enabled());
    assertEquals("ops-token", switched.askedBy());
    assertFalse(m.stored.orElseThrow().ha().clusterEnabled(), "stored in the list on the datastore");
    assertFalse(m.status().ha().clusterEnabled(), "status says so");

    host2Crashes(m);
    for (int t = 0; t < 5; t++) m.tick();
    assertTrue(m.starts.isEmpty(), "no failover while HA is disabled");
    assertTrue(m.events(HaEvent.VmRestartWaiting.class).stream()
        .allMatch(w -> w.kind() == WaitReason.HA_DISABLED), m.since().toString());
    assertEquals(2, m.events(HaEvent.VmRestartWaiting.class).size(), "each VM's wait recorded once");
    assertEquals(List.of(), m.events(HaEvent.VmNotRestarted.class), "held, not given up");

    m.mark();
    ok(m.operate(cluster(true)));
    assertTrue(m.only(HaEvent.ClusterHaSwitched.class).enabled());
    assertEquals(2, m.events(HaEvent.VmRestartPlanned.class).size(), "the held VMs are planned at once");
  }

  @Test
  void aHostWithHaDisabledHasItsVmsHeldWhenItDiesAndTakesNoRestarts() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    ok(m.operate(host("host2", false)));
    assertEquals(List.of("host2"), m.stored.orElseThrow().ha().disabledHosts());
    host2Crashes(m);
    m.tick();
    assertTrue(m.starts.isEmpty());
    HaEvent.VmRestartWaiting w = m.events(HaEvent.VmRestartWaiting.class).get(0);
    assertEquals(WaitReason.HA_DISABLED, w.kind());
    assertTrue(w.reason().contains("host2"), w.reason());

    m.mark();
    ok(m.operate(host("host1", false)));
    ok(m.operate(host("host2", true)));
    assertEquals(List.of("host1", "host2"), m.events(HaEvent.HostHaSwitched.class).stream()
        .map(HaEvent.HostHaSwitched::host).toList());
    assertFalse(m.starts.isEmpty(), "host2's VMs are planned again");
    assertTrue(m.starts.stream().noneMatch(s -> s.hosts().contains("host1")), "host1 takes no restarts: " + m.starts);
  }

  @Test
  void switchingAnUnknownHostIsNotFoundAndAskingForWhatHoldsChangesNothing() {
    m.started();
    m.mark();
    RequestId unknown = m.operate(host("host9", false));
    assertFalse(m.reply(unknown).ok());
    assertTrue(m.reply(unknown).notFound());
    assertTrue(m.reply(unknown).message().contains("host9"), m.reply(unknown).message());
    RequestId again = m.operate(cluster(true));
    ok(again);
    assertTrue(m.reply(again).message().contains("already"), m.reply(again).message());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class), "nothing written");
    assertEquals(List.of(), m.events(HaEvent.ClusterHaSwitched.class), "nothing recorded");
  }

  @Test
  void aSwitchThatCannotBeStoredIsRefusedAndPutBack() {
    m.started();
    m.listWritesSucceed = false;
    m.mark();
    RequestId id = m.operate(cluster(false));
    assertFalse(m.reply(id).ok());
    assertTrue(m.reply(id).message().contains("could not be stored"), m.reply(id).message());
    assertTrue(m.state.protectedList().ha().clusterEnabled(), "put back");
    assertEquals(List.of(), m.events(HaEvent.ClusterHaSwitched.class), "recorded only once stored");
  }

  /** A new master reads HA's switch with the list: it survives a master change. */
  @Test
  void aNewMasterReadingAListWithHaDisabledRestartsNothing() {
    ProtectedList list = new ProtectedList("host9", 7, Map.of("vm1", new ProtectedList.Entry(VM1, "host2",
        VmProtection.defaults(), ProtectedList.Recovery.NONE)), new ProtectedList.HaSwitch(false, List.of()));
    m.stored = Optional.of(list);
    m.host2Running = List.of(VM1);
    m.started();
    assertFalse(m.status().ha().clusterEnabled());
    host2Crashes(m);
    m.tick();
    assertTrue(m.starts.isEmpty());
    assertEquals(WaitReason.HA_DISABLED, m.only(HaEvent.VmRestartWaiting.class).kind());
  }

  @Test
  void haIsSwitchedOnlyByTheListsOwner() {
    m.lockWritesSucceed = false;
    m.started();
    RequestId id = m.operate(cluster(false));
    assertFalse(m.reply(id).ok());
    assertFalse(m.reply(id).notFound());
    assertTrue(m.state.protectedList().ha().clusterEnabled());
  }

  // ---- retry

  @Test
  void aGivenUpVmIsRetriedWithItsAttemptsResetAndRecordedWithWhoAsked() {
    MasterScript s = new MasterScript("das.maxvmrestartcount = 1");
    s.protectOnHost2(VmProtection.defaults(), new VmProtection(RestartPriority.DISABLED, 0,
        VmProtection.defaults().ready(), Duration.ofSeconds(60), List.of()), true);
    host2Crashes(s);
    s.answerStart(false);
    assertTrue(s.stored.orElseThrow().vms().get("vm1").recovery().gaveUp());
    for (int t = 0; t < 3; t++) s.tick();
    assertTrue(s.starts.isEmpty());

    s.mark();
    RequestId id = s.operate(new Operation.Retry("vm1", "ops-token"));
    assertTrue(s.reply(id).ok(), s.reply(id).message());
    HaEvent.VmRetryAsked asked = s.only(HaEvent.VmRetryAsked.class);
    assertEquals("ops-token", asked.askedBy());
    assertEquals(1, asked.failedAttempts());
    assertEquals(ProtectedList.Recovery.NONE, s.stored.orElseThrow().vms().get("vm1").recovery(), "reset first");
    MasterEffect.PersistThenStart again = s.answerStart(true);
    assertEquals("vm1", again.vm().name());
    assertEquals(1, again.attempt(), "attempts counted from zero again");
  }

  @Test
  void aVmWaitingForItsRetryIsTriedAtOnce() {
    MasterScript s = new MasterScript("das.maxvmrestartcount = 5, vmha.restart.retry-base-delay = 600s");
    s.protectOnHost2(VmProtection.defaults(), new VmProtection(RestartPriority.DISABLED, 0,
        VmProtection.defaults().ready(), Duration.ofSeconds(60), List.of()), true);
    host2Crashes(s);
    s.answerStart(false);
    s.tick();
    assertTrue(s.starts.isEmpty(), "its retry waits 600 s");
    RequestId id = s.operate(new Operation.Retry("vm1", "ops-token"));
    assertTrue(s.reply(id).ok(), s.reply(id).message());
    assertEquals(1, s.answerStart(true).attempt());
  }

  @Test
  void retryingAnUnknownVmIsNotFoundAndARunningOneIsRefused() {
    m.protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    m.mark();
    RequestId unknown = m.operate(new Operation.Retry("nosuch", "ops-token"));
    assertTrue(m.reply(unknown).notFound());
    RequestId running = m.operate(new Operation.Retry("vm1", "ops-token"));
    assertFalse(m.reply(running).ok());
    assertFalse(m.reply(running).notFound());
    assertTrue(m.reply(running).message().contains("runs at host2"), m.reply(running).message());
    assertEquals(List.of(), m.effects(MasterEffect.WriteList.class), "nothing written");
    assertEquals(List.of(VM1, VM2).size(), m.state.protectedList().vms().size());
  }
}
