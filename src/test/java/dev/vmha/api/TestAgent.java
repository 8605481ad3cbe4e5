package dev.vmha.api;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import dev.vmha.config.CapacitySettings;
import dev.vmha.config.HaSettings;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.history.HistoryReader;
import dev.vmha.history.HistoryState;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.OperationResult;
import dev.vmha.master.VmState;
import dev.vmha.restart.VmProtection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * An agent's HTTP API on a stub master for tests, on a free loopback port: master host1; host2 DEAD; vm1 running at
 * host1; datastore ds1; a history that mentions host2 and vm1; operations answered "done". {@link #masterKnown}
 * switched off: no master (the API answers 503 noMaster).
 */
public final class TestAgent implements AutoCloseable {
  public static final Instant T0 = Instant.parse("2026-12-01T03:12:00Z");
  public final ApiTesting.Tokens tokens;
  public final EventLog events = EventLog.inMemory();
  public final AtomicBoolean masterKnown = new AtomicBoolean(true);
  private final ActorTestKit kit;
  private final ServerBinding binding;
  private final HttpClient http = HttpClient.newHttpClient();

  public TestAgent(String name, Path dir) throws Exception {
    kit = ActorTestKit.create(name, ConfigFactory.load("application-test"));
    HaSettings s = ApiTesting.settings();
    ActorRef<MasterCoordinator.Command> coordinator = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof MasterCoordinator.GetStatus g) g.replyTo().tell(cluster());
      if (m instanceof MasterCoordinator.PowerOnVm p) {
        p.replyTo().tell(new OperationResult(true, p.vm().name() + " powered on"));
      }
      if (m instanceof MasterCoordinator.PowerOffVm p) {
        p.replyTo().tell(new OperationResult(true, p.vm() + " powered off"));
      }
      if (m instanceof MasterCoordinator.Operate o) {
        o.replyTo().tell(new OperationResult(true, o.operation() + " done"));
      }
      if (m instanceof MasterCoordinator.SetMaintenance p) {
        p.replyTo().tell(new OperationResult(true, p.host() + " enters maintenance"));
      }
      return Behaviors.same();
    }));
    ActorRef<ElectionFsm.Command> election = kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof ElectionFsm.GetRole g) {
        boolean known = masterKnown.get();
        g.replyTo().tell(new ElectionFsm.RoleInfo("host1", known ? Role.MASTER : Role.ELECTION,
            known ? java.util.Optional.of("host1") : java.util.Optional.empty(),
            known ? java.util.Optional.of(coordinator) : java.util.Optional.empty(), java.util.OptionalLong.of(1)));
      }
      if (m instanceof ElectionFsm.EmergencyAsked e) e.replyTo().tell(new ElectionFsm.EmergencyResult(true, "done"));
      if (m instanceof ElectionFsm.EnforcementAsked e) e.replyTo().tell(new ElectionFsm.EmergencyResult(true, "done"));
      return Behaviors.same();
    }));
    tokens = ApiTesting.tokens(dir);
    List<HaEvent> history = List.of(
        new HaEvent.VmProtected(T0, "host1", "vm1", "host2"),
        new HaEvent.HostSilent(T0.plusSeconds(10), "host1", "host2", Duration.ofSeconds(6)),
        new HaEvent.HostJudged(T0.plusSeconds(12), "host1", "host2", Verdict.DEAD, "no heartbeat anywhere", null),
        new HaEvent.VmRestarted(T0.plusSeconds(14), "host1", "vm1", "host1"));
    history.forEach(events::accept);
    binding = new HttpApi(kit.system(), election, ApiTesting.watchdog(kit), events,
        Duration.ofMillis((long) (10_000 * Double.parseDouble(System.getProperty("pekko.test.timefactor", "1.0")))),
        s.restart(), s.apiMaxRequestsInFlight(), tokens.auth())
        .servingHistory(() -> CompletableFuture.completedFuture(List.of(
            new HistoryReader.Journal("host1", HistoryState.EMPTY, history))))
        .servingMetrics(() -> CompletableFuture.completedFuture("vmha_up 1\n"))
        .servingPolicy(CapacitySettings.Policy.HOST_FAILURES)
        .bind("127.0.0.1", 0).toCompletableFuture().get();
  }

  private static ClusterStatus cluster() {
    return new ClusterStatus("host1", "host1", List.of(
        new ClusterStatus.HostStatus("host1", ClusterStatus.Seat.MASTER, Verdict.ALIVE, "known to the master",
            Reachability.REACHABLE, 0, "127.0.0.1",
            0, 4096, 3584, List.of("vm1"), T0, 400, Map.of("ds1", 1000L)),
        new ClusterStatus.HostStatus("host2", ClusterStatus.Seat.SLAVE, Verdict.DEAD, "no heartbeat anywhere",
            Reachability.REMOVED, 60_000,
            "127.0.0.1", 0, 4096, 4096, List.of(), T0.plusSeconds(12), 60_000, Map.of("ds1", 59_000L))),
        List.of(new ClusterStatus.VmStatus("vm1", 512, 1, "host1", new VmState.Running("host1"), VmProtection.defaults(),
            "", 0)),
        List.of(new ClusterStatus.DatastoreStatus("ds1", true, Map.of(), Map.of("host1", 1000L, "host2", 59_000L),
            "host1", 3)), "host1", 3, java.util.Optional.empty());
  }

  /** host:port of the API. */
  public String address() {
    return "127.0.0.1:" + binding.localAddress().getPort();
  }

  public HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + address() + path))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", "application/json");
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a GET whose body never ends (the event stream), once its headers arrive; the body unread. */
  public int streamStatus(String path, String token) throws Exception {
    HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address() + path))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    r.body().close();
    return r.statusCode();
  }

  public HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, tokens.read(), null);
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get();
    kit.shutdownTestKit();
  }
}
