package dev.vmha.master;

import dev.vmha.config.HaSettings;
import dev.vmha.datastore.ProtectedList;
import java.util.List;
import java.util.Optional;

/**
 * What a master machine works with and never changes: its host, the settings, the heartbeat datastores' names, and
 * the newest protected list this host received from a master's heartbeats (without datastores, the only copy).
 */
public record MasterConfig(String self, HaSettings settings, List<String> datastores, Optional<ProtectedList> replica) {
  public MasterConfig {
    datastores = List.copyOf(datastores);
  }

  boolean hasDatastores() {
    return !datastores.isEmpty();
  }
}
