package dev.vmha.election;

import java.util.Collection;
import java.util.List;

/** Names the winner of an election among the ballots received. Pure. */
public final class ElectionRanking {
  public static final String RULE = "most datastores seen, then highest host id";

  private ElectionRanking() {}

  public static Rank winner(Collection<Rank> candidates) {
    if (candidates.isEmpty()) throw new IllegalArgumentException("an election needs at least one candidate");
    return candidates.stream().max(Rank::compareTo).orElseThrow();
  }

  /** Candidates best first, for the event that records the election. */
  public static List<String> ordered(Collection<Rank> candidates) {
    return candidates.stream().sorted((a, b) -> b.compareTo(a)).map(r -> r.hostId() + "(" + r.datastoresSeen() + " ds)").toList();
  }
}
