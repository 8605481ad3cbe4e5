package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 9: agents started together come up a moment apart; the best-ranked one (every host sees both
 * datastores, so the highest id) must be master, not the first one up.
 */
class ColdStartTest {
  @TempDir Path dir;
  SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  @Test
  void agentsStartedAWindowApartElectTheBestRankedHost() {
    // the lab's timings, a little slower (a busy machine starts a JVM's agent in seconds); each host starts half a
    // window after the one before
    Duration window = Duration.ofSeconds(2);
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(3, ConfigFactory.parseString("""
        das.failuredetectioninterval = 500ms
        das.config.fdm.hostTimeout = 4s
        vmha.election.window = 2s
        """).withFallback(ClusterWatch.fastSettings()), 2, dir, ConfigFactory.load("application-test")),
        window.dividedBy(2));
    String master = new ClusterWatch(cluster, () -> "").awaitOneMaster(3);
    assertEquals("host3", master);
  }
}
