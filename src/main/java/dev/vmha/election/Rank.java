package dev.vmha.election;

import dev.vmha.HostIdOrder;
import dev.vmha.JsonSerializable;
import java.util.Comparator;

/**
 * A host's standing in an election (seed 000): more datastores seen wins; a tie goes to the highest host id,
 * compared naturally (host10 ranks above host9).
 */
public record Rank(int datastoresSeen, String hostId) implements Comparable<Rank>, JsonSerializable {
  private static final Comparator<Rank> ORDER = Comparator.comparingInt(Rank::datastoresSeen)
      .thenComparing(Rank::hostId, HostIdOrder.INSTANCE);

  @Override
  public int compareTo(Rank o) {
    return ORDER.compare(this, o);
  }

  public boolean outranks(Rank o) {
    return compareTo(o) > 0;
  }
}
