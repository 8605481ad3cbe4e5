package dev.vmha.history;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What an agent's explain reads: its own journals, whole, and the other hosts' decisions it heard
 * ({@link EventLog#clusterRecent}), which reach back only as far as the cluster's recent events (the older ones are in
 * those hosts' own journals). An event of a host whose journal is read is taken from the journal only. Pure.
 *
 * @param merged every event read, in timeline order
 * @param journaled the hosts whose journals were read
 * @param heardSince for each other host, its oldest decision heard
 */
public record ExplainSources(List<HaEvent> merged, Set<String> journaled, Map<String, Instant> heardSince) {

  public static ExplainSources of(List<List<HaEvent>> journals, List<HaEvent> cluster) {
    Set<String> journaled = journals.stream().flatMap(List::stream).map(HaEvent::by)
        .collect(Collectors.toCollection(TreeSet::new));
    List<HaEvent> heard = cluster.stream().filter(e -> !journaled.contains(e.by())).toList();
    Map<String, Instant> since = new TreeMap<>();
    for (HaEvent e : heard) since.merge(e.by(), e.at(), (a, b) -> a.isBefore(b) ? a : b);
    List<List<HaEvent>> all = new ArrayList<>(journals);
    all.add(heard);
    return new ExplainSources(Timeline.merge(all, Timeline.Filter.ALL), journaled, since);
  }

  /** One line for the answer: whose journals were read, and since when each other host's decisions were heard. */
  public String describe() {
    String own = journaled.isEmpty() ? "no journal of this agent holds an event"
        : "the journals of " + String.join(", ", journaled);
    if (heardSince.isEmpty()) {
      return own + "; no other host's decision heard yet (each host's history is in its own journals)";
    }
    return own + "; the other hosts' decisions this agent heard: " + heardSince.entrySet().stream()
        .map(h -> h.getKey() + " since " + h.getValue()).collect(Collectors.joining(", "))
        + " (older ones are in those hosts' own journals: ./vmha explain reads every journal it can)";
  }
}
