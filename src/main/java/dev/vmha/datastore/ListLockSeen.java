package dev.vmha.datastore;

import java.time.Duration;

/**
 * The protected list's lock on one datastore as a master last read it: who holds it, the counter of that write, and
 * how long the counter has stood still since this host first saw it. A master that takes a stale lock over names the
 * write it judged stale ({@link Datastore#writeListLock}), so a lock renewed meanwhile is never overwritten.
 */
public record ListLockSeen(String owner, long counter, Duration stillFor) {

  /** Whether the lock file holds exactly the write this was read from. */
  public boolean sameWrite(HostHeartbeat lock) {
    return lock.hostId().equals(owner) && lock.counter() == counter;
  }
}
