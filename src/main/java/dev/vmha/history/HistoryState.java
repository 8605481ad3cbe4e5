package dev.vmha.history;

import dev.vmha.JsonSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link HistoryJournal} knows besides its events: how many it has recorded, and the count and time span of
 * those compacted away by the bounded log. Immutable; the journal's snapshots.
 *
 * <p>The bounded log keeps between 9/10 and all of {@code maxEvents}: a snapshot every tenth of the limit (a
 * chunk), after which Pekko deletes the events older than the newest {@code keepChunks} chunks. The state follows
 * the same chunks ({@code segments}: count and first/last time of each retained chunk), so it knows the time span
 * of what each snapshot drops. Sequence numbers equal {@code events}, so the events compacted are exactly those up
 * to sequence number {@code compacted}.
 *
 * @param compactedFrom time of the first compacted event, null while none was compacted
 * @param compactedTo time of the last compacted event, null while none was compacted
 */
public record HistoryState(
    long events, long compacted, Instant compactedFrom, Instant compactedTo, List<Segment> segments)
    implements JsonSerializable {

  public static final HistoryState EMPTY = new HistoryState(0, 0, null, null, List.of());

  /** One chunk of retained events. */
  public record Segment(long count, Instant first, Instant last) {
    Segment with(Instant at) {
      return new Segment(count + 1, first.isBefore(at) ? first : at, last.isAfter(at) ? last : at);
    }
  }

  /** A limit of {@code maxEvents} (at least 10) as chunks: a snapshot every {@code chunk} events, keeping {@code keepChunks}. */
  public record Bound(int chunk, int keepChunks) {
    public static Bound of(int maxEvents) {
      if (maxEvents < 10) throw new IllegalArgumentException("maxEvents " + maxEvents + " < 10");
      int chunk = maxEvents / 10;
      // right after a snapshot's event is persisted, (keepChunks + 1) * chunk <= maxEvents are stored
      return new Bound(chunk, maxEvents / chunk - 1);
    }
  }

  /** The state after one more event; at a chunk's end the oldest chunk beyond {@code keepChunks} is compacted. */
  public HistoryState with(HaEvent e, Bound bound) {
    long n = events + 1;
    List<Segment> kept = new ArrayList<>(segments);
    if ((n - 1) % bound.chunk() == 0) {
      kept.add(new Segment(1, e.at(), e.at()));
    } else {
      kept.set(kept.size() - 1, kept.get(kept.size() - 1).with(e.at()));
    }
    long dropped = compacted;
    Instant from = compactedFrom;
    Instant to = compactedTo;
    // Pekko snapshots at n % chunk == 0 and then deletes the events up to n - keepChunks * chunk: the same ones
    while (n % bound.chunk() == 0 && kept.size() > bound.keepChunks()) {
      Segment s = kept.remove(0);
      dropped += s.count();
      from = from == null || s.first().isBefore(from) ? s.first() : from;
      to = to == null || s.last().isAfter(to) ? s.last() : to;
    }
    return new HistoryState(n, dropped, from, to, List.copyOf(kept));
  }

  /** Events still stored. */
  public long retained() {
    return events - compacted;
  }

  /** For the timeline: "1234 earlier events compacted (from T1 to T2)". */
  public String compactionSummary() {
    return compacted + " earlier events compacted (from " + compactedFrom + " to " + compactedTo + ")";
  }
}
