package dev.vmha.sim;

import dev.vmha.api.ApiTesting;
import dev.vmha.api.HttpApi;
import dev.vmha.election.ElectionFsm;
import dev.vmha.host.HostSupervisor;
import dev.vmha.watchdog.Watchdog;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;

/** A simulated host's real HTTP API, bound on a free loopback port, for tests that drive a cluster through it. */
final class SimulatedApi {
  private SimulatedApi() {}

  /** Binds host {@code id}'s API with these tokens; the binding's port is the API's. */
  static ServerBinding bind(SimulatedCluster cluster, String id, ApiTesting.Tokens tokens) throws Exception {
    ActorSystem<HostSupervisor.Command> sys = cluster.host(id).system;
    Duration ask = ClusterWatch.ASK;
    ActorRef<ElectionFsm.Command> election = ask(sys, HostSupervisor.GetElection::new);
    ActorRef<Watchdog.Command> watchdog = ask(sys, HostSupervisor.GetWatchdog::new);
    return new HttpApi(sys, election, watchdog, cluster.host(id).events, ask.multipliedBy(2),
        cluster.host(id).settings.restart(), 16, tokens.auth()).bind("127.0.0.1", 0).toCompletableFuture().get();
  }

  /** The API's base URL. */
  static String url(ServerBinding b) {
    return "http://127.0.0.1:" + b.localAddress().getPort();
  }

  private static <T> T ask(ActorSystem<HostSupervisor.Command> sys, Function<ActorRef<T>, HostSupervisor.Command> m)
      throws Exception {
    return AskPattern.ask(sys, m::apply, ClusterWatch.ASK, sys.scheduler()).toCompletableFuture().get();
  }
}
