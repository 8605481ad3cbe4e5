package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.IsolationResponse;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.isolation.Enforcement;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.Operation;
import dev.vmha.master.OperationResult;
import dev.vmha.restart.ProtectionChange;
import dev.vmha.restart.RestartPriority;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * The operators' changes at the API (issue 22): {@code /api/v1/cluster/ha/*}, {@code /api/v1/hosts/<h>/ha/*} and
 * {@code /api/v1/vms/<vm>/retry} reach the master with who asked; its answers map to 200, 404 (unknown VM or host) and
 * 409; a name that cannot be one is 400 and an unknown verb 404, neither reaching the master; HA switches need admin.
 */
class HttpApiOperationsTest {
  private ApiTesting.Tokens tokens;
  @TempDir Path tokensDir;
  private final ActorTestKit kit = ActorTestKit.create("HttpApiOperationsTest",
      ConfigFactory.load("application-test"));
  private static final Duration ASK = Duration.ofMillis((long) (3000
      * Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"))));
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Operation> asked = new CopyOnWriteArrayList<>();
  private final List<String> emergencies = new CopyOnWriteArrayList<>();
  private final List<String> enforcements = new CopyOnWriteArrayList<>();
  private final EventLog events = EventLog.inMemory();
  private ServerBinding binding;
  private String api;

  @BeforeEach
  void start() throws Exception {
    // a master that knows no VM "nosuch" and no host "host9", and refuses a retry of "vm2" (it runs)
    ActorRef<MasterCoordinator.Command> master = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof MasterCoordinator.Operate o) {
        asked.add(o.operation());
        boolean unknown = o.operation() instanceof Operation.Retry r ? r.vm().equals("nosuch")
            : o.operation() instanceof Operation.SwitchHa h && h.host().equals(Optional.of("host9"));
        boolean running = o.operation() instanceof Operation.Retry r && r.vm().equals("vm2");
        o.replyTo().tell(new OperationResult(!unknown && !running,
            unknown ? "unknown" : running ? "vm2 is not given up: it runs at host2" : "done", Optional.empty(), false,
            unknown));
      }
      return Behaviors.same();
    }));
    ActorRef<ElectionFsm.Command> election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) {
        g.replyTo().tell(ApiTesting.master(master));
      }
      if (m instanceof ElectionFsm.EmergencyAsked e) {
        emergencies.add(e.action() + " " + e.host() + " by " + e.askedBy());
        e.replyTo().tell(new ElectionFsm.EmergencyResult(!e.host().equals("host7"), "done"));
      }
      if (m instanceof ElectionFsm.EnforcementAsked e) {
        enforcements.add(e.enforcement() + (e.force() ? " forced" : "") + " by " + e.askedBy());
        e.replyTo().tell(new ElectionFsm.EmergencyResult(e.force() || e.enforcement() == Enforcement.ON,
            "HA is enabled for this host"));
      }
      return Behaviors.same();
    }));
    tokens = ApiTesting.tokens(tokensDir);
    binding = ApiTesting.serve(kit, election, events, ASK, tokens);
    api = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterEach
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get();
    kit.shutdownTestKit();
  }

  @Test
  void haIsSwitchedForTheClusterAndAHostWithWhoAsked() throws Exception {
    assertEquals(200, post("/api/v1/cluster/ha/disable", tokens.admin()).statusCode());
    assertEquals(200, post("/api/v1/hosts/host2/ha/enable", tokens.admin()).statusCode());
    assertEquals(List.of(new Operation.SwitchHa(Optional.empty(), false, "admin1"),
        new Operation.SwitchHa(Optional.of("host2"), true, "admin1")), asked);
    assertTrue(events.recent().stream().anyMatch(e -> e instanceof HaEvent.ApiRequest a
        && a.token().equals("admin1") && a.request().equals("HA disable for the cluster")), events.recent().toString());
  }

  @Test
  void aRetryReachesTheMasterAndItsAnswersMapTo200404And409() throws Exception {
    assertEquals(200, post("/api/v1/vms/vm1/retry", tokens.operator()).statusCode());
    HttpResponse<String> unknown = post("/api/v1/vms/nosuch/retry", tokens.operator());
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertEquals("unknown", EventLog.JSON.readTree(unknown.body()).path("error").asText());
    HttpResponse<String> running = post("/api/v1/vms/vm2/retry", tokens.operator());
    assertEquals(409, running.statusCode(), running.body());
    assertEquals(404, post("/api/v1/hosts/host9/ha/disable", tokens.admin()).statusCode());
    assertEquals(List.of("vm1", "nosuch", "vm2"), asked.stream().filter(Operation.Retry.class::isInstance)
        .map(o -> ((Operation.Retry) o).vm()).toList());
  }

  @Test
  void badNamesAndVerbsAreRefusedBeforeTheMasterIsAsked() throws Exception {
    HttpResponse<String> name = post("/api/v1/vms/" + "x".repeat(300) + "/retry", tokens.operator());
    assertEquals(400, name.statusCode(), name.body());
    assertEquals("name", EventLog.JSON.readTree(name.body()).path("field").asText());
    HttpResponse<String> host = post("/api/v1/hosts/host%3Bevil/ha/disable", tokens.admin());
    assertEquals(400, host.statusCode(), host.body());
    assertEquals("host", EventLog.JSON.readTree(host.body()).path("field").asText());
    HttpResponse<String> verb = post("/api/v1/cluster/ha/toggle", tokens.admin());
    assertEquals(404, verb.statusCode(), verb.body());
    assertTrue(EventLog.JSON.readTree(verb.body()).path("error").asText().contains("ha/enable"), verb.body());
    assertEquals(List.of(), asked);
  }

  @Test
  void switchingHaNeedsAnAdminAndRetryAnOperator() throws Exception {
    assertEquals(403, post("/api/v1/cluster/ha/disable", tokens.operator()).statusCode());
    assertEquals(403, post("/api/v1/hosts/host2/ha/disable", tokens.operator()).statusCode());
    assertEquals(403, post("/api/v1/vms/vm1/retry", tokens.read()).statusCode());
    assertEquals(List.of(), asked);
  }

  @Test
  void protectionChangesCarryTheirFieldsAndABadBodyIsRefusedNamingTheField() throws Exception {
    assertEquals(200, post("/api/v1/vms/vm1/protect", tokens.operator(),
        "{\"priority\":\"high\",\"order\":2,\"dependsOn\":[\"db1\"]}").statusCode());
    assertEquals(200, post("/api/v1/vms/vm1/protect", tokens.operator(), "").statusCode(), "no body: as configured");
    assertEquals(200, post("/api/v1/vms/vm1/protection", tokens.operator(), "{\"order\":3}").statusCode());
    assertEquals(200, post("/api/v1/vms/vm1/unprotect", tokens.operator()).statusCode());
    assertEquals(200, post("/api/v1/vms/vm1/move-to/host2", tokens.operator()).statusCode());
    ProtectionChange high = new ProtectionChange(Optional.of(RestartPriority.HIGH), Optional.of(2), Optional.empty(),
        Optional.empty(), Optional.of(List.of("db1")), Optional.empty());
    assertEquals(List.of(new Operation.Protect("vm1", high, "operator1"),
        new Operation.Protect("vm1", ProtectionChange.NONE, "operator1"),
        new Operation.SetProtection("vm1", new ProtectionChange(Optional.empty(), Optional.of(3), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty()), "operator1"),
        new Operation.Unprotect("vm1", "operator1"), new Operation.Move("vm1", "host2", "operator1")), asked);
    asked.clear();
    for (String[] bad : List.of(new String[] {"{\"memoryMb\":512}", "memoryMb"},
        new String[] {"{\"priority\":\"urgent\"}", "priority"}, new String[] {"{\"dependsOn\":[\"vm1\"]}", "dependsOn"},
        new String[] {"{\"colour\":1}", "colour"},
        new String[] {"{\"isolationResponse\":\"reboot\"}", "isolationResponse"})) {
      HttpResponse<String> r = post("/api/v1/vms/vm1/protection", tokens.operator(), bad[0]);
      assertEquals(400, r.statusCode(), bad[0] + " -> " + r.body());
      assertEquals(bad[1], EventLog.JSON.readTree(r.body()).path("field").asText(), bad[0] + " -> " + r.body());
    }
    HttpResponse<String> nothing = post("/api/v1/vms/vm1/protection", tokens.operator(), "{}");
    assertEquals(400, nothing.statusCode(), nothing.body());
    assertTrue(nothing.body().contains("nothing to change"), nothing.body());
    assertEquals(List.of(), asked);
  }

  /** Issue 22: a VM's own isolation response (vSphere's per-VM override) is a protection change like the others. */
  @Test
  void aVmsIsolationResponseIsSetAsAProtectionChange() throws Exception {
    assertEquals(200, post("/api/v1/vms/vm1/protection", tokens.operator(),
        "{\"isolationResponse\":\"leave-powered-on\"}").statusCode());
    assertEquals(List.of(new Operation.SetProtection("vm1", new ProtectionChange(Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(IsolationResponse.LEAVE_POWERED_ON)),
        "operator1")), asked);
    HttpResponse<String> bad = post("/api/v1/vms/vm1/protection", tokens.operator(), "{\"isolationResponse\":\"off\"}");
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("power-off") && bad.body().contains("leave-powered-on"), bad.body());
    assertEquals(1, asked.size(), "refused before the master is asked");
  }

  @Test
  void emergencyActionsGoToTheElectionWithWhoAskedAndNeedAnAdmin() throws Exception {
    assertEquals(200, post("/api/v1/emergency/force-master/host2", tokens.admin()).statusCode());
    assertEquals(200, post("/api/v1/emergency/reset-election", tokens.admin()).statusCode());
    assertEquals(409, post("/api/v1/emergency/force-master/host7", tokens.admin()).statusCode());
    assertEquals(403, post("/api/v1/emergency/reset-election", tokens.operator()).statusCode());
    assertEquals(List.of("FORCE_MASTER host2 by admin1", "RESET_ELECTION all by admin1", "FORCE_MASTER host7 by admin1"),
        emergencies);
  }

  /** Issue 22: the local emergency disable goes to this agent's election with who asked; refused is 409. */
  @Test
  void theLocalEmergencyDisableGoesToThisAgentsElectionWithWhoAskedAndNeedsAnAdmin() throws Exception {
    HttpResponse<String> refused = post("/api/v1/local/emergency/ha-disable", tokens.admin());
    assertEquals(409, refused.statusCode(), refused.body());
    assertEquals("HA is enabled for this host", EventLog.JSON.readTree(refused.body()).path("error").asText());
    assertEquals(200, post("/api/v1/local/emergency/ha-disable?force=true", tokens.admin()).statusCode());
    assertEquals(200, post("/api/v1/local/emergency/ha-enable", tokens.admin()).statusCode());
    HttpResponse<String> bad = post("/api/v1/local/emergency/ha-disable?force=yes", tokens.admin());
    assertEquals(400, bad.statusCode(), bad.body());
    assertEquals("force", EventLog.JSON.readTree(bad.body()).path("field").asText());
    assertEquals(403, post("/api/v1/local/emergency/ha-disable", tokens.operator()).statusCode());
    assertEquals(List.of("SUSPENDED by admin1", "SUSPENDED forced by admin1", "ON by admin1"), enforcements);
    assertTrue(events.recent().stream().anyMatch(e -> e instanceof HaEvent.ApiRequest a && a.token().equals("admin1")
        && a.request().equals("emergency ha-disable (local) --force")), events.recent().toString());
  }

  private HttpResponse<String> post(String path, String token) throws Exception {
    return post(path, token, "{}");
  }

  private HttpResponse<String> post(String path, String token, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
