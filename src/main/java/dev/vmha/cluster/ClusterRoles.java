package dev.vmha.cluster;

import dev.vmha.ping.PingTarget;
import java.util.Optional;
import org.apache.pekko.cluster.Member;

/**
 * The Pekko cluster roles that carry a member's vmha identity: {@code host:<id>} names its host, and
 * {@code mgmt:<address>:<port>} its management (HTTP) address, so any member can tell who another member is and
 * ping it without asking it.
 */
public final class ClusterRoles {
  private static final String HOST_PREFIX = "host:";
  private static final String MGMT_PREFIX = "mgmt:";

  private ClusterRoles() {}

  /** The role an agent with this host id joins with. */
  public static String hostRole(String hostId) {
    return HOST_PREFIX + hostId;
  }

  /** The role that carries an agent's management address. */
  public static String mgmtRole(String address, int port) {
    return MGMT_PREFIX + address + ":" + port;
  }

  /** The host id a member joined with; empty for a member that is not a vmha agent. */
  public static Optional<String> hostId(Member member) {
    return withPrefix(member, HOST_PREFIX);
  }

  /** The management address a member joined with; empty when its agent serves no API. */
  public static Optional<PingTarget> mgmtTarget(Member member) {
    return withPrefix(member, MGMT_PREFIX).flatMap(PingTarget::parse);
  }

  private static Optional<String> withPrefix(Member member, String prefix) {
    return member.getRoles().stream().filter(r -> r.startsWith(prefix)).map(r -> r.substring(prefix.length()))
        .findFirst();
  }
}
