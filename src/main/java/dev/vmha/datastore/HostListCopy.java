package dev.vmha.datastore;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Without datastores, where a host keeps the protected list on its own disk ({@link HostListFile}, or the simulated
 * host's disk): a master writes its list before a restart's power-on goes out, and any other host stores each newer
 * replica it takes from the master's heartbeats. The next agent on the host starts holding it as its replica, so a
 * restart a master recorded is not lost with the memory of its agent (seed 18433) nor with those of the slaves that
 * held it. It outlives the agent.
 */
public interface HostListCopy {
  /** The list last written or stored here; empty if none ever was; fails with why if it cannot be trusted. */
  CompletionStage<Optional<ProtectedList>> read();

  /** A master's write of its own list. */
  CompletionStage<Void> write(ProtectedList list);

  /**
   * A replica stored, in turn with the writes, unless the list on disk is newer or the same (versions there only
   * grow); completes with the list on disk after it.
   */
  CompletionStage<ProtectedList> keep(ProtectedList replica);

  /**
   * The epoch this host last promised and to which master ({@code ElectionMachine}); {@link ListPromise#NONE} if it
   * never did; fails with why if untrusted.
   */
  CompletionStage<ListPromise> promised();

  /**
   * The promise {@code p} stored, in turn with the other writes, unless one of its epoch or a later one is there (a
   * host promises an epoch to one master only); completes with the promise on disk after it.
   */
  CompletionStage<ListPromise> promise(ListPromise p);
}
