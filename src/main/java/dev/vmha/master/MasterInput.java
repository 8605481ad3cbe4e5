package dev.vmha.master;

import dev.vmha.capacity.CapacityPlan;
import dev.vmha.classify.Reachability;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MigrationOutcome;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What happens to the master: its timer, its neighbours' messages, and the completions of its effects. */
public sealed interface MasterInput {

  /** One failure-detection interval passed (virtual time advances by it). */
  record Tick() implements MasterInput {}

  /**
   * The shell did nothing for {@code idle} ({@link dev.vmha.timing.StallWatch}): told before the input that follows,
   * which may have waited that long in the mailbox.
   */
  record Stalled(Duration idle) implements MasterInput {}

  /** A datastore round: this host's view of every datastore. */
  record ViewRead(DatastoreView view) implements MasterInput {}

  /** The protected list read from the datastores (the newest readable copy), and the datastores that failed. */
  record ListRead(Optional<ProtectedList> list, List<String> failures) implements MasterInput {}

  /** A {@link MasterEffect.WriteList} completed: of {@code datastores} written to, these failed. */
  record ListWritten(long version, int datastores, List<String> failures) implements MasterInput {}

  /** A {@link MasterEffect.WriteListLock} completed, or failed with {@code error}. */
  record LockWritten(String datastore, Optional<String> error) implements MasterInput {
    /** The error when the datastore refused the write: another master's lock was there. */
    public static final String TAKEN = "another master took the lock since it was read";
  }

  /**
   * A host's network heartbeat with its report, the replica of the protected list it holds when this master's beats
   * carry none yet, the version of this master's own list it holds ({@code holds}), and without datastores the epoch
   * it promised on its disk and to which master ({@code promise}).
   */
  record Beat(HostReport report, Optional<ProtectedList> replica, Optional<Long> holds, ListPromise promise)
      implements MasterInput {
    public Beat(HostReport report) {
      this(report, Optional.empty(), Optional.empty(), ListPromise.NONE);
    }

    public Beat(HostReport report, Optional<ProtectedList> replica) {
      this(report, replica, Optional.empty(), ListPromise.NONE);
    }

    public Beat(HostReport report, Optional<ProtectedList> replica, Optional<Long> holds) {
      this(report, replica, holds, ListPromise.NONE);
    }
  }

  /**
   * Pekko membership of a host changed ({@code change}: up, unreachable, reachable again, downed, removed ...), with
   * the management address its roles name and its member address (for downing).
   */
  record Membership(String host, Reachability reach, String change, Optional<PingTarget> management, String address)
      implements MasterInput {}

  /** A {@link MasterEffect.Ping} came back. */
  record Pinged(String host, boolean answered) implements MasterInput {}

  /** A restart attempt ended. */
  record Restarted(RestartOutcome outcome) implements MasterInput {}

  /** An operator powers a VM on under protection, at {@code host} or where placement chooses. */
  record PowerOn(RequestId request, VmSpec vm, Optional<String> host, Optional<VmProtection> protection)
      implements MasterInput {}

  /** An operator powers a VM off: unprotected first, then stopped. */
  record PowerOff(RequestId request, String vm) implements MasterInput {}

  /** An operator's other change ({@link Operations} decides it). */
  record Operate(RequestId request, Operation operation) implements MasterInput {}

  /** An operator asks for a host to enter ({@code enter}) or exit maintenance mode; {@code by}: who asked. */
  record Maintenance(RequestId request, String host, boolean enter, String by) implements MasterInput {}

  /** A {@link MasterEffect.Migrate} ended. */
  record Migrated(MigrationOutcome outcome) implements MasterInput {}

  /** A {@link MasterEffect.Plan} of the cluster's version {@code version} completed. */
  record Planned(long version, CapacityPlan plan) implements MasterInput {}

  /** A {@link MasterEffect.Plan} failed or took longer than its timeout: {@code why}. */
  record PlanFailed(long version, String why) implements MasterInput {}

  /** A {@link MasterEffect.PowerOff} was answered by the host, or failed with {@code error}. */
  record PoweredOff(RequestId request, String vm, String host, Optional<String> error) implements MasterInput {}
}
