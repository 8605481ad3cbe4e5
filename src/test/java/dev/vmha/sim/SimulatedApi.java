package dev.vmha.sim;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.api.ApiTesting;
import dev.vmha.api.HttpApi;
import dev.vmha.election.ElectionFsm;
import dev.vmha.host.HostSupervisor;
import dev.vmha.watchdog.Watchdog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A simulated cluster of three hosts with two datastores (the fast settings under a test's own), driven through one
 * host's real HTTP API, bound on a free loopback port with an operator's token.
 */
final class SimulatedApi implements AutoCloseable {
  final SimulatedCluster cluster;
  private final ApiTesting.Tokens tokens;
  private final HttpClient http = HttpClient.newHttpClient();
  private ServerBinding binding;
  private String url;

  private SimulatedApi(SimulatedCluster cluster, ApiTesting.Tokens tokens) {
    this.cluster = cluster;
    this.tokens = tokens;
  }

  static SimulatedApi start(String settings, Path dir) {
    SimulatedCluster c = SimulatedCluster.start(new SimulatedCluster.Options(3, ConfigFactory.parseString(settings)
        .withFallback(ClusterWatch.fastSettings()), 2, dir, ConfigFactory.load("application-test")));
    return new SimulatedApi(c, ApiTesting.tokens(dir));
  }

  /** Binds host {@code id}'s API; requests go to it from now on. */
  void bind(String id) throws Exception {
    ActorSystem<HostSupervisor.Command> sys = cluster.host(id).system;
    ActorRef<ElectionFsm.Command> election = ask(sys, HostSupervisor.GetElection::new);
    ActorRef<Watchdog.Command> watchdog = ask(sys, HostSupervisor.GetWatchdog::new);
    // how long the API waits for the master before answering 503: scaled, as a loaded machine slows the master
    Duration answer = Duration.ofMillis((long) (ClusterWatch.ASK.multipliedBy(2).toMillis() * ClusterWatch.FACTOR));
    binding = new HttpApi(sys, election, watchdog, cluster.host(id).events, answer,
        cluster.host(id).settings.restart(), 16, tokens.auth()).bind("127.0.0.1", 0).toCompletableFuture().get();
    url = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  /** A power-on (POST /api/v1/vms) with this JSON body, as the operator. */
  HttpRequest powerOnRequest(String json) {
    return post("/api/v1/vms", json);
  }

  HttpResponse<String> powerOn(String json) {
    return send(powerOnRequest(json));
  }

  /** An operator's power-off of {@code vm} (POST /api/v1/vms/{name}/power-off). */
  HttpResponse<String> powerOff(String vm) {
    return send(post("/api/v1/vms/" + vm + "/power-off", "{}"));
  }

  /** Asks for host {@code host} to enter ({@code enter}) or exit maintenance (POST /api/v1/hosts/{id}/maintenance). */
  HttpResponse<String> maintenance(String host, boolean enter) {
    return send(post("/api/v1/hosts/" + host + "/maintenance", "{\"enter\": " + enter + "}"));
  }

  private HttpRequest post(String path, String json) {
    return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + tokens.operator())
        .timeout(Duration.ofMillis((long) (30_000 * ClusterWatch.FACTOR))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  private HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  HttpClient http() {
    return http;
  }

  @Override
  public void close() throws Exception {
    if (binding != null) binding.unbind().toCompletableFuture().get();
    cluster.close();
  }

  private static <T> T ask(ActorSystem<HostSupervisor.Command> sys, Function<ActorRef<T>, HostSupervisor.Command> m)
      throws Exception {
    return AskPattern.ask(sys, m::apply, ClusterWatch.ASK, sys.scheduler()).toCompletableFuture().get();
  }
}
