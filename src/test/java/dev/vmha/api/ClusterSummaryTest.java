package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.ProtectedList;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.master.ClusterStatus;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ClusterSummaryTest {
  private static final ElectionFsm.RoleInfo MASTER =
      new ElectionFsm.RoleInfo("host1", Role.MASTER, Optional.of("host1"), Optional.empty(), OptionalLong.of(3));

  private static ClusterSummary summary(ProtectedList.HaSwitch ha) {
    ClusterStatus c = new ClusterStatus("host1", "host1", List.of(), List.of(), List.of(), "host1", 3,
        Optional.empty(), ha);
    return ClusterSummary.of(new HttpApi.MasterView(MASTER, Optional.of(c), Optional.empty()), Optional.empty(), 0);
  }

  /** Found reading the code: /api/v1/cluster said haEnabled true while HA was disabled for the cluster. */
  @Test
  void haEnabledIsTheClustersSwitch() {
    assertTrue(summary(ProtectedList.HaSwitch.ENABLED).haEnabled());
    assertFalse(summary(new ProtectedList.HaSwitch(false, List.of())).haEnabled());
    assertTrue(summary(new ProtectedList.HaSwitch(true, List.of("host2"))).haEnabled(), "one host off: the cluster's on");
    assertEquals(Optional.of("host1"), summary(ProtectedList.HaSwitch.ENABLED).listOwner());
  }
}
