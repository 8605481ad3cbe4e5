package dev.vmha.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.MasterCoordinator.OperationResult;
import dev.vmha.testkit.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 000, cases 1 and 3, on a real four-host cluster: four agents, each its own Pekko actor system, over Artery
 * TCP on 127.0.0.1, sharing two directory datastores; hypervisors and pings are simulated. A host crash (power
 * loss) must end with every protected VM running exactly once on the survivors, and no VM may ever run on two hosts.
 */
class HostCrashClusterTest {
  private static final int VMS = 8;
  private static final long VM_MEMORY_MB = 512;
  /** Formation and recovery each take a few seconds at these timings; the bound leaves room for a loaded machine. */
  private static final Duration FORM = Duration.ofSeconds(30);
  private static final Duration RECOVER = Duration.ofSeconds(30);

  @TempDir Path work;
  @TempDir Path ds1;
  @TempDir Path ds2;

  private TestCluster cluster;
  private List<String> vms;

  @BeforeEach
  void start() {
    cluster = TestCluster.builder().hosts(4).workDir(work).datastores(ds1, ds2).start();
    vms = IntStream.rangeClosed(1, VMS).mapToObj(i -> "vm" + i).toList();
  }

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  /** Forms the cluster, powers the protected VMs on and waits until each runs once; returns the master. */
  private String formAndPowerOn() {
    String master = cluster.awaitFormed(FORM);
    for (String vm : vms) {
      OperationResult r = cluster.powerOn(new VmSpec(vm, VM_MEMORY_MB, 1));
      assertTrue(r.ok(), "power-on of " + vm + " refused: " + r.message());
    }
    cluster.awaitEachRunningOnce(vms, FORM);
    return master;
  }

  @Test
  void slaveCrashRestartsItsVmsOnTheSurvivors() {
    String master = formAndPowerOn();
    Map<String, String> before = cluster.awaitEachRunningOnce(vms, FORM);
    String victim = cluster.liveHostIds().stream().filter(h -> !h.equals(master) && before.containsValue(h))
        .findFirst().orElseThrow(() -> new AssertionError("no slave runs a VM: " + before));
    List<String> victimVms = vmsAt(before, victim);

    cluster.crash(victim);

    Map<String, String> after = cluster.awaitEachRunningOnce(vms, RECOVER);
    assertFalse(after.containsValue(victim), "a VM still placed at the crashed host: " + after);
    assertUnmoved(before, after, victim);
    cluster.await(RECOVER, () -> assertJudgedDeadThenRestarted(master, victim, victimVms, after));
    assertEquals(master, cluster.awaitSingleMaster(RECOVER), "a slave's crash must not change the master");
    cluster.assertSafe();
  }

  @Test
  void masterCrashElectsANewMasterWhichRestartsItsVms() {
    String oldMaster = formAndPowerOn();
    Map<String, String> before = cluster.awaitEachRunningOnce(vms, FORM);
    List<String> masterVms = vmsAt(before, oldMaster);
    assertFalse(masterVms.isEmpty(), "placement spreads the VMs, so the master runs some: " + before);

    cluster.crash(oldMaster);

    String newMaster = cluster.awaitSingleMaster(RECOVER);
    assertNotEquals(oldMaster, newMaster);
    Map<String, String> after = cluster.awaitEachRunningOnce(vms, RECOVER);
    assertFalse(after.containsValue(oldMaster), "a VM still placed at the crashed master: " + after);
    assertUnmoved(before, after, oldMaster);
    cluster.await(RECOVER, () -> assertJudgedDeadThenRestarted(newMaster, oldMaster, masterVms, after));
    assertEquals(newMaster, cluster.awaitSingleMaster(RECOVER));
    cluster.assertSafe();
  }

  private static List<String> vmsAt(Map<String, String> where, String host) {
    List<String> at = new ArrayList<>();
    where.forEach((vm, h) -> {
      if (h.equals(host)) at.add(vm);
    });
    return at;
  }

  /** HA never moves running VMs: only the crashed host's VMs changed place. */
  private static void assertUnmoved(Map<String, String> before, Map<String, String> after, String crashed) {
    Map<String, String> moved = new TreeMap<>();
    before.forEach((vm, h) -> {
      if (!h.equals(crashed) && !h.equals(after.get(vm))) moved.put(vm, h + "->" + after.get(vm));
    });
    assertTrue(moved.isEmpty(), "VMs of surviving hosts moved: " + moved);
  }

  /**
   * The master's events show the crashed host judged DEAD, and after that one VmRestarted per VM the crashed host
   * ran, at the host where the VM now runs.
   */
  private void assertJudgedDeadThenRestarted(
      String master, String crashed, List<String> crashedVms, Map<String, String> now) {
    List<HaEvent> events = cluster.events(master).recent();
    int judged = -1;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof HaEvent.HostJudged j && j.host().equals(crashed) && j.verdict() == Verdict.DEAD) {
        judged = i;
        break;
      }
    }
    assertTrue(judged >= 0, master + " never judged " + crashed + " DEAD; its verdicts: "
        + cluster.events(master, HaEvent.HostJudged.class));
    List<HaEvent> later = events.subList(judged + 1, events.size());
    for (String vm : crashedVms) {
      List<String> restartedAt = later.stream().filter(e -> e instanceof HaEvent.VmRestarted)
          .map(e -> (HaEvent.VmRestarted) e).filter(r -> r.vm().equals(vm)).map(HaEvent.VmRestarted::host).toList();
      assertEquals(List.of(now.get(vm)), restartedAt,
          vm + " (was on " + crashed + ") must be restarted once, where it runs, after the DEAD verdict");
    }
  }
}
