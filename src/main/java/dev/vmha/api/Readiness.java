package dev.vmha.api;

import dev.vmha.election.ElectionFsm;
import java.util.Optional;
import org.apache.pekko.cluster.MemberStatus;

/**
 * GET /ready's rule: an agent is ready when it is an Up cluster member and knows its place, master or slave of a
 * known master; anything else is not ready, with the reason. An ISOLATED host is not ready: it has no master and runs
 * no decisions for the cluster. Pure.
 */
public final class Readiness {
  /** What /ready answers: 200 when {@code ready}, else 503 with {@code reason}. */
  public record Answer(boolean ready, String role, String master, String reason) {}

  private Readiness() {}

  /** @param role empty when the election FSM did not answer */
  public static Answer of(MemberStatus member, Optional<ElectionFsm.RoleInfo> role) {
    if (member != MemberStatus.up() && member != MemberStatus.weaklyUp()) {
      return new Answer(false, role.map(r -> r.role().name()).orElse(null), null,
          "not a cluster member yet (membership " + member + ")");
    }
    if (role.isEmpty()) return new Answer(false, null, null, "the election did not answer in time");
    ElectionFsm.RoleInfo r = role.get();
    String name = r.role().name();
    return switch (r.role()) {
      case MASTER, SLAVE -> r.master().map(m -> new Answer(true, name, m, null))
          .orElseGet(() -> new Answer(false, name, null, "no master known yet"));
      case UNINITIALIZED -> new Answer(false, name, null, "a cluster member, not in an election yet");
      case ELECTION -> new Answer(false, name, null, "election in progress: no master yet");
      case ISOLATED -> new Answer(false, name, null,
          "isolated: no master, no isolation address and no election traffic answer (GET /api/v1/events says since when)");
    };
  }
}
