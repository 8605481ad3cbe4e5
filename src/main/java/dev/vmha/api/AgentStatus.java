package dev.vmha.api;

import dev.vmha.config.ApiSettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.election.Role;
import dev.vmha.master.ClusterStatus;
import dev.vmha.watchdog.Watchdog;
import java.util.Optional;

/**
 * What GET /api/v1/status answers: this agent's role and, when a master is known, the master's cluster view (else the
 * note says why not); this host's watchdog (empty only when it did not answer); its API's authentication ({@code NONE}:
 * a warning); the cluster transport this agent runs (PLAIN_TCP: anyone who reaches the cluster port can join, status
 * warns). An empty value is {@code null} in the JSON.
 */
public record AgentStatus(String host, Role role, Optional<String> master, Optional<ClusterStatus> cluster,
    Optional<String> note, Optional<Watchdog.Status> watchdog, ApiSettings.Auth apiAuth,
    TransportSettings.Kind transport) {}
