package dev.vmha.datastore;

import dev.vmha.JsonSerializable;

/**
 * Without datastores, a host's promise of list epoch {@code epoch} to the master {@code master} that proposed it
 * ({@code <data-dir>/list-promise}): from then on the host takes, stores and holds no list of an older epoch. A host
 * promises an epoch to one master only (a later epoch replaces it, the same epoch does not): two masters that propose
 * one epoch are never both promised it by one host, so at most one gets a strict majority and writes lists of that
 * epoch (as Paxos' ballots, unique per proposer). Epoch 0: none (its master then names nobody: empty).
 */
public record ListPromise(long epoch, String master) implements JsonSerializable {
  public static final ListPromise NONE = new ListPromise(0, "");

  /** Whether this promise is of epoch {@code e} to {@code m}: counted by master {@code m} for its epoch {@code e}. */
  public boolean of(long e, String m) {
    return epoch == e && master.equals(m);
  }

  /** The later of this promise and {@code other} by epoch; of one epoch, this one (a host keeps its first). */
  public ListPromise later(ListPromise other) {
    return other.epoch > epoch ? other : this;
  }
}
