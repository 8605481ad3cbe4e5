package dev.vmha.datastore;

import java.time.Duration;
import java.util.Optional;

/**
 * Whether a master may hold a datastore's protected-list lock, so that in a partition every datastore is owned by
 * exactly one master (seed 000): when the lock is free, already its own, or its counter has stood still for
 * {@code staleAfter} — longer than a live owner, which renews it every interval, ever leaves it. Pure.
 *
 * <p>A judgement made on a view can be out of date by the time the write lands (a master frozen or slow, a datastore
 * that hung, an agent restarted with its previous incarnation's lock): the datastore therefore takes a lock write only
 * over the lock write it was judged on or over the writer's own, and a list write only under the writer's lock
 * ({@link Datastore#writeListLock}, {@link Datastore#writeProtectedList}).
 */
public final class ListLockRule {
  private ListLockRule() {}

  /** @param lock the lock as last read, if there is one */
  public static boolean mayHold(String self, Optional<ListLockSeen> lock, Duration staleAfter) {
    return lock.isEmpty() || lock.get().owner().equals(self) || lock.get().stillFor().compareTo(staleAfter) >= 0;
  }

  /**
   * Whether a lock write of {@code writer} may land over the lock the datastore holds {@code now} (empty: none, or a
   * corrupt one): over its own, a free one, or exactly the write it judged stale ({@code replacing}). The datastore
   * decides this at the moment of the write.
   */
  public static boolean mayWrite(String writer, Optional<HostHeartbeat> now, Optional<ListLockSeen> replacing) {
    return now.isEmpty() || now.get().hostId().equals(writer)
        || replacing.isPresent() && replacing.get().sameWrite(now.get());
  }

  /** The lock write a new lock replaces: another master's, judged stale; none when the lock is free or own. */
  public static Optional<ListLockSeen> replacing(String self, Optional<ListLockSeen> lock) {
    return lock.filter(l -> !l.owner().equals(self));
  }
}
