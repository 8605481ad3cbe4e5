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
    assertEquals(new Readiness.Answer(true, Optional.of(dev.vmha.election.Role.SLAVE), Optional.of("host4"),
            Optional.empty()),
        Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.SLAVE, "host4")));
    assertTrue(Readiness.of(MemberStatus.weaklyUp(), role(dev.vmha.election.Role.MASTER, "host2")).ready());
  }

  @Test
  void everythingElseIsNotReadyWithAReason() {
    Readiness.Answer joining = Readiness.of(MemberStatus.joining(), role(dev.vmha.election.Role.UNINITIALIZED, null));
    assertFalse(joining.ready());
    assertTrue(joining.reason().orElseThrow().contains("not a cluster member yet (membership Joining)"),
        joining.reason().orElseThrow());
    assertTrue(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.ELECTION, null)).reason().orElseThrow()
        .startsWith("election in progress"));
    assertTrue(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.ISOLATED, null)).reason().orElseThrow()
        .startsWith("isolated"));
    assertTrue(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.UNINITIALIZED, null)).reason().orElseThrow()
        .contains("not in an election yet"));
    assertEquals(Optional.of("the election did not answer in time"),
        Readiness.of(MemberStatus.up(), Optional.empty()).reason());
    assertFalse(Readiness.of(MemberStatus.up(), role(dev.vmha.election.Role.SLAVE, null)).ready());
  }
}
