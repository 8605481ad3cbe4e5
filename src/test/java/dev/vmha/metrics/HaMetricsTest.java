package dev.vmha.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.HaEvent;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.VmState;
import dev.vmha.restart.RestartPriority;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Prometheus text: the names, counters that move with the events, the failover histogram, the gauges. */
class HaMetricsTest {
  private static final Instant T0 = Instant.parse("2026-12-02T03:12:00Z");
  private static final Gauges NOTHING = new Gauges(Optional.empty(), Optional.empty(), Optional.empty());

  /** The value of the one sample whose line starts with {@code series} (name and labels as Prometheus writes them). */
  private static double sample(String text, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
    assertTrue(m.find(), series + " in:\n" + text);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void everyVmhaMetricIsThereFromTheStartWithJvmBasics() {
    String text = new HaMetrics("host1").scrape(NOTHING);
    for (String name : List.of("vmha_restarts_total", "vmha_host_verdicts_total", "vmha_vms_fenced_total",
        "vmha_watchdog_near_misses_total", "vmha_lease_renewals_late_total", "vmha_failover_duration_seconds_bucket",
        "jvm_memory_used_bytes", "jvm_threads_live_threads", "process_uptime_seconds", "jvm_gc_memory_allocated_bytes_total")) {
      assertTrue(text.contains(name), name + " in:\n" + text);
    }
    assertEquals(0, sample(text, "vmha_restarts_total{host=\"host1\",outcome=\"started\"}"));
    assertFalse(text.contains("vmha_role{"), "no role series while the role is unknown");
  }

  @Test
  void countersMoveWithTheEvents() {
    HaMetrics m = new HaMetrics("host1");
    m.accept(new HaEvent.HostJudged(T0, "host1", "host3", Verdict.DEAD, "stale", null));
    m.accept(new HaEvent.VmRestartPlanned(T0.plusSeconds(1), "host1", "web1", "host3", "host2", "room"));
    m.accept(new HaEvent.VmRestartAttempted(T0.plusSeconds(1), "host1", "web1", "host2", 1));
    m.accept(new HaEvent.VmRestarted(T0.plusMillis(4500), "host1", "web1", "host2"));
    m.accept(new HaEvent.VmNotRestarted(T0, "host1", "batch1", "no room"));
    m.accept(new HaEvent.HostSelfFenced(T0, "host1", "no datastore", List.of("a", "b")));
    m.accept(new HaEvent.VmLeaseFenced(T0, "host1", "c", "lease lost"));
    m.accept(new HaEvent.WatchdogNearMiss(T0, "host1", Duration.ofSeconds(3), Duration.ofSeconds(5)));
    m.accept(new HaEvent.LeaseRenewalLate(T0, "host1", "c", Duration.ofSeconds(5), Duration.ofSeconds(10)));
    String text = m.scrape(NOTHING);
    assertEquals(1, sample(text, "vmha_restarts_total{host=\"host1\",outcome=\"started\"}"));
    assertEquals(1, sample(text, "vmha_restarts_total{host=\"host1\",outcome=\"given-up\"}"));
    assertEquals(0, sample(text, "vmha_restarts_total{host=\"host1\",outcome=\"failed\"}"));
    assertEquals(1, sample(text, "vmha_restart_attempts_total{host=\"host1\"}"));
    assertEquals(1, sample(text, "vmha_host_verdicts_total{host=\"host1\",verdict=\"DEAD\"}"));
    assertEquals(2, sample(text, "vmha_vms_fenced_total{cause=\"host-fence\",host=\"host1\"}"));
    assertEquals(1, sample(text, "vmha_vms_fenced_total{cause=\"lease\",host=\"host1\"}"));
    assertEquals(1, sample(text, "vmha_watchdog_near_misses_total{host=\"host1\"}"));
    assertEquals(1, sample(text, "vmha_lease_renewals_late_total{host=\"host1\"}"));
    assertEquals(1, sample(text, "vmha_events_total{host=\"host1\",type=\"VmRestarted\"}"));
    // 4.5 s from the verdict to web1 running: in the 5 s bucket, not in the 2 s one
    assertEquals(1, sample(text, "vmha_failover_duration_seconds_count{host=\"host1\"}"));
    assertEquals(4.5, sample(text, "vmha_failover_duration_seconds_sum{host=\"host1\"}"));
    assertEquals(0, sample(text, "vmha_failover_duration_seconds_bucket{host=\"host1\",le=\"2.0\"}"));
    assertEquals(1, sample(text, "vmha_failover_duration_seconds_bucket{host=\"host1\",le=\"5.0\"}"));
  }

  @Test
  void gaugesShowWhatTheAgentKnowsNow() {
    HaMetrics m = new HaMetrics("host1");
    DatastoreView view = DatastoreView.initial(List.of("ds1", "ds2"))
        .next(Duration.ofSeconds(1), Map.of("ds1", scan(Map.of("host2", 1L, "host3", 7L))))
        .next(Duration.ofSeconds(3), Map.of("ds1", scan(Map.of("host2", 2L, "host3", 7L))));
    ClusterStatus cluster = new ClusterStatus("host1", "host1", List.of(
        host("host2", Verdict.ALIVE, 800), host("host3", Verdict.DEAD, 12_000), host("host4", Verdict.DEAD, 11_000)),
        List.of(new ClusterStatus.VmStatus("web1", 512, 1, "host2", new VmState.Running("host2"), dev.vmha.restart.VmProtection.defaults(), "", 0),
            new ClusterStatus.VmStatus("db1", 512, 1, "host3", new VmState.Fenced("host3", "lease lost"), dev.vmha.restart.VmProtection.defaults(), "", 0)),
        List.of(), "host1", 0, java.util.Optional.empty());
    String text = m.scrape(new Gauges(Optional.of(dev.vmha.election.Role.MASTER), Optional.of(cluster), Optional.of(view)));
    assertEquals(1, sample(text, "vmha_role{host=\"host1\",role=\"MASTER\"}"));
    assertEquals(0, sample(text, "vmha_role{host=\"host1\",role=\"SLAVE\"}"));
    assertEquals(2, sample(text, "vmha_hosts{host=\"host1\",verdict=\"DEAD\"}"));
    assertEquals(0, sample(text, "vmha_hosts{host=\"host1\",verdict=\"ISOLATED\"}"));
    assertEquals(12, sample(text, "vmha_host_network_heartbeat_age_seconds{host=\"host1\",peer=\"host3\"}"));
    assertEquals(1, sample(text, "vmha_vms{host=\"host1\",state=\"fenced\"}"));
    assertEquals(0, sample(text,
        "vmha_host_datastore_heartbeat_age_seconds{datastore=\"ds1\",host=\"host1\",peer=\"host2\"}"));
    assertEquals(3, sample(text,
        "vmha_host_datastore_heartbeat_age_seconds{datastore=\"ds1\",host=\"host1\",peer=\"host3\"}"));
    assertEquals(0, sample(text, "vmha_datastore_accessible{datastore=\"ds2\",host=\"host1\"}"));
    // as a slave after a master change: the master's view is gone, not shown stale
    String slave = m.scrape(new Gauges(Optional.of(dev.vmha.election.Role.SLAVE), Optional.empty(), Optional.of(view)));
    assertEquals(1, sample(slave, "vmha_role{host=\"host1\",role=\"SLAVE\"}"));
    assertFalse(slave.contains("vmha_hosts{"), slave);
    assertFalse(slave.contains("vmha_host_network_heartbeat_age_seconds{"), slave);
    assertTrue(slave.contains("vmha_host_datastore_heartbeat_age_seconds{"), slave);
  }

  @Test
  void theWebhooksOutcomesAreCounted() {
    HaMetrics m = new HaMetrics("host1");
    try (dev.vmha.alerts.AlertWebhook w = new dev.vmha.alerts.AlertWebhook(new dev.vmha.config.AlertSettings(10,
        Optional.of(java.net.URI.create("http://127.0.0.1:9/hook")), Duration.ofSeconds(1), 0, Duration.ofSeconds(1),
        10, Optional.empty()))) {
      m.webhook(w);
      String text = m.scrape(NOTHING);
      for (String outcome : List.of("delivered", "failed", "dropped")) {
        assertEquals(0, sample(text, "vmha_alerts_webhook_total{host=\"host1\",outcome=\"" + outcome + "\"}"));
      }
    }
  }

  private static DatastoreScan scan(Map<String, Long> counters) {
    Map<String, HostHeartbeat> hb = new java.util.HashMap<>();
    counters.forEach((h, c) -> hb.put(h, new HostHeartbeat(h, c, T0)));
    return new DatastoreScan("ds1", hb, Map.of(), Map.of(), null, Map.of());
  }

  private static ClusterStatus.HostStatus host(String id, Verdict v, long silenceMs) {
    return new ClusterStatus.HostStatus(id, ClusterStatus.Seat.SLAVE, v, "", Reachability.REACHABLE, silenceMs, "127.0.0.1", 0, 1024, 512,
        List.of(), java.time.Instant.EPOCH, 0, java.util.Map.of());
  }
}
