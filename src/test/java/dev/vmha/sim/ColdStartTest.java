package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.history.HaEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 9: agents started together come up seconds apart on a busy machine (the lab: 6–18 s from start to
 * join); the best-ranked one (every host sees both datastores, so the highest id) must be elected, not the first
 * one up. The hosts are the configured nodelist (every host a seed node), so each waits for them all.
 */
class ColdStartTest {
  @TempDir Path dir;
  SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  @Test
  void agentsStartedFurtherApartThanWindowPlusHostTimeoutElectTheBestRankedHostOnly() {
    // the fast settings and the default cold-start-wait (60 s); each host starts 2 s after the one before, so host5
    // starts 8 s after host1: more than window + hostTimeout (3 s), the most a host seen starting is waited for
    Config settings = ClusterWatch.fastSettings();
    Duration stagger = Duration.ofSeconds(2);
    assertTrue(stagger.multipliedBy(4).compareTo(Duration.ofSeconds(1 + 2)) > 0);
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(5, settings, 2, dir,
        ConfigFactory.load("application-test")), stagger);
    assertEquals("host5", new ClusterWatch(cluster, () -> "").awaitOneMaster(5));
    // no host elected another first (which would then step down, or be followed for good by later hosts)
    List<String> elections = new ArrayList<>();
    for (SimulatedCluster.Host h : cluster.hosts()) {
      for (HaEvent e : h.events()) {
        if (e instanceof HaEvent.MasterElected m) elections.add(m.by() + " elected " + m.master());
      }
    }
    assertEquals(5, elections.size(), elections.toString());
    assertTrue(elections.stream().allMatch(e -> e.endsWith(" elected host5")), elections.toString());
  }
}
