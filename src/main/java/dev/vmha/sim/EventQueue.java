package dev.vmha.sim;

import java.util.Optional;
import java.util.PriorityQueue;

/**
 * The one queue that drives a {@link Simulation}: events ordered by virtual time, then by the order they were
 * scheduled, so two events due at the same millisecond always run in the same order (no thread, no wall clock).
 */
final class EventQueue {

  /** What happens at {@code at} (global virtual ms); {@code host} is "" for the world's own events. */
  record Event(long at, long seq, String host, String what, Runnable action) {}

  // a plain comparator: the queue orders every event of a run (millions), so no boxed key extractors
  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
      a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.seq(), b.seq()));
  private long seq;

  void at(long at, String host, String what, Runnable action) {
    queue.add(new Event(at, seq++, host, what, action));
  }

  Optional<Event> poll() {
    return Optional.ofNullable(queue.poll());
  }

  int size() {
    return queue.size();
  }
}
