package dev.vmha.metrics;

import dev.vmha.classify.Verdict;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.HaEvent;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.VmState;
import dev.vmha.alerts.AlertWebhook;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The agent's Prometheus metrics (GET /metrics). Counters and the failover histogram come from the event stream
 * alone, through {@link #accept} (one listener on the EventLog), so the decision code carries no metrics calls;
 * gauges are set from {@link Gauges} read at each scrape. One per process: counters survive the agent's restarts of
 * its actor system. Thread-safe.
 */
public final class HaMetrics implements Consumer<HaEvent> {
  /** Failover durations (host declared DEAD/ISOLATED → VM running again) cluster around these bounds. */
  private static final Duration[] FAILOVER_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(2),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30),
      Duration.ofSeconds(60), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(15)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final FailoverClock failovers = new FailoverClock();
  private final Timer failoverDuration;
  private final MultiGauge role;
  private final MultiGauge hosts;
  private final MultiGauge networkAge;
  private final MultiGauge datastoreAge;
  private final MultiGauge datastoreAccessible;
  private final MultiGauge vms;

  public HaMetrics(String hostId) {
    registry.config().commonTags("host", hostId);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    failoverDuration = Timer.builder("vmha.failover.duration")
        .description("from a host declared DEAD or ISOLATED to each of its VMs running again elsewhere")
        .serviceLevelObjectives(FAILOVER_BUCKETS)
        .register(registry);
    role = MultiGauge.builder("vmha.role").description("1 for this agent's current role, 0 for the others")
        .register(registry);
    hosts = MultiGauge.builder("vmha.hosts").description("hosts by the master's verdict (on the master only)")
        .register(registry);
    networkAge = MultiGauge.builder("vmha.host.network.heartbeat.age").baseUnit("seconds")
        .description("time since the master last heard the host's network heartbeat (on the master only)")
        .register(registry);
    datastoreAge = MultiGauge.builder("vmha.host.datastore.heartbeat.age").baseUnit("seconds")
        .description("time the host's datastore heartbeat has not moved, as this agent reads the datastore")
        .register(registry);
    datastoreAccessible = MultiGauge.builder("vmha.datastore.accessible")
        .description("1 when this agent's last round on the datastore succeeded").register(registry);
    vms = MultiGauge.builder("vmha.vms").description("protected VMs by state (on the master only)").register(registry);
    // every counter exists from the start at 0, so a rate() over a fresh agent is 0, not absent
    for (String outcome : List.of("started", "failed", "given-up")) restarts(outcome);
    for (Verdict v : Verdict.values()) verdicts(v);
    for (String cause : List.of("lease", "host-fence", "watchdog", "isolation-response")) fenced(cause);
    nearMisses();
    lateRenewals();
  }

  /** Counts what the event says; called on the deciding thread, so it only increments. */
  @Override
  public void accept(HaEvent e) {
    registry.counter("vmha.events", "type", e.getClass().getSimpleName()).increment();
    failovers.on(e).ifPresent(failoverDuration::record);
    if (e instanceof HaEvent.VmRestarted) {
      restarts("started").increment();
    } else if (e instanceof HaEvent.VmRestartFailed) {
      restarts("failed").increment();
    } else if (e instanceof HaEvent.VmNotRestarted) {
      restarts("given-up").increment();
    } else if (e instanceof HaEvent.VmRestartAttempted) {
      registry.counter("vmha.restart.attempts").increment();
    } else if (e instanceof HaEvent.HostJudged j) {
      verdicts(j.verdict()).increment();
    } else if (e instanceof HaEvent.VmLeaseFenced) {
      fenced("lease").increment();
    } else if (e instanceof HaEvent.HostSelfFenced f) {
      fenced("host-fence").increment(f.stopped().size());
    } else if (e instanceof HaEvent.WatchdogFired f) {
      fenced("watchdog").increment(f.stopped().size());
    } else if (e instanceof HaEvent.IsolationResponseApplied a) {
      fenced("isolation-response").increment(a.stopped().size());
    } else if (e instanceof HaEvent.WatchdogNearMiss) {
      nearMisses().increment();
    } else if (e instanceof HaEvent.LeaseRenewalLate) {
      lateRenewals().increment();
    }
  }

  private Counter restarts(String outcome) {
    return Counter.builder("vmha.restarts").description("VM restarts by outcome: started, failed (an attempt),"
        + " given-up").tag("outcome", outcome).register(registry);
  }

  private Counter verdicts(Verdict v) {
    return Counter.builder("vmha.host.verdicts").description("verdicts on hosts this agent took as master")
        .tag("verdict", v.name()).register(registry);
  }

  private Counter fenced(String cause) {
    return Counter.builder("vmha.vms.fenced").description("VMs powered off on this host for safety, by cause")
        .tag("cause", cause).register(registry);
  }

  private Counter nearMisses() {
    return Counter.builder("vmha.watchdog.near.misses")
        .description("pets later than half the watchdog's timeout").register(registry);
  }

  private Counter lateRenewals() {
    return Counter.builder("vmha.lease.renewals.late")
        .description("leases of this host that went unrenewed for half their fence deadline").register(registry);
  }

  /** Counts the webhook's deliveries by outcome: delivered, failed (given up after every retry), dropped (queue full). */
  public void webhook(AlertWebhook w) {
    FunctionCounter.builder("vmha.alerts.webhook", w, AlertWebhook::delivered).tag("outcome", "delivered")
        .description("alerts posted to vmha.alerts.webhook.url, by outcome").register(registry);
    FunctionCounter.builder("vmha.alerts.webhook", w, AlertWebhook::failed).tag("outcome", "failed")
        .description("alerts posted to vmha.alerts.webhook.url, by outcome").register(registry);
    FunctionCounter.builder("vmha.alerts.webhook", w, AlertWebhook::dropped).tag("outcome", "dropped")
        .description("alerts posted to vmha.alerts.webhook.url, by outcome").register(registry);
  }

  /** The Prometheus text of every meter, the gauges set from {@code g} first. */
  public synchronized String scrape(Gauges g) {
    update(g);
    return registry.scrape();
  }

  /** Sets every gauge from what the agent knows now; a part that is unknown is shown as no series at all. */
  private void update(Gauges g) {
    List<MultiGauge.Row<?>> roles = new ArrayList<>();
    g.role().ifPresent(r -> {
      for (dev.vmha.election.Role each : dev.vmha.election.Role.values()) {
        roles.add(MultiGauge.Row.of(Tags.of("role", each.name()), each == r ? 1 : 0));
      }
    });
    role.register(roles, true);
    Map<String, Integer> byVerdict = new TreeMap<>();
    List<MultiGauge.Row<?>> silence = new ArrayList<>();
    Map<String, Integer> byState = new TreeMap<>();
    g.cluster().ifPresent(c -> {
      for (Verdict v : Verdict.values()) byVerdict.put(v.name(), 0);
      for (ClusterStatus.HostStatus h : c.hosts()) {
        byVerdict.merge(h.verdict().name(), 1, Integer::sum);
        silence.add(MultiGauge.Row.of(Tags.of("peer", h.id()), h.silenceMs() / 1000.0));
      }
      for (ClusterStatus.VmStatus v : c.vms()) byState.merge(kind(v), 1, Integer::sum);
    });
    hosts.register(rows("verdict", byVerdict), true);
    networkAge.register(silence, true);
    vms.register(rows("state", byState), true);
    List<MultiGauge.Row<?>> ages = new ArrayList<>();
    List<MultiGauge.Row<?>> accessible = new ArrayList<>();
    g.view().ifPresent(v -> {
      for (String peer : new java.util.TreeSet<>(v.knownHosts())) {
        v.heartbeatAges(peer).forEach((ds, age) ->
            ages.add(MultiGauge.Row.of(Tags.of("peer", peer, "datastore", ds), age.toMillis() / 1000.0)));
      }
      v.accessible().forEach((ds, ok) -> accessible.add(MultiGauge.Row.of(Tags.of("datastore", ds), ok ? 1 : 0)));
    });
    datastoreAge.register(ages, true);
    datastoreAccessible.register(accessible, true);
  }

  /** The state's JSON kind ({@code running}, {@code fenced}, ...), as GET /api/v1/status names it. */
  private static String kind(ClusterStatus.VmStatus v) {
    return v.state() == null ? "none" : VmState.kind(v.state());
  }

  private static List<MultiGauge.Row<?>> rows(String tag, Map<String, Integer> counts) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach((k, n) -> rows.add(MultiGauge.Row.of(Tags.of(tag, k), n)));
    return rows;
  }
}
