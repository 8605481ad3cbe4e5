package dev.vmha.maintenance;

/**
 * Where a host stands with maintenance mode (as vSphere's): {@code ENTERING} while its VMs are moved away (it takes
 * no new VMs), {@code IN_MAINTENANCE} once none is left (its failure then triggers no verdict and no failover),
 * {@code NONE} when it is an ordinary host again.
 */
public enum MaintenanceMode {
  NONE,
  ENTERING,
  IN_MAINTENANCE
}
