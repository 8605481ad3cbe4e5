package dev.vmha.api;

import dev.vmha.config.ApiSettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.master.ClusterStatus;
import dev.vmha.watchdog.Watchdog;

/**
 * What GET /api/v1/status answers: this agent's role and, when a master is known, the master's cluster view; this host's
 * watchdog (null only when it did not answer; the note says so); its API's authentication ({@code NONE}: a warning); the cluster transport this agent runs (PLAIN_TCP:
 * anyone who reaches the cluster port can join, status warns).
 */
public record AgentStatus(String host, String role, String master, ClusterStatus cluster, String note,
    Watchdog.Status watchdog, ApiSettings.Auth apiAuth, TransportSettings.Kind transport) {}
