package dev.vmha.master;

import dev.vmha.classify.Reachability;
import dev.vmha.cluster.ClusterRoles;
import java.util.Optional;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;

/** Pekko's membership events as the master's machine takes them ({@link MasterInput.Membership}). */
final class MemberEvents {
  private MemberEvents() {}

  /** A Pekko membership event as the machine takes it: the host, what it says of reachability, its name. */
  static Optional<MasterInput.Membership> input(ClusterEvent.ClusterDomainEvent e) {
    if (e instanceof ClusterEvent.UnreachableMember u) return of(u.member(), Reachability.UNREACHABLE, "unreachable");
    if (e instanceof ClusterEvent.ReachableMember u) return of(u.member(), Reachability.REACHABLE, "reachable again");
    if (e instanceof ClusterEvent.MemberRemoved u) return of(u.member(), Reachability.REMOVED, "removed");
    if (e instanceof ClusterEvent.MemberDowned u) return of(u.member(), Reachability.REMOVED, "downed");
    if (e instanceof ClusterEvent.MemberUp u) return of(u.member(), Reachability.REACHABLE, "up");
    if (e instanceof ClusterEvent.MemberWeaklyUp u) return of(u.member(), Reachability.REACHABLE, "weakly up");
    return Optional.empty();
  }

  private static Optional<MasterInput.Membership> of(Member m, Reachability r, String change) {
    return ClusterRoles.hostId(m).map(id -> new MasterInput.Membership(id, r, change, ClusterRoles.mgmtTarget(m),
        m.address().toString()));
  }
}
