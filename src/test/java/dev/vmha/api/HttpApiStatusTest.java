package dev.vmha.api;

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
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/status of an agent that is not a cluster member says so, instead of waiting silently for a master. */
class HttpApiStatusTest {
  @TempDir Path dir;
  private final ActorTestKit kit = ActorTestKit.create("HttpApiStatusTest", ConfigFactory.load("application-test"));

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void anAgentThatHasNotJoinedReportsItsMembershipAndWhereTheLogSaysWhy() throws Exception {
    HaSettings s = ApiTesting.settings();
    // the election FSM of an agent that never became a member: it stays uninitialized
    ActorRef<ElectionFsm.Command> election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) {
        g.replyTo().tell(ApiTesting.notJoined());
      }
      return Behaviors.same();
    }));
    ApiTesting.Tokens tokens = ApiTesting.tokens(dir);
    ServerBinding binding = new HttpApi(kit.system(), election, ApiTesting.watchdog(kit), EventLog.inMemory(), Duration.ofSeconds(3),
        s.restart(), s.apiMaxRequestsInFlight(), tokens.auth()).bind("127.0.0.1", 0).toCompletableFuture().get();
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + binding.localAddress().getPort() + "/api/v1/status")).header("Authorization", "Bearer " + tokens.read())
          .build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(r.body().contains("not a cluster member yet") && r.body().contains("Couldn't join seed nodes"),
          r.body());
      // this test kit runs Artery's plain tcp: status says what really runs
      assertTrue(r.body().contains("\"transport\":\"PLAIN_TCP\""), r.body());
    } finally {
      binding.unbind().toCompletableFuture().get();
    }
  }
}
