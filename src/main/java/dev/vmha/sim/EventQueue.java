package dev.vmha.sim;

import java.util.Arrays;
import java.util.Optional;

/**
 * The one queue that drives a {@link Simulation}: events ordered by virtual time, then by the order they were
 * scheduled, so two events due at the same millisecond always run in the same order (no thread, no wall clock).
 */
final class EventQueue {

  /** What happens at {@code at} (global virtual ms). */
  record Event(long at, Runnable action) {}

  /** Virtual times up to 2^31 ms (24 days) and 2^32 events a run: both fit one sort key, time first. */
  private static final long MAX_AT = (1L << 31) - 1;
  private static final long MAX_SEQ = (1L << 32) - 1;

  // a binary heap of its own: the queue orders every event of a run (tens of thousands, millions a test), and
  // comparing one long per event in an array of keys is what PriorityQueue with a comparator of records is not
  private long[] keys = new long[256];
  private Event[] events = new Event[256];
  private int size;
  private long seq;

  void at(long at, Runnable action) {
    if (at < 0 || at > MAX_AT) throw new IllegalArgumentException("virtual time out of range: " + at + " ms");
    if (seq > MAX_SEQ) throw new IllegalStateException("more than " + MAX_SEQ + " events in one run");
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      events = Arrays.copyOf(events, size * 2);
    }
    long key = at << 32 | seq++;
    Event e = new Event(at, action);
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      events[i] = events[parent];
      i = parent;
    }
    keys[i] = key;
    events[i] = e;
  }

  Optional<Event> poll() {
    if (size == 0) return Optional.empty();
    Event first = events[0];
    int n = --size;
    long key = keys[n];
    Event last = events[n];
    events[n] = null;
    if (n > 0) {
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && keys[child + 1] < keys[child]) child++;
        if (key <= keys[child]) break;
        keys[i] = keys[child];
        events[i] = events[child];
        i = child;
      }
      keys[i] = key;
      events[i] = last;
    }
    return Optional.of(first);
  }
}
