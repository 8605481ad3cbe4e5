package dev.vmha.history;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** An answer of {@code explain}: one verdict, and the events that support it, oldest first. */
public interface Explained {
  String verdict();

  List<HaEvent> cited();

  /** As printed: the verdict, then each cited event as an indented timeline line. */
  default List<String> lines(ZoneId zone) {
    List<String> lines = new ArrayList<>();
    lines.add(verdict());
    Timeline.format(cited(), zone).forEach(l -> lines.add("  " + l));
    return lines;
  }
}
