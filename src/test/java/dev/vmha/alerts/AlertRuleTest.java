package dev.vmha.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Verdict;
import dev.vmha.config.IsolationResponse;
import dev.vmha.config.WatchdogSettings;
import dev.vmha.history.HaEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which decisions become alerts, and that a verdict alerts once until the host is judged otherwise. */
class AlertRuleTest {
  private static final Instant T = Instant.parse("2026-12-02T03:12:00Z");

  private static HaEvent judged(String host, Verdict v) {
    return new HaEvent.HostJudged(T, "host1", host, v, "why", null);
  }

  private static Optional<Alert.Kind> kind(AlertRule r, HaEvent e) {
    return r.on(e).map(AlertRule.Raised::kind);
  }

  @Test
  void hostVerdictsAlertOnceUntilTheHostIsJudgedAgain() {
    AlertRule r = new AlertRule();
    assertEquals(Optional.of(Alert.Kind.HOST_PARTITIONED), kind(r, judged("host3", Verdict.PARTITIONED)));
    assertEquals(Optional.empty(), kind(r, judged("host3", Verdict.PARTITIONED)), "said already");
    assertEquals(Optional.empty(), kind(r, judged("host3", Verdict.AGENT_UNREACHABLE)));
    assertEquals(Optional.of(Alert.Kind.HOST_DEAD), kind(r, judged("host3", Verdict.DEAD)));
    assertEquals(Optional.empty(), kind(r, judged("host3", Verdict.DEAD)), "a new master judging it again");
    assertEquals(Optional.empty(), kind(r, judged("host3", Verdict.ALIVE)));
    assertEquals(Optional.of(Alert.Kind.HOST_DEAD), kind(r, judged("host3", Verdict.DEAD)), "after it came back");
    assertEquals(Optional.of(Alert.Kind.HOST_ISOLATED), kind(r, judged("host2", Verdict.ISOLATED)));
  }

  @Test
  void givenUpVmsFencingAndASelfDeclaredIsolationAlert() {
    AlertRule r = new AlertRule();
    AlertRule.Raised given = r.on(new HaEvent.VmNotRestarted(T, "host1", "web1", "retries exhausted")).orElseThrow();
    assertEquals(new AlertRule.Raised(Alert.Kind.VM_GIVEN_UP, Alert.Severity.CRITICAL, "web1",
        "host1: web1 not restarted: retries exhausted"), given);
    assertEquals(Optional.of(Alert.Kind.FENCING), kind(r, new HaEvent.VmLeaseFenced(T, "host2", "db1", "lease lost")));
    AlertRule.Raised fence = r.on(new HaEvent.HostSelfFenced(T, "host2", "no datastore", List.of("db1"))).orElseThrow();
    assertEquals("host2", fence.subject());
    assertEquals(Optional.of(Alert.Kind.FENCING), kind(r, new HaEvent.WatchdogFired(T, "host2",
        WatchdogSettings.Type.PROCESS, List.of("db1"), "not petted")));
    AlertRule.Raised iso = r.on(new HaEvent.IsolationResponseApplied(T, "host4", List.of("app1"), List.of(),
        List.of(), IsolationResponse.POWER_OFF, Map.of())).orElseThrow();
    assertEquals(Alert.Kind.HOST_ISOLATED, iso.kind());
    assertTrue(iso.message().startsWith("host4: isolation response"), iso.message());
  }

  @Test
  void otherDecisionsAreNoAlerts() {
    AlertRule r = new AlertRule();
    assertEquals(Optional.empty(), kind(r, new HaEvent.VmRestarted(T, "host1", "web1", "host2")));
    assertEquals(Optional.empty(), kind(r, new HaEvent.ElectionStarted(T, "host1", "master lost")));
    assertEquals(Optional.empty(), kind(r, judged("host5", Verdict.ALIVE)));
  }

  @Test
  void aHostsEmergencyDisableAlertsAndItsRestoreClearsIt() {
    AlertRule rule = new AlertRule();
    AlertRule.Raised off = rule.on(new HaEvent.HostEnforcementChanged(T, "host2",
        dev.vmha.isolation.Enforcement.SUSPENDED, true, "admin")).orElseThrow();
    assertEquals(Alert.Kind.ENFORCEMENT_SUSPENDED, off.kind());
    assertEquals(Alert.Severity.WARNING, off.severity());
    assertEquals("host2", off.subject());
    AlertRule.Raised on = rule.on(new HaEvent.HostEnforcementChanged(T, "host2", dev.vmha.isolation.Enforcement.ON,
        false, "admin")).orElseThrow();
    assertEquals(Alert.Kind.ENFORCEMENT_RESTORED, on.kind());
    assertEquals(Alert.Severity.INFO, on.severity());
  }

  @Test
  void anOvercommitAlertsOnceAndItsClearingOnce() {
    AlertRule r = new AlertRule();
    HaEvent ok = new HaEvent.CapacityPlanChanged(T, "host1", true, 1, 1, "capacity OK");
    HaEvent over = new HaEvent.CapacityPlanChanged(T, "host1", false, 1, 0, "OVERCOMMITTED");
    assertEquals(Optional.empty(), kind(r, ok), "a plan, as before: nothing to say");
    AlertRule.Raised raised = r.on(over).orElseThrow();
    assertEquals(new AlertRule.Raised(Alert.Kind.OVERCOMMITTED, Alert.Severity.WARNING, "cluster",
        "host1: OVERCOMMITTED"), raised);
    assertEquals(Optional.empty(), kind(r, over), "a new master finding it overcommitted too");
    assertEquals(Optional.of(Alert.Kind.OVERCOMMIT_CLEARED), kind(r, ok));
    assertEquals(Optional.empty(), kind(r, ok));
  }
}
