package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.history.Timeline;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "events", description = "Show the cluster's recent events as the agent asked knows them, oldest"
    + " first (./vmha history reads every host's persisted journals).")
final class EventsCommand extends ViewCommand {
  @Mixin EventFilterOptions filter;

  @Option(names = "--limit", description = "Only the newest this many (1 to 10000).")
  Integer limit;

  @Override
  String path() {
    List<String> q = new ArrayList<>();
    if (filter.since != null) q.add("since=" + EventFilterOptions.time(filter.since, ZoneId.systemDefault()));
    if (filter.host != null) q.add("host=" + URLEncoder.encode(filter.host, StandardCharsets.UTF_8));
    if (filter.vm != null) q.add("vm=" + URLEncoder.encode(filter.vm, StandardCharsets.UTF_8));
    if (limit != null) q.add("limit=" + limit);
    return "/api/v1/events" + (q.isEmpty() ? "" : "?" + String.join("&", q));
  }

  @Override
  void print(JsonNode answer, PrintStream out, Instant now, ZoneId zone) {
    List<HaEvent> events = new ArrayList<>();
    for (JsonNode e : answer) {
      try {
        events.add(EventLog.JSON.treeToValue(e, HaEvent.class));
      } catch (IOException err) {
        throw new UncheckedIOException("an event this version of vmha cannot read: " + e, err);
      }
    }
    Timeline.format(events, zone).forEach(out::println);
    if (events.isEmpty()) out.println("(no events)");
  }
}
