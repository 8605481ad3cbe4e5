package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.OperationResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 findings 1 and 4 at the API: every bad request answers a JSON {@code {"error", "field"}} with 400 (404, 405
 * for a wrong path or method) and never reaches the master; nothing answers 500 or echoes a long input back.
 */
class HttpApiErrorsTest {
  private ApiTesting.Tokens tokens;
  @TempDir Path tokensDir;
  private final ActorTestKit kit = ActorTestKit.create("HttpApiErrorsTest", ConfigFactory.load("application-test"));
  private static final Duration ASK = Duration.ofMillis((long) (3000
      * Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"))));
  /** The ask of an API that only a silent master is asked through: no answer is awaited in vain for all of ASK. */
  private static final Duration SILENCE = ASK.dividedBy(3);
  private final HttpClient http = HttpClient.newHttpClient();
  /** The VMs the (stub) master was asked to power on: a refused request must not be among them. */
  private final List<String> asked = new CopyOnWriteArrayList<>();
  private ServerBinding binding;
  private String api;
  private ActorRef<ElectionFsm.Command> election;

  @BeforeEach
  void start() throws Exception {
    // a master that accepts every power-on but of "busy1" (refused: it runs) and "mute1" (never answered)
    ActorRef<MasterCoordinator.Command> master = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof MasterCoordinator.PowerOnVm p) {
        asked.add(p.vm().name());
        if (p.vm().name().equals("busy1")) {
          p.replyTo().tell(new OperationResult(false, "busy1 already runs at host2"));
        } else if (!p.vm().name().equals("mute1")) {
          p.replyTo().tell(new OperationResult(true, p.vm().name() + " powered on"));
        }
      }
      return Behaviors.same();
    }));
    election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) {
        g.replyTo().tell(ApiTesting.master(master));
      }
      return Behaviors.same();
    }));
    tokens = ApiTesting.tokens(tokensDir);
    binding = ApiTesting.serve(kit, election, EventLog.inMemory(), ASK, tokens);
    api = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterEach
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get();
    kit.shutdownTestKit();
  }

  @Test
  void aValidRequestReachesTheMaster() throws Exception {
    HttpResponse<String> r = post("/api/v1/vms", "{\"name\":\"web1\",\"memoryMb\":512,\"dependsOn\":[]}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("web1 powered on", EventLog.JSON.readTree(r.body()).path("message").asText(), r.body());
    assertEquals(List.of("web1"), asked);
  }

  @Test
  void everyBadFieldIsRefusedWith400NamingItBeforeTheMasterIsAsked() throws Exception {
    String longName = "a".repeat(10_000);
    Map<String, String> badField = Map.ofEntries(
        Map.entry("{\"memoryMb\":512}", "name"),
        Map.entry("{\"name\":\"" + longName + "\",\"memoryMb\":512}", "name"),
        Map.entry("{\"name\":\"web,1\",\"memoryMb\":512}", "name"),
        Map.entry("{\"name\":\"web1\"}", "memoryMb"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":0}", "memoryMb"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":\"512\"}", "memoryMb"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512.5}", "memoryMb"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"cpus\":100000}", "cpus"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"host\":\"host2;evil\"}", "host"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"priority\":\"urgent\"}", "priority"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"order\":-1}", "order"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"ready\":\"soon\"}", "ready"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"readyTimeoutSeconds\":-5}", "readyTimeoutSeconds"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"dependsOn\":[null]}", "dependsOn"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"dependsOn\":[\"dns1,evil\"]}", "dependsOn"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"dependsOn\":[\"web1\"]}", "dependsOn"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"dependsOn\":\"dns1\"}", "dependsOn"),
        Map.entry("{\"name\":\"web1\",\"memoryMb\":512,\"colour\":\"red\"}", "colour"));
    for (Map.Entry<String, String> c : badField.entrySet()) {
      HttpResponse<String> r = post("/api/v1/vms", c.getKey());
      String what = c.getKey().length() > 200 ? "a 10 000-character name" : c.getKey();
      assertEquals(400, r.statusCode(), what + " -> " + r.body());
      JsonNode j = EventLog.JSON.readTree(r.body());
      assertEquals(c.getValue(), j.path("field").asText(), what + " -> " + r.body());
      assertFalse(j.path("error").asText().isEmpty(), what + " -> " + r.body());
      assertTrue(r.body().length() < 1000, what + ": the answer echoes the input: " + r.body().length() + " chars");
      assertFalse(r.body().contains("com.fasterxml") || r.body().contains("Exception"), what + " -> " + r.body());
    }
    assertEquals(List.of(), asked, "no bad request reached the master");
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsRefusedWith400() throws Exception {
    for (String body : List.of("", "{", "[]", "\"web1\"", "null", "{\"name\":\"web1\",\"memoryMb\":512} trailing",
        "{\"name\":\"web1\",\"name\":\"web2\",\"memoryMb\":512}")) {
      HttpResponse<String> r = post("/api/v1/vms", body);
      assertEquals(400, r.statusCode(), body + " -> " + r.body());
      JsonNode j = EventLog.JSON.readTree(r.body());
      assertFalse(j.path("error").asText().isEmpty(), body + " -> " + r.body());
      assertFalse(r.body().contains("com.fasterxml") || r.body().contains("Exception"), body + " -> " + r.body());
    }
    assertEquals(List.of(), asked);
  }

  @Test
  void aBodyOver64KibIsRefusedWith413() throws Exception {
    HttpResponse<String> r = post("/api/v1/vms", "{\"name\":\"" + "a".repeat(70_000) + "\",\"memoryMb\":512}");
    assertEquals(413, r.statusCode(), r.body());
    assertFalse(EventLog.JSON.readTree(r.body()).path("error").asText().isEmpty(), r.body());
    assertTrue(r.body().length() < 1000, r.body());
    assertEquals(List.of(), asked);
  }

  @Test
  void unknownPathsAndMethodsAnswerJson() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/nothing")).header("Authorization", "Bearer " + tokens.admin()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, r.statusCode());
    assertFalse(EventLog.JSON.readTree(r.body()).path("error").asText().isEmpty(), r.body());
    // a GET of an operation's path: its route takes POST only
    r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/vms/web1/power-off")).header("Authorization", "Bearer " + tokens.admin()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, r.statusCode());
    assertFalse(EventLog.JSON.readTree(r.body()).path("error").asText().isEmpty(), r.body());
  }

  @Test
  void aPowerOffOfANameThatCannotBeAVmIsRefusedWith400() throws Exception {
    HttpResponse<String> r = post("/api/v1/vms/" + "x".repeat(1000) + "/power-off", "{}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("name", EventLog.JSON.readTree(r.body()).path("field").asText(), r.body());
    assertTrue(r.body().length() < 1000, r.body());
  }

  @Test
  void theMastersRefusalIs409AndItsSilence503() throws Exception {
    HttpResponse<String> r = post("/api/v1/vms", "{\"name\":\"busy1\",\"memoryMb\":512}");
    assertEquals(409, r.statusCode(), r.body());
    assertEquals("busy1 already runs at host2", EventLog.JSON.readTree(r.body()).path("error").asText());
    ServerBinding quick = ApiTesting.serve(kit, election, EventLog.inMemory(), SILENCE, tokens);
    try {
      r = post("http://127.0.0.1:" + quick.localAddress().getPort(), "/api/v1/vms",
          "{\"name\":\"mute1\",\"memoryMb\":512}");
    } finally {
      quick.unbind().toCompletableFuture().get();
    }
    assertEquals(503, r.statusCode(), r.body());
    assertTrue(EventLog.JSON.readTree(r.body()).path("error").asText().contains("no answer within"), r.body());
    assertEquals(List.of("busy1", "mute1"), asked, "the master was asked, and did not answer");
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return post(api, path, json);
  }

  private HttpResponse<String> post(String base, String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + tokens.admin()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
