package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.master.ClusterStatus;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 finding 2: a power-on is idempotent per name. A second request for a VM that was just started (not yet in
 * its host's report) used to be refused AND unprotect the running VM; now it is refused and changes nothing, however
 * many arrive at once. Driven through a slave's real HTTP API, which forwards to the master.
 */
class PowerOnIdempotenceTest {
  @TempDir Path dir;
  private SimulatedApi api;
  private SimulatedCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (api != null) api.close();
  }

  @Test
  void aSecondPowerOnOfOneNameIsRefusedAndLeavesTheFirstRunningAndProtected() throws Exception {
    // heartbeats 500 ms apart: a VM started just now is missing from its host's report for that long
    api = SimulatedApi.start("das.failuredetectioninterval = 500ms", dir);
    cluster = api.cluster;
    ClusterWatch watch = new ClusterWatch(cluster, () -> "");
    String master = watch.awaitOneMaster(3);
    String slave = cluster.hosts().stream().map(SimulatedCluster.Host::id).filter(h -> !h.equals(master))
        .findFirst().orElseThrow();
    api.bind(slave);
    // the master may still be taking the protected-list lock: its first answer may be a refusal that passes
    watch.await("the master accepts power-ons", 30, () -> api.powerOn(body("probe1")).statusCode() == 200);

    // back to back: the second arrives before web1's host has reported it running
    assertEquals(200, api.powerOn(body("web1")).statusCode());
    HttpResponse<String> second = api.powerOn(body("web1"));
    assertEquals(409, second.statusCode(), second.body());
    // and says so, for a client that retries after a lost answer (ClusterWatch.powerOn, Lab.powerOn)
    assertTrue(second.body().contains("\"alreadyProtected\":true"), second.body());

    // 200 at once: exactly one is accepted, none of the others changes anything
    List<CompletableFuture<HttpResponse<String>>> parallel = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      parallel.add(api.http().sendAsync(api.powerOnRequest(body("db1")), HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> codes = new TreeMap<>();
    for (CompletableFuture<HttpResponse<String>> f : parallel) codes.merge(f.get().statusCode(), 1, Integer::sum);
    // the API admits vmha.api.max-requests-in-flight at once and answers the rest 503 (issue 20 finding 3)
    assertEquals(1, codes.get(200), codes.toString());
    assertTrue(codes.getOrDefault(409, 0) > 0 && codes.keySet().stream().allMatch(c -> c == 200 || c == 409 || c == 503),
        codes.toString());

    // several heartbeats and datastore rounds later: each runs once and is still protected
    watch.await("web1 and db1 reported running", 10, () -> running("web1") == 1 && running("db1") == 1);
    watch.hold(Duration.ofSeconds(2));
    ClusterStatus status = cluster.status(master, ClusterWatch.ASK).orElseThrow();
    List<String> protectedVms = status.vms().stream().map(ClusterStatus.VmStatus::name).sorted().toList();
    assertEquals(List.of("db1", "probe1", "web1"), protectedVms, watch.report());
    assertEquals(1, running("web1"), watch.report());
    assertEquals(1, running("db1"), watch.report());
  }

  private int running(String vm) {
    return cluster.running().getOrDefault(vm, List.of()).size();
  }

  private static String body(String vm) {
    return "{\"name\":\"" + vm + "\",\"memoryMb\":256,\"cpus\":1}";
  }
}
