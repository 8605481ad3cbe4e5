package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.vmha.alerts.Alerts;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.metrics.GaugeReader;
import dev.vmha.metrics.HaMetrics;
import dev.vmha.timing.TimingRules;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /metrics (read token), /health and /ready (no token), /api/alerts (read token), served as the agent wires them. */
class HttpApiMetricsTest {
  @TempDir Path dir;
  private final ActorTestKit kit = ActorTestKit.create("HttpApiMetricsTest", ConfigFactory.load("application-test"));
  private final HttpClient http = HttpClient.newHttpClient();
  /** The API's bound on a request; a loaded machine takes seconds for a first scrape. */
  private static final Duration TIMEOUT = Duration.ofMillis((long) (10_000
      * Double.parseDouble(System.getProperty("pekko.test.timefactor", "1.0"))));
  private final EventLog events = EventLog.inMemory();
  /** What the stub election FSM answers. */
  private final AtomicReference<dev.vmha.election.Role> role = new AtomicReference<>(dev.vmha.election.Role.UNINITIALIZED);
  /** Whether the stub coordinator answers at all (a master busy or stuck does not). */
  private final java.util.concurrent.atomic.AtomicBoolean coordinatorAnswers = new java.util.concurrent.atomic
      .AtomicBoolean(true);
  private ApiTesting.Tokens tokens;
  private ServerBinding binding;

