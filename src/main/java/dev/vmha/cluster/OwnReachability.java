package dev.vmha.cluster;

import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.UniqueAddress;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The members this host's own failure detector cannot reach — whom it hears, both ways, as the simulator's hosts
 * count ({@code sim.SimNetwork.connected}), which is what the majority rules were proven with.
 *
 * <p>Pekko's public view ({@code CurrentClusterState.getUnreachable}, the reachability events, the receptionist's
 * listing) calls a member unreachable when any member's detector cannot reach it, for its leader's convergence. Counted
 * from that, a fault between two other hosts takes both from this host's side: a slave cut off from the two other
 * slaves of four left every host counting a minority, and all four fenced (CanonicalCasesTest); after a partition
 * healed, an observation made by a host cut off again before it could take it back kept hosts that heard each other
 * apart (CI run 31). Every detector watches every member (application.conf: {@code monitored-by-nr-of-members}), so a
 * host's own observations cover the cluster.
 */
public final class OwnReachability {
  private final Set<UniqueAddress> unreachable;

  private OwnReachability(Set<UniqueAddress> unreachable) {
    this.unreachable = unreachable;
  }

  /** This host's own observations now. */
  public static OwnReachability of(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(Adapter.toClassic(system));
    // Pekko's internal API (pekko-management's cluster routes read it too): the public view merges every observer's
    return new OwnReachability(CollectionConverters.asJava(
        cluster.readView().reachability().allUnreachableFrom(cluster.selfUniqueAddress())));
  }

  /** Whether this host's failure detector has found the member unreachable. */
  public boolean unreachable(Member member) {
    return unreachable.contains(member.uniqueAddress());
  }

  /** Whether this host's failure detector has found the member at this address unreachable. */
  public boolean unreachable(Address address) {
    return unreachable.stream().anyMatch(u -> u.address().equals(address));
  }
}
