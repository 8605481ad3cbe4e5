package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.Operation;
import dev.vmha.restart.WaitReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: HA disabled for the cluster survives a master change. Four hosts with real actor systems; HA is disabled
 * through the master, which then crashes; the new master reads the switch with the protected list, so when a slave
 * crashes too its VM is held (not failed over) until HA is enabled again — and then runs exactly once. Meanwhile the
 * remaining slave's timeline (what its API serves) carries both masters' decisions as they took them.
 */
class HaSwitchClusterTest {
  @TempDir Path dir;
  SimulatedCluster cluster;
  ClusterWatch watch;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  @Test
  void haDisabledSurvivesAMasterChangeAndHoldsTheFailoverUntilEnabled() throws Exception {
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(4, ClusterWatch.fastSettings(2), 2, dir,
        ConfigFactory.load("application-test")));
    watch = new ClusterWatch(cluster, () -> "");
    String master = watch.awaitOneMaster(4);
    List<String> slaves = new ArrayList<>(List.of("host1", "host2", "host3", "host4"));
    slaves.remove(master);
    String victim = slaves.get(0);
    watch.powerOn(master, new VmSpec("vm1", 512, 1), victim);
    watch.powerOn(master, new VmSpec("vm2", 512, 1), slaves.get(1));

    MasterCoordinator.OperationResult off = cluster.operate(master,
        new Operation.SwitchHa(Optional.empty(), false, "test"), ClusterWatch.ASK);
    assertTrue(off.ok(), off.message());
    watch.awaitListReplicated(master);

    cluster.crash(master);
    watch.await("a new master among the survivors", 60, () -> cluster.masters(ClusterWatch.ASK).size() == 1
        && !cluster.masters(ClusterWatch.ASK).get(0).equals(master));
    String second = cluster.masters(ClusterWatch.ASK).get(0);
    watch.await(second + " shows HA disabled", 30, () -> cluster.status(second, ClusterWatch.ASK)
        .map(s -> !s.ha().clusterEnabled()).orElse(false));

    // the slave that crashes next, and the VM it runs (vm1 at slaves[0], vm2 at slaves[1])
    String lost = victim.equals(second) ? slaves.get(1) : victim;
    String lostVm = lost.equals(slaves.get(0)) ? "vm1" : "vm2";
    watch.await(lostVm + " runs at " + lost + " before " + lost + " crashes", 10,
        () -> cluster.running().getOrDefault(lostVm, List.of()).equals(List.of(lost)));
    cluster.crash(lost);
    watch.await(second + " judges " + lost + " dead and holds " + lostVm, 60, () -> held(second, lostVm)
        && cluster.host(second).events().stream().anyMatch(e -> e instanceof HaEvent.HostJudged j
            && j.host().equals(lost) && j.verdict() == Verdict.DEAD));
    assertFalse(cluster.running().containsKey(lostVm), lostVm + " not failed over: " + cluster.running());

    MasterCoordinator.OperationResult on = cluster.operate(second,
        new Operation.SwitchHa(Optional.empty(), true, "test"), ClusterWatch.ASK);
    assertTrue(on.ok(), on.message());
    watch.await(lostVm + " restarted once HA is enabled", 60, () -> cluster.running()
        .getOrDefault(lostVm, List.of()).size() == 1);
    // issue 22: the third slave's timeline carries both masters' decisions, kept apart from its own
    String witness = slaves.stream().filter(h -> !h.equals(second) && !h.equals(lost)).findFirst().orElseThrow();
    watch.await(witness + " heard " + master + "'s placement and " + second + "'s verdict and restart", 10, () -> {
      List<HaEvent> heard = cluster.host(witness).events.clusterRecent();
      return heard.stream().anyMatch(e -> e instanceof HaEvent.VmProtected p && p.by().equals(master))
          && heard.stream().anyMatch(e -> e instanceof HaEvent.HostJudged j && j.by().equals(second)
              && j.host().equals(lost) && j.verdict() == Verdict.DEAD)
          && heard.stream().anyMatch(e -> e instanceof HaEvent.VmRestarted r && r.by().equals(second)
              && r.vm().equals(lostVm));
    });
    assertTrue(cluster.host(witness).events().stream().allMatch(e -> e.by().equals(witness)),
        "heard events among " + witness + "'s own: " + cluster.host(witness).events());
    watch.assertSafe();
  }

  private boolean held(String master, String vm) {
    return cluster.host(master).events().stream().anyMatch(e -> e instanceof HaEvent.VmRestartWaiting w
        && w.vm().equals(vm) && w.kind() == WaitReason.HA_DISABLED);
  }
}