  @BeforeEach
  void start() throws Exception {
    HaSettings s = ApiTesting.settings();
    ActorRef<MasterCoordinator.Command> coordinator = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof MasterCoordinator.GetStatus g && coordinatorAnswers.get()) {
        g.replyTo().tell(new ClusterStatus("host1", "host1", List.of(new ClusterStatus.HostStatus("host2",
            ClusterStatus.Seat.SLAVE, dev.vmha.classify.Verdict.DEAD, "stale",
            dev.vmha.classify.Reachability.UNREACHABLE, 12_000, "127.0.0.1", 0, 1024, 1024, List.of(), java.time.Instant.EPOCH, 0, java.util.Map.of())), List.of(), List.of(), "host1", 0, java.util.Optional.empty()));
      }
      return Behaviors.same();
    }));
    ActorRef<ElectionFsm.Command> election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) {
        dev.vmha.election.Role r = role.get();
        boolean master = r == dev.vmha.election.Role.MASTER;
        g.replyTo().tell(new ElectionFsm.RoleInfo("host1", r, master ? Optional.of("host1") : Optional.empty(),
            master ? Optional.of(coordinator) : Optional.empty(), OptionalLong.empty()));
      }
      return Behaviors.same();
    }));
    ActorRef<DatastoreHeartbeat.Command> datastore = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof DatastoreHeartbeat.GetView g) g.replyTo().tell(DatastoreView.initial(List.of("ds1")));
      return Behaviors.same();
    }));
    HaMetrics metrics = new HaMetrics("host1");
    Alerts alerts = new Alerts(s.alerts(), Optional.empty());
    events.subscribe(metrics);
    events.subscribe(alerts);
    GaugeReader gauges = new GaugeReader(election, datastore, TimingRules.gaugeAskBound(TIMEOUT),
        kit.system().scheduler());
    tokens = ApiTesting.tokens(dir);
    binding = new HttpApi(kit.system(), election, ApiTesting.watchdog(kit), events,
        TIMEOUT, s.restart(), s.apiMaxRequestsInFlight(), tokens.auth())
        .servingMetrics(() -> gauges.read().thenApply(metrics::scrape))
        .servingAlerts(alerts::recent)
        .bind("127.0.0.1", 0).toCompletableFuture().get();
  }

  @AfterEach
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get();
    kit.shutdownTestKit();
  }

  private HttpResponse<String> get(String path, Optional<String> token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + binding.localAddress().getPort()
        + path));
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsNeedAReadTokenAndShowTheCountersMovingWithTheEvents() throws Exception {
    assertEquals(401, get("/metrics", Optional.empty()).statusCode());
    assertEquals(401, get("/metrics", Optional.of("vmha_not-a-token")).statusCode());
    HttpResponse<String> before = get("/metrics", Optional.of(tokens.read()));
    assertEquals(200, before.statusCode(), before.body());
    assertTrue(before.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), before.headers()
        .toString());
    assertTrue(before.body().contains("vmha_restarts_total{host=\"host1\",outcome=\"started\"} 0.0"), before.body());
    assertTrue(before.body().contains("vmha_role{host=\"host1\",role=\"UNINITIALIZED\"} 1.0"), before.body());
    assertTrue(before.body().contains("jvm_memory_used_bytes"), before.body());

    events.accept(new HaEvent.VmRestarted(Instant.now(), "host1", "web1", "host2"));
    role.set(dev.vmha.election.Role.MASTER);
    // a scrape leaves out what did not answer within its bound (a loaded machine): scrape until the master's part is in
    kit.createTestProbe().awaitAssert(TIMEOUT.multipliedBy(3), () -> {
      String after = get("/metrics", Optional.of(tokens.read())).body();
      assertTrue(after.contains("vmha_restarts_total{host=\"host1\",outcome=\"started\"} 1.0"), after);
      assertTrue(after.contains("vmha_role{host=\"host1\",role=\"MASTER\"} 1.0"), after);
      assertTrue(after.contains("vmha_hosts{host=\"host1\",verdict=\"DEAD\"} 1.0"), after);
      assertTrue(after.contains("vmha_host_network_heartbeat_age_seconds{host=\"host1\",peer=\"host2\"} 12.0"),
          after);
      assertTrue(after.contains("vmha_datastore_accessible{datastore=\"ds1\",host=\"host1\"} 0.0"), after);
      return null;
    });
  }

  @Test
  void aCoordinatorThatDoesNotAnswerLeavesItsGaugesOutNotTheScrape() throws Exception {
    role.set(dev.vmha.election.Role.MASTER);
    coordinatorAnswers.set(false);
    HttpResponse<String> r = get("/metrics", Optional.of(tokens.read()));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("vmha_role{host=\"host1\",role=\"MASTER\"} 1.0"), r.body());
    assertTrue(r.body().contains("vmha_datastore_accessible{datastore=\"ds1\""), r.body());
    assertTrue(!r.body().contains("vmha_hosts{"), "no verdicts without the master's view: " + r.body());
  }

  @Test
  void healthNeedsNoTokenAndReadyWaitsForMembershipAndAMaster() throws Exception {
    HttpResponse<String> health = get("/health", Optional.empty());
    assertEquals(200, health.statusCode());
    assertEquals("up", EventLog.JSON.readTree(health.body()).get("status").asText());

    HttpResponse<String> notJoined = get("/ready", Optional.empty());
    assertEquals(503, notJoined.statusCode());
    JsonNode why = EventLog.JSON.readTree(notJoined.body());
    assertEquals(false, why.get("ready").asBoolean());
    assertTrue(why.get("reason").asText().startsWith("not a cluster member yet"), notJoined.body());

    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertTrue(get("/ready", Optional.empty()).body().contains("not in an election yet"));
      return null;
    });
    role.set(dev.vmha.election.Role.MASTER);
    HttpResponse<String> ready = get("/ready", Optional.empty());
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals("host1", EventLog.JSON.readTree(ready.body()).get("master").asText());
  }

  @Test
  void alertsNeedAReadTokenAndListTheAlertsOfThisAgentsDecisions() throws Exception {
    assertEquals(401, get("/api/v1/alerts", Optional.empty()).statusCode());
    events.accept(new HaEvent.HostJudged(Instant.now(), "host1", "host3", Verdict.DEAD, "ping silent", null));
    events.accept(new HaEvent.VmRestarted(Instant.now(), "host1", "web1", "host2"));
    HttpResponse<String> r = get("/api/v1/alerts", Optional.of(tokens.read()));
    assertEquals(200, r.statusCode(), r.body());
    JsonNode list = EventLog.JSON.readTree(r.body());
    assertEquals(1, list.size(), r.body());
    assertEquals("HOST_DEAD", list.get(0).get("kind").asText());
    assertEquals("host3", list.get(0).get("subject").asText());
  }
}
