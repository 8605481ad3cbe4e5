package dev.vmha.api;

import dev.vmha.history.HaEvent;
import dev.vmha.history.Timeline;
import java.time.Instant;
import java.util.Set;

/**
 * One decision as the dashboard shows it: when, by whom, its kind, its one readable text ({@link HaEvent#describe}),
 * the hosts and VMs it is about ({@link Timeline}), and the event itself. What {@code GET /api/v1/events/stream} sends
 * and {@code GET /api/v1/.../explain} cites.
 */
public record EventView(Instant at, String by, String type, String text, Set<String> hosts, Set<String> vms,
    HaEvent event) {

  public static EventView of(HaEvent e) {
    return new EventView(e.at(), e.by(), e.getClass().getSimpleName(), e.describe(), Timeline.hosts(e),
        Timeline.vms(e), e);
  }
}
