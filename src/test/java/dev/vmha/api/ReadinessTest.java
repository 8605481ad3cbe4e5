package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.election.ElectionFsm;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  private static Optional<ElectionFsm.RoleInfo> role(dev.vmha.election.Role r, String master) {
    return Optional.of(new ElectionFsm.RoleInfo("host2", r, Optional.ofNullable(master), Optional.empty(),
        OptionalLong.empty()));
  }

  @Test
  void readyIsAnUpMemberWithAMaster() {
    assertEquals(new Readiness.Answer(true, "SLAVE", "host4", null),
        Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.SLAVE, "host4")));
    assertTrue(Readiness.of(MemberStatus.weaklyUp(), role(dev.vmha.election.Role.MASTER, "host2")).ready());
  }

  @Test
  void everythingElseIsNotReadyWithAReason() {
    Readiness.Answer joining = Readiness.of(MemberStatus.joining(), role(dev.vmha.election.Role.UNINITIALIZED, null));
    assertFalse(joining.ready());
    assertTrue(joining.reason().contains("not a cluster member yet (membership Joining)"), joining.reason());
    assertTrue(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.ELECTION, null)).reason()
        .startsWith("election in progress"));
    assertTrue(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.ISOLATED, null)).reason().startsWith("isolated"));
    assertTrue(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.UNINITIALIZED, null)).reason()
        .contains("not in an election yet"));
    assertEquals("the election did not answer in time", Readiness.of(MemberStatus.up(), Optional.empty()).reason());
    assertFalse(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.SLAVE, null)).ready());
  }
}
