package dev.vmha.host;

import dev.vmha.datastore.HostHeartbeat;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether another live agent runs with this host's id, told from this id's heartbeat file on a datastore: a file last
 * written from this agent's own cluster address is a previous incarnation of this agent; one written from another
 * address (or by an agent not in a cluster yet) that still changes while this agent, not yet writing, watches it is
 * another agent's, and two agents of one id would both run VMs under one name.
 */
public final class DuplicateHostRule {
  private DuplicateHostRule() {}

  /** Whether a heartbeat found at start must be watched: it was not written by this agent's address. */
  public static boolean mustWatch(String ownAddress, HostHeartbeat found) {
    return !found.address().equals(ownAddress);
  }

  /**
   * How long to watch: its writer writes once an interval, and a write may land up to io-delay-max late, so two
   * intervals and that delay see at least one write of a live writer.
   */
  public static Duration watch(Duration interval, Duration ioDelayMax) {
    return interval.multipliedBy(2).plus(ioDelayMax);
  }

  /** The other agent, if the file changed between the two reads. */
  public static Optional<String> otherAgent(String datastore, HostHeartbeat before, HostHeartbeat after) {
    if (after.counter() == before.counter()) return Optional.empty();
    return Optional.of("another agent with this id writes its heartbeat on datastore " + datastore + " (from "
        + (after.address().isEmpty() ? "an address not in a cluster yet" : after.address()) + "; counter "
        + before.counter() + " -> " + after.counter() + " while this one watched)");
  }
}
