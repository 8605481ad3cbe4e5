package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 finding 3: the API serves at most vmha.api.max-requests-in-flight requests at once and answers the next
 * ones 503 with Retry-After at once, instead of queueing work that takes the CPU heartbeats and leases need; a place
 * is given back when its request is answered, also when the answer is a timeout.
 */
class HttpApiAdmissionTest {
  private static final double FACTOR = Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"));
  private static final long WAIT = (long) (10 * FACTOR);
  private final ActorTestKit kit = ActorTestKit.create("HttpApiAdmissionTest", ConfigFactory.load("application-test"));
  private final HttpClient http = HttpClient.newHttpClient();
  /** The role requests the agent's election FSM holds until the test answers them. */
  private final BlockingQueue<ElectionFsm.GetRole> held = new LinkedBlockingQueue<>();
  private ServerBinding binding;
  @TempDir Path dir;
  private ApiTesting.Tokens tokens;

  /** Starts the API with this ask timeout (the election FSM answers only when the test says). */
  private void start(Duration timeout) throws Exception {
    HaSettings s = HaSettings.from(ConfigFactory.parseString("vmha.host.id = host1, das.usedefaultisolationaddress"
        + " = false, das.isolationaddress1 = \"127.0.0.1\", vmha.hypervisor.type = in-memory,"
        + " vmha.api.max-requests-in-flight = 2").withFallback(HaSettings.defaults()).resolve());
    assertEquals(2, s.apiMaxRequestsInFlight());
    ActorRef<ElectionFsm.Command> election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) held.add(g);
      return Behaviors.same();
    }));
    tokens = ApiTesting.tokens(dir);
    binding = new HttpApi(kit.system(), election, ApiTesting.watchdog(kit),
        EventLog.inMemory(), timeout, s.restart(), s.apiMaxRequestsInFlight(), tokens.auth())
        .bind("127.0.0.1", 0).toCompletableFuture().get();
  }

  @AfterEach
  void stop() throws Exception {
    if (binding != null) binding.unbind().toCompletableFuture().get();
    kit.shutdownTestKit();
  }

  @Test
  void requestsOverTheLimitAre503AtOnceAndAPlaceIsGivenBackWhenARequestIsAnswered() throws Exception {
    start(Duration.ofMillis((long) (20_000 * FACTOR)));
    CompletableFuture<HttpResponse<String>> first = status();
    CompletableFuture<HttpResponse<String>> second = status();
    ElectionFsm.GetRole r1 = take();
    ElectionFsm.GetRole r2 = take();

    HttpResponse<String> third = status().get(WAIT, TimeUnit.SECONDS);
    assertEquals(503, third.statusCode(), third.body());
    assertEquals(List.of("1"), third.headers().allValues("Retry-After"));
    assertTrue(third.body().contains("max-requests-in-flight"), third.body());

    // the two requests may reach the API in either order: r1 answers whichever came first
    r1.replyTo().tell(ApiTesting.notJoined());
    Object answered = CompletableFuture.anyOf(first, second).get(WAIT, TimeUnit.SECONDS);
    assertEquals(200, ((HttpResponse<?>) answered).statusCode());
    CompletableFuture<HttpResponse<String>> other = first.isDone() && first.join() == answered ? second : first;
    CompletableFuture<HttpResponse<String>> fourth = status();
    take().replyTo().tell(ApiTesting.notJoined());
    assertEquals(200, fourth.get(WAIT, TimeUnit.SECONDS).statusCode(), "the first request's place was given back");
    r2.replyTo().tell(ApiTesting.notJoined());
    assertEquals(200, other.get(WAIT, TimeUnit.SECONDS).statusCode());
  }

  @Test
  void aRequestNotAnsweredInTimeIs503AndGivesItsPlaceBack() throws Exception {
    start(Duration.ofMillis(500));
    for (int i = 0; i < 3; i++) { // more than the limit, one after another: each timeout gives its place back
      HttpResponse<String> r = status().get(30, TimeUnit.SECONDS);
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("no answer within"), r.body());
      take();
    }
  }

  private CompletableFuture<HttpResponse<String>> status() {
    return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + binding.localAddress().getPort()
        + "/api/v1/status")).header("Authorization", "Bearer " + tokens.read()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private ElectionFsm.GetRole take() throws InterruptedException {
    ElectionFsm.GetRole g = held.poll((long) (10 * FACTOR), TimeUnit.SECONDS);
    assertTrue(g != null, "the API asked the election FSM for its role");
    return g;
  }
}
