package dev.vmha.host;

import dev.vmha.cluster.ClusterRoles;
import dev.vmha.datastore.HostHeartbeat;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Whether another live agent runs with this host's id, told from this id's heartbeat file on a datastore: a file last
 * written from this agent's own cluster address is a previous incarnation of this agent; one written from another
 * address (or by an agent not in a cluster yet) that still changes while this agent, not yet writing, watches it is
 * another agent's, and two agents of one id would both run VMs under one name.
 *
 * <p>On the cluster (issue 20, finding 5), a member that joined with this host's role ({@code host:<id>}) from another
 * address (host and port; the same address with another uid is a later incarnation of one agent) is another agent
 * of this id. Of the two, the one that joined later stops: the other is the one its peers have known, and it keeps
 * running and records the duplicate.
 */
public final class DuplicateHostRule {
  private DuplicateHostRule() {}

  /** Whether a heartbeat found at start must be watched: it was not written by this agent's address. */
  public static boolean mustWatch(String ownAddress, HostHeartbeat found) {
    return !found.address().equals(ownAddress);
  }


  /** The other agent, if the file changed between the two reads. */
  public static Optional<String> otherAgent(String datastore, HostHeartbeat before, HostHeartbeat after) {
    if (after.counter() == before.counter()) return Optional.empty();
    return Optional.of("another agent with this id writes its heartbeat on datastore " + datastore + " (from "
        + (after.address().isEmpty() ? "an address not in a cluster yet" : after.address()) + "; counter "
        + before.counter() + " -> " + after.counter() + " while this one watched)");
  }

  /** What a member with this host's id at another address means for this agent. */
  public enum ClusterDuplicate {
    /** Not another agent of this id. */
    NONE,
    /** This agent joined after the other: it must not go on. */
    STOP_THIS_AGENT,
    /** The other joined after this one: it stops by itself; this one records it. */
    REPORT_OTHER
  }

  /** Statuses of a member that runs, or is about to: a leaving or removed one is on its way out already. */
  private static final Set<MemberStatus> LIVE = Set.of(MemberStatus.joining(), MemberStatus.weaklyUp(),
      MemberStatus.up());

  /**
   * Whether {@code other} is another agent of {@code self}'s host id, and which of the two goes on. A later one is
   * recorded whatever its status (it may be leaving already when this agent hears of it); an earlier one stops this
   * agent only while it runs (one on its way out may be this host's own previous incarnation at an older address).
   */
  public static ClusterDuplicate inCluster(Member self, Member other) {
    Optional<String> id = ClusterRoles.hostId(self);
    if (id.isEmpty() || !id.equals(ClusterRoles.hostId(other)) || other.address().equals(self.address())) {
      return ClusterDuplicate.NONE;
    }
    if (self.isOlderThan(other)) return ClusterDuplicate.REPORT_OTHER;
    return LIVE.contains(other.status()) ? ClusterDuplicate.STOP_THIS_AGENT : ClusterDuplicate.NONE;
  }
}
