package dev.vmha.api;

import dev.vmha.history.HaEvent;
import dev.vmha.history.Timeline;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query of GET /api/v1/events: {@code since} (an ISO-8601 instant), {@code host}, {@code vm} and {@code limit} (the
 * newest that many, 1 to {@value #MAX_LIMIT}); any other parameter is refused, naming it. Pure.
 */
public record EventQuery(Timeline.Filter filter, int limit) {
  static final int MAX_LIMIT = 10_000;
  private static final Set<String> KNOWN = Set.of("since", "host", "vm", "limit");

  /** The query, or the error naming the parameter that is wrong. */
  public sealed interface Parsed {}

  public record Valid(EventQuery query) implements Parsed {}

  public record Invalid(ApiError error) implements Parsed {}

  static Parsed parse(Map<String, String> params) {
    Set<String> unknown = new TreeSet<>(params.keySet());
    unknown.removeAll(KNOWN);
    if (!unknown.isEmpty()) {
      String name = unknown.iterator().next();
      return new Invalid(ApiError.field(name, "unknown query parameter (allowed: host, limit, since, vm)"));
    }
    Instant since = null;
    if (params.containsKey("since")) {
      try {
        since = Instant.parse(params.get("since"));
      } catch (DateTimeParseException e) {
        return new Invalid(ApiError.field("since", "not an ISO-8601 instant such as 2026-12-01T03:12:00Z: \""
            + ApiError.clip(params.get("since")) + "\""));
      }
    }
    int limit = MAX_LIMIT;
    if (params.containsKey("limit")) {
      try {
        limit = Integer.parseInt(params.get("limit"));
      } catch (NumberFormatException e) {
        limit = 0;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        return new Invalid(ApiError.field("limit", "a whole number from 1 to " + MAX_LIMIT + ", not \""
            + ApiError.clip(params.get("limit")) + "\""));
      }
    }
    return new Valid(new EventQuery(new Timeline.Filter(since, null, params.get("host"), params.get("vm")), limit));
  }

  /** The newest {@link #limit} events that pass the filter, oldest first. */
  List<HaEvent> select(List<HaEvent> events) {
    List<HaEvent> passed = events.stream().filter(filter::test).toList();
    return passed.subList(Math.max(0, passed.size() - limit), passed.size());
  }
}
