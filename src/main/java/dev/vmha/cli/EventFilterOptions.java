package dev.vmha.cli;

import dev.vmha.history.Timeline;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import picocli.CommandLine.Option;

/** Which events to show (picocli mixin of history and events): since a time, about a host, about a VM. */
final class EventFilterOptions {
  @Option(names = "--since", description = "Only events at or after: 2025-03-01T03:12:00Z, 2025-03-01T03:12 (local)"
      + " or 03:12[:04] (today, local).")
  String since;

  @Option(names = "--host", description = "Only events taken by or about this host.")
  String host;

  @Option(names = "--vm", description = "Only events about this VM.")
  String vm;

  /** A time as --since and --until take it, or null when not given; IllegalArgumentException when not a time. */
  static Instant time(String text, ZoneId zone) {
    return text == null ? null : Timeline.parseTime(text, zone, LocalDate.now(zone));
  }
}
