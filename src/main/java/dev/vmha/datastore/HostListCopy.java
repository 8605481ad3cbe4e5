package dev.vmha.datastore;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Without datastores, where a master keeps its protected list on its own host ({@link HostListFile}, or the simulated
 * host's disk), written before a restart's power-on goes out: the next agent on the host starts holding it as its
 * replica, so a restart its predecessor recorded is not lost with its memory (seed 18433). It outlives the agent.
 */
public interface HostListCopy {
  /** The list the last master on this host wrote; empty if none ever was; fails with why if it cannot be trusted. */
  CompletionStage<Optional<ProtectedList>> read();

  CompletionStage<Void> write(ProtectedList list);
}
