package dev.vmha.lease;

import dev.vmha.timing.TimingRules;
import java.util.Optional;

/**
 * What the {@link LeaseMachine} is configured with.
 *
 * @param datastore the name of the lease datastore; empty without datastores (then there are no leases)
 */
public record LeaseConfig(String hostId, Optional<String> datastore, TimingRules.Lease timing) {
  /** The datastore's name for messages ("-" without one). */
  String datastoreName() {
    return datastore.orElse("-");
  }
}
