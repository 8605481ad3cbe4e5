package dev.vmha.isolation;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The self-fence as the {@link FenceMachine} keeps it.
 *
 * @param now virtual time: the sum of the ticks, so a hung datastore that stops the heartbeat rounds still lets the
 *     fence fall
 * @param lastOwnWrite the view's lastOwnWrite as last seen, and {@code writeSeenAt} when it last changed
 * @param minoritySince when this host began to see a strict minority, if it does (a new agent: from its predecessors'
 *     {@link MajorityRecord} until a round of its own sees no minority)
 * @param fenced why the host is fenced, while it is
 * @param known every host this agent has seen as a cluster member (the {@link MajorityRule}'s denominator)
 * @param enforcement whether the host fences itself at all ({@code SUSPENDED} by an operator's emergency disable)
 * @param leftOut since when (virtual time) the master's beats have left this host out of its side, while they do
 */
public record FenceState(
    Duration now, Duration lastOwnWrite, Duration writeSeenAt, Optional<Duration> minoritySince,
    Optional<String> fenced, Set<String> known, Enforcement enforcement, Optional<LeftOut> leftOut) {
  public FenceState {
    known = Set.copyOf(known);
  }

  /** The master whose beats last left this host out of its side, and since when (the first beat that did). */
  public record LeftOut(String master, Duration since) {}

  /** An agent just started: only itself known, nothing written yet, not fenced. */
  public static FenceState initial(String hostId) {
    return new FenceState(Duration.ZERO, Duration.ZERO, Duration.ZERO, Optional.empty(), Optional.empty(),
        Set.of(hostId), Enforcement.ON, Optional.empty());
  }
}
