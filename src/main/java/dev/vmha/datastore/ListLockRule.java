package dev.vmha.datastore;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a master may hold a datastore's protected-list lock, so that in a partition every datastore is owned by
 * exactly one master (seed 000): when the lock is free, already its own, or its counter has stood still for
 * {@code staleAfter} — longer than a live owner, which renews it every interval, ever leaves it. Pure.
 */
public final class ListLockRule {
  private ListLockRule() {}

  /** @param lock the lock's owner and how long its counter has stood still, if there is a lock */
  public static boolean mayHold(String self, Optional<Map.Entry<String, Duration>> lock, Duration staleAfter) {
    return lock.isEmpty() || lock.get().getKey().equals(self) || lock.get().getValue().compareTo(staleAfter) >= 0;
  }
}
