package dev.vmha.lease;

import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.isolation.Enforcement;
import java.time.Duration;
import java.util.Optional;

/**
 * What the {@link LeaseMachine} asks its shell to do, in order. The lease I/O ({@link Swap}, {@link Read},
 * {@link Repair}) is answered by the matching {@link LeaseInput}, which carries the effect back.
 *
 * @param <R> how the shell names the one a {@link LeaseInput.Take} or a {@link LeaseInput.Release} answers
 */
public sealed interface LeaseEffect<R> {

  /** The answer to a {@link LeaseInput.Take}. */
  record Reply<R>(R to, String vm, boolean ok, String reason) implements LeaseEffect<R> {}

  /**
   * Compare-and-swap the VM's lease from {@code expected} to {@code next} (answered by {@link LeaseInput.Swapped}).
   *
   * @param issuedAt the machine's time the swap was issued: a renewal counts from it
   * @param take the take this swap answers; empty for a renewal or an adoption
   */
  record Swap<R>(String vm, Optional<VmLease> expected, VmLease next, Duration issuedAt,
      Optional<LeaseInput.Take<R>> take) implements LeaseEffect<R> {}

  /** Read the lease of a VM found running here (answered by {@link LeaseInput.Found}). */
  record Read<R>(String vm, Duration issuedAt) implements LeaseEffect<R> {}

  /** Rewrite a lease file found corrupt, as its holder (answered by {@link LeaseInput.Repaired}). */
  record Repair<R>(String vm, VmLease next, Duration issuedAt) implements LeaseEffect<R> {}

  /** Give the lease back; nothing waits for it (a lease left behind only stands still until it expires). */
  record Release<R>(VmLease lease) implements LeaseEffect<R> {}

  /**
   * Give a migrated VM's lease back ({@code lease}; empty: none held here) and, once that is written or failed, answer
   * {@code to} with the outcome: the target takes the lease only after.
   */
  record ReleaseAnswered<R>(String vm, Optional<VmLease> lease, R to) implements LeaseEffect<R> {}

  /** Power the VM off at once; the VM manager retries until the hypervisor shows it off. */
  record Fence<R>(String vm, String why) implements LeaseEffect<R> {}

  record Emit<R>(HaEvent event) implements LeaseEffect<R> {}

  /** A warning for the agent's log (nothing decided). */
  record Warn<R>(String message) implements LeaseEffect<R> {}

  /**
   * After every round, for the host's watchdog: {@code settled} once the VMs found at start have been adopted or
   * released (a first VM list came and no adoption is pending), the longest any lease here has gone unrenewed, and
   * whether that matters ({@code SUSPENDED}: an operator's emergency disable; the watchdog is petted regardless).
   */
  record ReportRenewal<R>(boolean settled, Duration longestUnrenewed, Enforcement enforcement)
      implements LeaseEffect<R> {}
}
