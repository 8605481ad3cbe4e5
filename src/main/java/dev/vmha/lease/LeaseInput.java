package dev.vmha.lease;

import dev.vmha.Failures;
import dev.vmha.datastore.CorruptStateFileException;
import dev.vmha.datastore.VmLease;
import dev.vmha.isolation.Enforcement;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * What the {@link LeaseMachine} is told, each at the wall time {@code at} it happened (the shell's clock: it stamps
 * the lease records written; durations are the machine's own virtual time).
 *
 * @param <R> how the shell names the one a {@link Take} or a {@link Release} answers (an actor reference in the agent)
 */
public sealed interface LeaseInput<R> {
  Instant at();

  /** One renewal interval passed. */
  record Tick<R>(Instant at) implements LeaseInput<R> {}

  /** Take the VM's lease before starting it; {@code grant} is the expired lease the master saw, if any. */
  record Take<R>(Instant at, String vm, Optional<VmLease> grant, R replyTo) implements LeaseInput<R> {}

  /**
   * The VM migrated away (its writer here has stopped): its lease is released now, so that the target can take it,
   * and {@code replyTo} answered once the release is written ({@link LeaseEffect.ReleaseAnswered}).
   */
  record Release<R>(Instant at, String vm, R replyTo) implements LeaseInput<R> {}

  /** The VMs powered on here or being started (the hypervisor's truth): every other lease held here is released. */
  record Running<R>(Instant at, Set<String> vms) implements LeaseInput<R> {
    public Running {
      vms = Set.copyOf(vms);
    }
  }

  /**
   * An operator suspended this host's enforcement of HA, or restored it: while suspended an unrenewed lease powers no
   * VM off and the watchdog is petted regardless (a lease another host took still fences its VM).
   */
  record Enforce<R>(Instant at, Enforcement enforcement) implements LeaseInput<R> {}

  /** A {@link LeaseEffect.Swap} completed. */
  record Swapped<R>(Instant at, LeaseEffect.Swap<R> swap, Written result) implements LeaseInput<R> {}

  /** A {@link LeaseEffect.Read} completed: the lease found, or why it could not be read. */
  record Found<R>(Instant at, LeaseEffect.Read<R> read, Optional<VmLease> lease, Optional<String> failure)
      implements LeaseInput<R> {}

  /** A {@link LeaseEffect.Repair} completed. */
  record Repaired<R>(Instant at, LeaseEffect.Repair<R> repair, Written result) implements LeaseInput<R> {}

  /** How a compare-and-swap (or a repair) of a lease file ended. */
  sealed interface Written {
    /** The file now holds the write. */
    record Done() implements Written {}

    /** The file did not hold what was expected: another host wrote it. */
    record Changed() implements Written {}

    /** The datastore failed; {@code corrupt}: the file it found cannot be decoded. */
    record Failed(String why, boolean corrupt) implements Written {}

    /** The outcome of a datastore call answering whether it wrote, or failing with {@code error} (null if not). */
    static Written of(Boolean wrote, Throwable error) {
      if (error == null) return Boolean.TRUE.equals(wrote) ? new Done() : new Changed();
      return new Failed(Failures.rootMessage(error), corrupt(error));
    }

    private static boolean corrupt(Throwable error) {
      for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (c instanceof CorruptStateFileException) return true;
      }
      return false;
    }
  }
}
