package dev.vmha.datastore;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The I/O boundary to one shared datastore. An unreachable datastore completes exceptionally; a corrupt file is
 * reported as such and never trusted.
 */
public interface Datastore {

  /** A short name for events and status: the directory's name. */
  String name();

  CompletionStage<Void> writeHeartbeat(HostHeartbeat heartbeat);

  CompletionStage<Void> writePowerOn(PowerOnFile file);

  /** Reads every host's heartbeat and power-on file. */
  CompletionStage<DatastoreScan> scan();

  /** The protected list, empty if none was ever written; fails with the reason if it is corrupt. */
  CompletionStage<Optional<ProtectedList>> readProtectedList();

  /**
   * Writes the list if its owner holds this datastore's list lock (or there is no readable lock), atomically against
   * every other writer; fails naming the holder otherwise, so a master that lost the lock while it was frozen or its
   * write was queued never overwrites the new owner's list.
   */
  CompletionStage<Void> writeProtectedList(ProtectedList list);

  /**
   * Renews or takes the protected list's lock: the owning master's id and a counter it bumps every interval. Another
   * master takes the lock only once the counter has been still for longer than a live owner ever leaves it. Writes,
   * atomically against every other writer, only when the lock file holds {@code replacing} (the write judged stale),
   * the writer's own lock, nothing or a corrupt file; completes with false, writing nothing, when another master's lock
   * is there.
   */
  CompletionStage<Boolean> writeListLock(HostHeartbeat lock, Optional<ListLockSeen> replacing);

  /** A VM's lease, empty if it has none; fails with the reason if the file is corrupt. */
  CompletionStage<Optional<VmLease>> readLease(String vm);

  /**
   * Replaces the VM's lease with {@code next} if the lease file still holds exactly {@code expected} (same owner and
   * counter; empty: no lease at all), atomically against every other writer. Completes with false, writing nothing,
   * when the lease has changed: someone else holds it now.
   */
  CompletionStage<Boolean> swapLease(Optional<VmLease> expected, VmLease next);

  /**
   * Replaces a VM's lease file that is corrupt with {@code next}, keeping the corrupt file aside, atomically against
   * every other writer: for the holder that knows it holds the lease ({@code LeaseRule.mayRepair}). Completes with
   * false, writing nothing, when the file is readable or missing now.
   */
  CompletionStage<Boolean> repairLease(VmLease next);

  /** Removes the lease if it is still {@code held}, so the VM may start elsewhere at once. */
  CompletionStage<Void> releaseLease(VmLease held);
}
