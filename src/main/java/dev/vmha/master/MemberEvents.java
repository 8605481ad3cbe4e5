package dev.vmha.master;

import dev.vmha.classify.Reachability;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.cluster.OwnReachability;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Pekko's membership events as the master's machine takes them ({@link MasterInput.Membership}). Its reachability
 * events are not: they merge every member's observations; the master takes its own ({@link #reachability}).
 */
final class MemberEvents {
  private MemberEvents() {}

  /**
   * A Pekko membership event as the machine takes it: the host, what it says of reachability, its name. A host up or
   * gone again is told anew whether this host reaches it ({@code unreachable}: see {@link #reachability}).
   */
  static Optional<MasterInput.Membership> input(ClusterEvent.ClusterDomainEvent e, Set<String> unreachable) {
    Optional<MasterInput.Membership> in = input(e);
    in.ifPresent(m -> unreachable.remove(m.host()));
    return in;
  }

  private static Optional<MasterInput.Membership> input(ClusterEvent.ClusterDomainEvent e) {
    if (e instanceof ClusterEvent.MemberRemoved u) return of(u.member(), Reachability.REMOVED, "removed");
    if (e instanceof ClusterEvent.MemberDowned u) return of(u.member(), Reachability.REMOVED, "downed");
    if (e instanceof ClusterEvent.MemberUp u) return of(u.member(), Reachability.REACHABLE, "up");
    if (e instanceof ClusterEvent.MemberWeaklyUp u) return of(u.member(), Reachability.REACHABLE, "weakly up");
    return Optional.empty();
  }

  /**
   * Each member this host itself now reaches, or no longer reaches ({@link OwnReachability}), as the machine takes
   * it, when that differs from what it was told last ({@code unreachable}: the hosts it was told it does not reach,
   * kept up to date).
   */
  static List<MasterInput.Membership> reachability(ActorSystem<?> system, Set<String> unreachable) {
    OwnReachability own = OwnReachability.of(system);
    List<MasterInput.Membership> changed = new ArrayList<>();
    for (Member m : Cluster.get(system).state().getMembers()) reachability(m, own, unreachable).ifPresent(changed::add);
    return changed;
  }

  private static Optional<MasterInput.Membership> reachability(Member m, OwnReachability own,
      Set<String> unreachable) {
    Optional<String> id = ClusterRoles.hostId(m);
    boolean leaving = m.status() == MemberStatus.down() || m.status() == MemberStatus.removed();
    boolean now = own.unreachable(m);
    if (id.isEmpty() || leaving || now == unreachable.contains(id.get())) return Optional.empty();
    if (now) unreachable.add(id.get()); else unreachable.remove(id.get());
    return now ? of(m, Reachability.UNREACHABLE, "unreachable") : of(m, Reachability.REACHABLE, "reachable again");
  }

  private static Optional<MasterInput.Membership> of(Member m, Reachability r, String change) {
    return ClusterRoles.hostId(m).map(id -> new MasterInput.Membership(id, r, change, ClusterRoles.mgmtTarget(m),
        m.address().toString()));
  }
}
