package dev.vmha.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.history.Timeline;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "history", description = "Print every host's persisted decisions as one timeline, oldest first.")
final class HistoryCommand implements Callable<Integer> {
  @Mixin HistorySource source;

  @Option(names = "--since", description = "Only events at or after: 2025-03-01T03:12:00Z, 2025-03-01T03:12 (local)"
      + " or 03:12[:04] (today, local).")
  String since;

  @Option(names = "--until", description = "Only events at or before (same forms as --since).")
  String until;

  @Option(names = "--host", description = "Only events taken by or about this host.")
  String host;

  @Option(names = "--vm", description = "Only events about this VM.")
  String vm;

  @Option(names = "--json", description = "One JSON object per event instead of text.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ZoneId zone = ZoneId.systemDefault();
    Timeline.Filter filter;
    List<HaSettings> hosts;
    try {
      filter = new Timeline.Filter(time(since, zone), time(until, zone), host, vm);
      hosts = source.hosts();
    } catch (IllegalArgumentException | SettingsException e) {
      System.err.println("vmha history: " + e.getMessage());
      return ExitCode.USAGE;
    }
    HistorySource.Journals journals = HistorySource.read("history", hosts);
    if (journals.events().isEmpty()) return ExitCode.NOT_FOUND;
    List<HaEvent> events = Timeline.merge(journals.events(), filter);
    if (json) {
      ObjectWriter w = EventLog.JSON.writerFor(HaEvent.class);
      for (HaEvent e : events) System.out.println(w.writeValueAsString(e));
    } else {
      journals.compacted().forEach(System.out::println);
      Timeline.format(events, zone).forEach(System.out::println);
      if (events.isEmpty()) System.out.println("(no events" + (filter.equals(Timeline.Filter.ALL) ? "" : " match") + ")");
    }
    return ExitCode.OK;
  }

  private static Instant time(String text, ZoneId zone) {
    return text == null ? null : Timeline.parseTime(text, zone, LocalDate.now(zone));
  }
}
