package dev.vmha.api;

import dev.vmha.master.ClusterStatus;

/** What GET /api/status answers: this agent's role and, when a master is known, the master's cluster view. */
public record AgentStatus(String host, String role, String master, ClusterStatus cluster, String note) {}
