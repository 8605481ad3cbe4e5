package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the dashboard needs from the API, without a browser (DashboardBrowserTest drives the page itself): its files
 * without a token and with a strict content policy, the live event stream and explain with a read token.
 */
class HttpApiDashboardTest {
  private static final double FACTOR = Double.parseDouble(System.getProperty("pekko.test.timefactor", "1.0"));
  private static final Duration TIMEOUT = Duration.ofMillis((long) (10_000 * FACTOR));
  @TempDir Path dir;
  private final ActorTestKit kit = ActorTestKit.create("HttpApiDashboardTest", ConfigFactory.load("application-test"));
  private final HttpClient http = HttpClient.newHttpClient();
  private final EventLog events = EventLog.inMemory();
  private ApiTesting.Tokens tokens;
  private ServerBinding binding;

  @BeforeEach
  void start() throws Exception {
    ActorRef<ElectionFsm.Command> election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) g.replyTo().tell(new ElectionFsm.RoleInfo("host1", Role.SLAVE,
          java.util.Optional.empty(), java.util.Optional.empty(), java.util.OptionalLong.empty()));
      return Behaviors.same();
    }));
    tokens = ApiTesting.tokens(dir);
    HaSettings settings = ApiTesting.settings();
    binding = new HttpApi(kit.system(), election, ApiTesting.watchdog(kit), events, TIMEOUT,
        settings.restart(), settings.apiMaxRequestsInFlight(), tokens.auth()).bind("127.0.0.1", 0).toCompletableFuture().get();
  }

  @AfterEach
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get();
    kit.shutdownTestKit();
  }

  private HttpRequest.Builder request(String path, Optional<String> token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + binding.localAddress().getPort()
        + path)).timeout(TIMEOUT);
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b;
  }

  private HttpResponse<String> get(String path, Optional<String> token) throws Exception {
    return http.send(request(path, token).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageIsServedWithoutATokenUnderAStrictContentPolicy() throws Exception {
    HttpResponse<String> root = get("/", Optional.empty());
    assertEquals(302, root.statusCode());
    assertEquals(Optional.of("/ui/"), root.headers().firstValue("Location"));
    HttpResponse<String> page = get("/ui/", Optional.empty());
    assertEquals(200, page.statusCode(), page.body());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
    assertTrue(page.body().contains("<script src=\"app.js\""), page.body());
    String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), policy);
    HttpResponse<String> script = get("/ui/app.js", Optional.empty());
    assertEquals(200, script.statusCode());
    // every path the page uses is in one block, and data reaches the page as text only
    assertTrue(script.body().contains("stream: '/api/v1/events/stream'"), script.body());
    assertTrue(!script.body().contains(".innerHTML") && !script.body().contains("new EventSource("), "app.js");
    HttpResponse<String> missing = get("/ui/nosuch.js", Optional.empty());
    assertEquals(404, missing.statusCode());
    assertTrue(missing.body().contains("\"error\""), missing.body());
    // the page's routes leave the others' answers alone: an unknown route is still 404, not 405 for want of a GET
    HttpResponse<String> other = http.send(request("/api/nosuch", Optional.of(tokens.admin()))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, other.statusCode(), other.body());
  }

  @Test
  void theStreamSendsTheRecentEventsThenEachNewOneWithAReadToken() throws Exception {
    assertEquals(401, get("/api/v1/events/stream", Optional.empty()).statusCode());
    events.accept(new HaEvent.VmProtected(Instant.now(), "host1", "web1", "host2"));

    HttpResponse<Stream<String>> r = http.send(request("/api/v1/events/stream", Optional.of(tokens.read())).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers()
        .toString());
    BlockingQueue<String> data = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try {
        r.body().filter(l -> l.startsWith("data: ")).forEach(l -> data.add(l.substring(6)));
      } catch (java.io.UncheckedIOException closedByTheTest) {
        // the test closes the stream when it has seen enough
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      JsonNode first = EventLog.JSON.readTree(next(data));
      assertEquals("VmProtected", first.get("type").asText());
      assertEquals("web1 protected, running at host2", first.get("text").asText());
      assertEquals("host2", first.get("event").get("host").asText());

      events.accept(new HaEvent.VmRestarted(Instant.now(), "host1", "web1", "host3"));
      JsonNode second = EventLog.JSON.readTree(next(data));
      assertEquals("VmRestarted", second.get("type").asText());
      assertEquals("[\"host1\",\"host3\"]", second.get("hosts").toString());
      assertEquals("[\"web1\"]", second.get("vms").toString());
    } finally {
      r.body().close();
    }
  }

  private static String next(BlockingQueue<String> data) throws InterruptedException {
    String line = data.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(line, "no event on the stream within " + TIMEOUT);
    return line;
  }

  /** The page's explain button asks the API's explain (HttpApiV1Test); without a readable history it says why. */
  @Test
  void explainNeedsATokenAndSaysWhyWhenTheHistoryCannotBeRead() throws Exception {
    assertEquals(401, get("/api/v1/vms/web1/explain", Optional.empty()).statusCode());
    HttpResponse<String> r = get("/api/v1/vms/web1/explain", Optional.of(tokens.read()));
    assertEquals(503, r.statusCode(), r.body());
    assertTrue(r.body().contains("cannot read its history"), r.body());
  }
}
