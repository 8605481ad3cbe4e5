package dev.vmha.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.history.Timeline;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "history", description = "Print every host's persisted decisions as one timeline, oldest first.")
final class HistoryCommand implements Callable<Integer> {
  @Mixin HistorySource source;

  @Mixin EventFilterOptions filter;

  @Option(names = "--until", description = "Only events at or before (same forms as --since).")
  String until;

  @Option(names = "--json", description = "One JSON object per event instead of text.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ZoneId zone = ZoneId.systemDefault();
    Timeline.Filter selected;
    List<HaSettings> hosts;
    try {
      selected = new Timeline.Filter(EventFilterOptions.time(filter.since, zone),
          EventFilterOptions.time(until, zone), filter.host, filter.vm);
      hosts = source.hosts();
    } catch (IllegalArgumentException | SettingsException e) {
      System.err.println("vmha history: " + e.getMessage());
      return ExitCode.USAGE;
    }
    HistorySource.Journals journals = HistorySource.read("history", hosts);
    if (journals.events().isEmpty()) return ExitCode.NOT_FOUND;
    List<HaEvent> events = Timeline.merge(journals.events(), selected);
    if (json) {
      ObjectWriter w = EventLog.JSON.writerFor(HaEvent.class);
      for (HaEvent e : events) System.out.println(w.writeValueAsString(e));
    } else {
      journals.compacted().forEach(System.out::println);
      Timeline.format(events, zone).forEach(System.out::println);
      if (events.isEmpty()) System.out.println("(no events" + (selected.equals(Timeline.Filter.ALL) ? "" : " match") + ")");
    }
    return ExitCode.OK;
  }
}
