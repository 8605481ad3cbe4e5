package dev.vmha.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.CapacitySettings;
import dev.vmha.config.HaSettings;
import dev.vmha.restart.RestartPriority;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Admission control as a pure function over the cluster model (issue 23). */
class AdmissionTest {
  private static CapacitySettings settings(String admission) {
    return HaSettings.capacity(ConfigFactory.parseString("vmha.capacity.admission = " + admission)
        .withFallback(HaSettings.defaults()).resolve());
  }

  /** host1 and host2 have 4096 MB each; web1 (2048 MB) runs at host1: either host may fail. */
  private static Cluster cluster() {
    return new Cluster(List.of(new Cluster.Host("host1", 4096, 2048, 0, Cluster.HostState.UP),
        new Cluster.Host("host2", 4096, 4096, 0, Cluster.HostState.UP)),
        List.of(new Cluster.Vm("web1", 2048, 0, "host1", RestartPriority.MEDIUM, 0)), Optional.empty());
  }

  private static final Cluster.Vm DB1 = new Cluster.Vm("db1", 3072, 0, "host2", RestartPriority.HIGH, 0);

  @Test
  void anOperationThatKeepsThePlanIsAllowed() {
    CapacitySettings s = settings("refuse");
    CapacityPlan now = CapacityPlan.of(cluster(), s);
    Cluster.Vm small = new Cluster.Vm("app1", 1024, 0, "host2", RestartPriority.MEDIUM, 0);
    assertEquals(Admission.Outcome.ALLOWED, Admission.judge(Optional.of(now), cluster().plus(small), s, "power on app1").outcome());
  }

  @Test
  void anOperationThatBreaksThePlanIsRefusedOrWarnedWithWhichFailureLeavesWhichVmWithoutRoom() {
    for (String mode : List.of("refuse", "warn")) {
      CapacitySettings s = settings(mode);
      Admission.Decision d = Admission.judge(Optional.of(CapacityPlan.of(cluster(), s)), cluster().plus(DB1), s, "power on db1");
      assertEquals(mode.equals("refuse") ? Admission.Outcome.REFUSED : Admission.Outcome.WARNED, d.outcome());
      assertTrue(d.reason().startsWith("power on db1 would leave the cluster without room for its failovers"
          + " (vmha.capacity.policy = host-failures)"), d.reason());
      // db1 takes the room web1 would need
      assertTrue(d.reason().contains("if host1 failed, web1 (on host1) would not come back: no surviving host has room:"
          + " needs 2048 MB"), d.reason());
      assertTrue(!d.after().ok() && !d.reason().contains("already"), d.reason());
    }
  }

  @Test
  void onAnOvercommittedClusterTheReasonSaysSo() {
    CapacitySettings s = settings("refuse");
    Cluster over = cluster().plus(DB1);
    Cluster.Vm more = new Cluster.Vm("app1", 512, 0, "host2", RestartPriority.LOW, 0);
    Admission.Decision d = Admission.judge(Optional.of(CapacityPlan.of(over, s)), over.plus(more), s, "power on app1");
    assertEquals(Admission.Outcome.REFUSED, d.outcome());
    assertTrue(d.reason().endsWith("(the cluster is overcommitted already)"), d.reason());
  }

  @Test
  void withThePolicyDisabledEverythingIsAllowed() {
    CapacitySettings s = HaSettings.capacity(ConfigFactory.parseString("vmha.capacity { policy = disabled,"
        + " admission = refuse }").withFallback(HaSettings.defaults()).resolve());
    assertEquals(Admission.Outcome.ALLOWED,
        Admission.judge(Optional.of(CapacityPlan.of(cluster(), s)), cluster().plus(DB1), s, "power on db1").outcome());
  }
}
