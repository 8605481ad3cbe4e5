package dev.vmha.api;

import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import java.util.Optional;
import org.apache.pekko.cluster.MemberStatus;

/**
 * GET /ready's rule: an agent is ready when it is an Up cluster member and knows its place, master or slave of a
 * known master; anything else is not ready, with the reason. An ISOLATED host is not ready: it has no master and runs
 * no decisions for the cluster. Pure.
 */
public final class Readiness {
  /** What /ready answers: 200 when {@code ready}, else 503 with {@code reason}. */
  public record Answer(boolean ready, Optional<Role> role, Optional<String> master, Optional<String> reason) {
    static Answer not(Optional<Role> role, String reason) {
      return new Answer(false, role, Optional.empty(), Optional.of(reason));
    }
  }

  private Readiness() {}

  /** @param role empty when the election FSM did not answer */
  public static Answer of(MemberStatus member, Optional<ElectionFsm.RoleInfo> role) {
    if (member != MemberStatus.up() && member != MemberStatus.weaklyUp()) {
      return Answer.not(role.map(ElectionFsm.RoleInfo::role), "not a cluster member yet (membership " + member + ")");
    }
    if (role.isEmpty()) return Answer.not(Optional.empty(), "the election did not answer in time");
    ElectionFsm.RoleInfo r = role.get();
    Optional<Role> name = Optional.of(r.role());
    return switch (r.role()) {
      case MASTER, SLAVE -> r.master().map(m -> new Answer(true, name, Optional.of(m), Optional.empty()))
          .orElseGet(() -> Answer.not(name, "no master known yet"));
      case UNINITIALIZED -> Answer.not(name, "a cluster member, not in an election yet");
      case ELECTION -> Answer.not(name, "election in progress: no master yet");
      case ISOLATED -> Answer.not(name,
          "isolated: no master, no isolation address and no election traffic answer (GET /api/v1/events says since when)");
    };
  }
}
