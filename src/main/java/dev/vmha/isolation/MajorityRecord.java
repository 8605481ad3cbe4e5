package dev.vmha.isolation;

import java.time.Instant;
import java.util.Set;

/**
 * Without heartbeat datastores: what an agent keeps on the host's own disk so that the next agent on this host carries
 * its minority clock on (seed 1912). The majority restarts a silent host's VMs after
 * {@link dev.vmha.timing.TimingRules#majorityStillBound} counted from when it last heard the host; an agent restarted
 * meanwhile must fence by then too, though it never saw the minority begin.
 *
 * @param heardAt the wall time of the last self-fence round at which this host heard a strict majority
 * @param known the hosts that were cluster members then (the {@link MajorityRule}'s denominator): a new agent that
 *     has not joined yet sees no members, and without them would count itself a majority of one
 */
public record MajorityRecord(Instant heardAt, Set<String> known) {
  public MajorityRecord {
    known = Set.copyOf(known);
  }
}
