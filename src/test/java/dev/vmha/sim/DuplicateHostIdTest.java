package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.host.Agent;
import dev.vmha.host.Drivers;
import dev.vmha.host.HostSupervisor;
import dev.vmha.host.Incarnations;
import dev.vmha.hypervisor.InMemoryHypervisor;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, finding 5 on the cluster: a second agent configured as host2 (a copied configuration) on another port
 * joins the running cluster. It finds host2 a member at another address and stops, naming both addresses, and its
 * run loop must not start it again; host2, which joined first, records the duplicate and goes on.
 */
class DuplicateHostIdTest {
  @TempDir Path dir;
  private SimulatedCluster cluster;
  private ActorSystem<HostSupervisor.Command> second;

  @AfterEach
  void stop() {
    if (second != null) second.terminate();
    if (cluster != null) cluster.close();
  }

  @Test
  void anAgentThatFindsItsHostIdAtAnotherAddressStopsAndTheFirstRecordsIt() throws Exception {
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(2, ClusterWatch.fastSettings(), 0, dir,
        ConfigFactory.load("application-test")));
    ClusterWatch watch = new ClusterWatch(cluster, () -> "");
    watch.awaitOneMaster(2);
    SimulatedCluster.Host host2 = cluster.host("host2");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    HaSettings s = HaSettings.from(ConfigFactory.parseMap(Map.of(
            "vmha.host.id", "host2",
            "vmha.host.address", "127.0.0.1",
            "vmha.host.port", port,
            "vmha.host.http-port", 99,
            "vmha.host.data-dir", dir.resolve("second").toString(),
            "vmha.hypervisor.type", "in-memory",
            "vmha.cluster.seed-nodes", List.of("127.0.0.1:" + cluster.host("host1").clusterPort)))
        .withFallback(ClusterWatch.fastSettings()).withFallback(HaSettings.defaults()).resolve());
    Config pekko = ConfigFactory.parseString("""
        pekko.remote.artery.advanced.test-mode = on
        pekko.coordinated-shutdown.run-by-actor-system-terminate = off
        """).withFallback(ConfigFactory.load("application-test"));
    EventLog events = EventLog.inMemory();
    Incarnations incarnations = new Incarnations();
    second = Agent.start(s, io -> new Drivers(new InMemoryHypervisor("host2"), List.of(),
        (target, timeout) -> CompletableFuture.completedFuture(true),
        (target, timeout) -> CompletableFuture.completedFuture(true)), events, Clock.systemUTC(), pekko, incarnations);

    String first = "127.0.0.1:" + host2.clusterPort;
    String other = "127.0.0.1:" + port;
    watch.await("the second agent stopped", 30, () -> second.whenTerminated().isCompleted());
    String why = incarnations.refused().orElseThrow(() -> new AssertionError("the run loop would start it again"));
    assertTrue(why.contains(first) && why.contains(other), why);
    assertEquals(List.of(new Recorded(first, other, true)), recorded(events.recent()));
    watch.await("host2 recorded the duplicate", 10, () -> recorded(host2.events()).contains(
        new Recorded(other, first, false)));
    watch.awaitOneMaster(2);
  }

  private record Recorded(String otherAddress, String address, boolean stops) {}

  private static List<Recorded> recorded(List<HaEvent> events) {
    return events.stream().filter(e -> e instanceof HaEvent.DuplicateHostId).map(e -> (HaEvent.DuplicateHostId) e)
        .map(d -> new Recorded(d.otherAddress(), d.address(), d.thisAgentStops())).toList();
  }
}
