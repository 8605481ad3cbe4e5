package dev.vmha.config;

/** What an isolated host does with its running VMs (vSphere's host isolation response, seed 003). */
public enum IsolationResponse {
  /** Hard power-off at once; the master restarts the VMs elsewhere. */
  POWER_OFF,
  /** Guest shutdown, then power-off after das.isolationShutdownTimeout; the master restarts them elsewhere. */
  SHUTDOWN,
  /** Keep the VMs running; the master restarts nothing (vSphere 5's default). */
  LEAVE_POWERED_ON
}
