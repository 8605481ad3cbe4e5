package dev.vmha.datastore;

/** What a host's power-on file says of its watchdog, which the master reads for a host whose agent is gone. */
public enum WatchdogFlag {
  /** Armed and petted: the VMs stop when the agent stops renewing their leases. */
  ARMED,
  /** Not armed (none configured, not armed yet, or failing): nothing stops the VMs of a dead agent. */
  NOT_ARMED,
  /**
   * Disarmed by a clean agent stop (systemctl stop) that left the VMs running: nothing stops them, and the agent is
   * expected back, so they are not restarted elsewhere whatever the host's verdict (Proxmox HA's "freeze").
   */
  AGENT_STOPPED
}
