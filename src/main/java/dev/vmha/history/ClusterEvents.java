package dev.vmha.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cluster's recent decisions as one agent knows them: its own and those the other agents sent it
 * ({@link EventRelay}), each once, the newest {@code capacity} by time ({@link Timeline#ORDER}). An event that arrives
 * again (an agent sends its recent events to every agent it newly sees) is dropped, as is one older than all kept
 * when the ring is full. Pure; not thread-safe ({@link EventLog} guards it).
 */
public final class ClusterEvents {
  private final int capacity;
  private final List<HaEvent> byTime = new ArrayList<>();
  private final Set<HaEvent> kept = new HashSet<>();

  public ClusterEvents(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity + " < 1");
    this.capacity = capacity;
  }

  /** Keeps {@code e}; false when it was kept already or is older than every event of a full ring. */
  public boolean add(HaEvent e) {
    if (kept.contains(e)) return false;
    if (byTime.size() == capacity && Timeline.ORDER.compare(e, byTime.get(0)) < 0) return false;
    int at = Collections.binarySearch(byTime, e, Timeline.ORDER);
    // after every event of the same instant and host: those arrived first
    int i = at < 0 ? -at - 1 : at + 1;
    while (i < byTime.size() && Timeline.ORDER.compare(byTime.get(i), e) == 0) i++;
    byTime.add(i, e);
    kept.add(e);
    if (byTime.size() > capacity) kept.remove(byTime.remove(0));
    return true;
  }

  /** The events kept, oldest first. */
  public List<HaEvent> events() {
    return List.copyOf(byTime);
  }
}
