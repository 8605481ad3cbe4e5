package dev.vmha.lease;

import dev.vmha.datastore.VmLease;
import dev.vmha.isolation.Enforcement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The leases of one host as the {@link LeaseMachine} keeps them.
 *
 * @param now virtual time: the sum of the ticks, so a hung datastore still lets the fence deadline pass
 * @param held the leases held here by VM
 * @param busy VMs with lease I/O in flight: one operation per lease at a time
 * @param fenced VMs this keeper had powered off, until they are off: their leases stay held (renewed where this host
 *     still owns them) while a power-off hangs, and are never adopted again
 * @param listed whether a first VM list came
 * @param releasing VMs migrated away whose release was asked while their lease I/O was in flight: released, and
 *     answered, once that I/O came back
 * @param enforcement whether an unrenewed lease powers its VM off ({@code SUSPENDED} by an operator's emergency
 *     disable)
 * @param <R> how the shell names the one a release answers
 */
public record LeaseState<R>(
    Duration now, Map<String, Held> held, Set<String> busy, Set<String> fenced, boolean listed,
    Map<String, Releasing<R>> releasing, Enforcement enforcement) {
  public LeaseState {
    held = Map.copyOf(held);
    busy = Set.copyOf(busy);
    fenced = Set.copyOf(fenced);
    releasing = Map.copyOf(releasing);
  }

  /** A release waiting for lease I/O in flight; {@code held}: the lease held when it was asked for. */
  public record Releasing<R>(R replyTo, Optional<VmLease> held) {}

  /**
   * A lease held here: empty until a VM found running here is adopted; {@code lastOk} is the last successful
   * renewal's issue; {@code lateReported} once this stretch without a renewal was reported late.
   */
  public record Held(Optional<VmLease> lease, Duration lastOk, boolean lateReported) {
    Held(Optional<VmLease> lease, Duration lastOk) {
      this(lease, lastOk, false);
    }

    boolean adopting() {
      return lease.isEmpty();
    }
  }

  /** An agent just started: nothing held, no VM list yet. */
  public static <R> LeaseState<R> initial() {
    return new LeaseState<>(Duration.ZERO, Map.of(), Set.of(), Set.of(), false, Map.of(), Enforcement.ON);
  }

  LeaseState<R> with(Map<String, Held> h, Set<String> b, Set<String> f) {
    return new LeaseState<>(now, h, b, f, listed, releasing, enforcement);
  }

  LeaseState<R> releasing(Map<String, Releasing<R>> r) {
    return new LeaseState<>(now, held, busy, fenced, listed, r, enforcement);
  }

  LeaseState<R> enforcing(Enforcement e) {
    return new LeaseState<>(now, held, busy, fenced, listed, releasing, e);
  }

  /** The longest any lease here has gone unrenewed. */
  Duration longestUnrenewed() {
    Duration longest = Duration.ZERO;
    for (Held h : held.values()) {
      Duration u = now.minus(h.lastOk());
      if (u.compareTo(longest) > 0) longest = u;
    }
    return longest;
  }

  /** Whether the VMs found at start have been adopted or released. */
  boolean settled() {
    return listed && held.values().stream().noneMatch(Held::adopting);
  }
}
