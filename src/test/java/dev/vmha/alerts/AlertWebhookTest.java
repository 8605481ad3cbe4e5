package dev.vmha.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.vmha.classify.Verdict;
import dev.vmha.config.AlertSettings;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alert webhook against a real HTTP receiver on 127.0.0.1: retries, giving up, a hung receiver, the bound. */
class AlertWebhookTest {
  private static final double FACTOR = Double.parseDouble(System.getProperty("pekko.test.timefactor", "1.0"));
  private static final Duration WAIT = Duration.ofMillis((long) (10_000 * FACTOR));
  private static final Instant T = Instant.parse("2026-12-02T03:12:00Z");

  private HttpServer server;
  /** The bodies received, in order. */
  private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
  /** The status to answer the n-th request (1-based) with; -1: never answer until {@link #release}. */
  private volatile IntSupplier answer = () -> 200;
  private final AtomicInteger requests = new AtomicInteger();
  /** The Authorization header of each request ("" for none), in order. */
  private final BlockingQueue<String> authorization = new LinkedBlockingQueue<>();
  @TempDir Path dir;
  private final CountDownLatch release = new CountDownLatch(1);
  private AlertWebhook webhook;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext("/hook", ex -> {
      requests.incrementAndGet();
      authorization.add(Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse(""));
      received.add(EventLog.JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      int status = answer.getAsInt();
      if (status < 0) {
        try {
          release.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        status = 200;
      }
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (webhook != null) webhook.close();
    server.stop(0);
  }

  private AlertSettings settings(Duration timeout, int retries, int queue) {
    return settings(timeout, retries, queue, Optional.empty());
  }

  private AlertSettings settings(Duration timeout, int retries, int queue, Optional<Path> tokenFile) {
    return new AlertSettings(100, Optional.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
        + "/hook?token=s3cret")), timeout, retries, Duration.ofMillis(20), queue, tokenFile);
  }

  private static HaEvent dead(String host) {
    return new HaEvent.HostJudged(T, "host1", host, Verdict.DEAD, "ping silent, datastore heartbeat stale", null);
  }

  private JsonNode next() throws InterruptedException {
    JsonNode n = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(n, "a request within " + WAIT);
    return n;
  }

  private static void await(String what, BooleanSupplier done) {
    long end = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < end, what + " within " + WAIT);
      LockSupport.parkNanos(10_000_000);
    }
  }

  @Test
  void anAlertIsPostedAsJsonAndRetriedWithBackoffUntilTheReceiverTakesIt() throws Exception {
    List<Integer> statuses = new ArrayList<>(List.of(500, 503, 200));
    answer = () -> statuses.remove(0);
    webhook = new AlertWebhook(settings(Duration.ofSeconds(5), 3, 10));
    Alerts alerts = new Alerts(settings(Duration.ofSeconds(5), 3, 10), Optional.of(webhook));
    alerts.accept(dead("host3"));
    for (int i = 0; i < 3; i++) {
      JsonNode a = next();
      assertEquals("HOST_DEAD", a.get("kind").asText());
      assertEquals("host3", a.get("subject").asText());
      assertEquals("CRITICAL", a.get("severity").asText());
      assertEquals("host1", a.get("by").asText());
      assertEquals(1, a.get("id").asLong(), "the same alert each time");
    }
    await("delivered", () -> webhook.delivered() == 1);
    assertEquals(3, webhook.attempts());
    assertEquals(0, webhook.failed());
    assertEquals(List.of(1L), alerts.recent().stream().map(Alert::id).toList());
  }

  /** Issue 22: another agent's decision is shown as an alert here, but posted by the agent that took it only. */
  @Test
  void anAlertOfADecisionHeardFromAnotherAgentIsKeptButNotPosted() throws Exception {
    webhook = new AlertWebhook(settings(Duration.ofSeconds(5), 0, 10));
    Alerts alerts = new Alerts(settings(Duration.ofSeconds(5), 0, 10), Optional.of(webhook));
    alerts.heard(dead("host3"));
    alerts.accept(dead("host4"));
    assertEquals("host4", next().get("subject").asText());
    await("delivered", () -> webhook.delivered() == 1);
    assertEquals(1, requests.get());
    assertEquals(List.of("host3", "host4"), alerts.recent().stream().map(Alert::subject).toList());
  }

  @Test
  void anAlertIsGivenUpAfterItsRetriesAndTheNextOneStillGoes() throws Exception {
    answer = () -> requests.get() <= 3 ? 500 : 200;
    webhook = new AlertWebhook(settings(Duration.ofSeconds(5), 2, 10));
    webhook.post(new Alert(1, T, "host1", Alert.Kind.VM_GIVEN_UP, Alert.Severity.CRITICAL, "web1", "retries"));
    webhook.post(new Alert(2, T, "host1", Alert.Kind.FENCING, Alert.Severity.WARNING, "db1", "lease lost"));
    await("the second delivered", () -> webhook.delivered() == 1);
    assertEquals(1, webhook.failed(), "the first given up after 1 + 2 attempts");
    assertEquals(4, webhook.attempts());
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) ids.add(next().get("id").asLong());
    assertEquals(List.of(1L, 1L, 1L, 2L), ids, "in order, one at a time");
  }

  /**
   * A receiver that accepts the connection and never answers: every further alert is taken at once (the event stream
   * never waits), at most {@code queue} of them wait, the hung attempt ends at the timeout and the rest go through.
   */
  @Test
  void aHungReceiverBlocksNeitherTheEventStreamNorTheAlertsAfterItsTimeout() throws Exception {
    answer = () -> requests.get() == 1 ? -1 : 200;
    AlertSettings s = settings(Duration.ofMillis((long) (2_000 * FACTOR)), 0, 5);
    webhook = new AlertWebhook(s);
    Alerts alerts = new Alerts(s, Optional.of(webhook));
    alerts.accept(dead("h0"));
    assertEquals(0, next().get("id").asLong() - 1, "the first alert reached the receiver, which hangs");
    for (int i = 1; i < 20; i++) alerts.accept(dead("h" + i));
    // every accept returned while the first request still hangs: none was waited for
    assertEquals(0, webhook.delivered() + webhook.failed(), "the hung attempt has not ended yet");
    assertEquals(14, webhook.dropped(), "19 more, 5 may wait: the 14 oldest were dropped");
    assertEquals(20, alerts.recent().size(), "GET /api/v1/alerts still lists every alert");
    await("the hung one timed out and the 5 waiting were delivered",
        () -> webhook.failed() == 1 && webhook.delivered() == 5);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) ids.add(next().get("id").asLong());
    assertEquals(List.of(16L, 17L, 18L, 19L, 20L), ids);
  }

  @Test
  void aTokenFileIsSentAsBearerAndOneOthersMayReadStopsTheStart() throws Exception {
    Path token = dir.resolve("webhook.token");
    dev.vmha.api.TokenFiles.writeSecret(token, "hook-secret");
    webhook = new AlertWebhook(settings(Duration.ofSeconds(5), 0, 10, Optional.of(token)));
    webhook.post(new Alert(1, T, "host1", Alert.Kind.HOST_DEAD, Alert.Severity.CRITICAL, "host3", "dead"));
    next();
    assertEquals("Bearer hook-secret", authorization.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));

    java.nio.file.Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rw-r--r--"));
    dev.vmha.config.SettingsException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.vmha.config.SettingsException.class,
        () -> new AlertWebhook(settings(Duration.ofSeconds(5), 0, 10, Optional.of(token))));
    assertTrue(e.getMessage().contains("vmha.alerts.webhook.token-file") && e.getMessage().contains("chmod 600"),
        e.getMessage());
    assertTrue(!e.getMessage().contains("hook-secret"), e.getMessage());
  }
}
