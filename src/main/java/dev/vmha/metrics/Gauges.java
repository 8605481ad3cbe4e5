package dev.vmha.metrics;

import dev.vmha.datastore.DatastoreView;
import dev.vmha.election.ElectionFsm;
import dev.vmha.master.ClusterStatus;
import java.util.Optional;

/**
 * What the agent knows now, read at each scrape: its role; as master, its cluster view (verdicts, network silence,
 * VM states); on every host, its own datastore view (every host's datastore heartbeat age as this host sees it).
 * Empty where the actor did not answer in time: those gauges are left out, never shown stale.
 */
public record Gauges(Optional<dev.vmha.election.Role> role, Optional<ClusterStatus> cluster, Optional<DatastoreView> view) {}
