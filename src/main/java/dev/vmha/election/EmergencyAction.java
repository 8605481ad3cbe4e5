package dev.vmha.election;

/**
 * An operator's emergency action on the election (seed 001: XenServer's pool-emergency-transition-to-master and
 * pool-emergency-reset-master), decided by {@link ElectionMachine}.
 */
public enum EmergencyAction {
  /**
   * A host that hears no master becomes master at once, without waiting for hostTimeout and an election. Like any
   * master it restarts VMs only while it holds the protected-list lock (or, without datastores, a majority) and a
   * VM's lease has expired; a better-ranked master it hears still takes over.
   */
  FORCE_MASTER,
  /** Every host leaves its role (a master stops its coordinator first) and a clean election starts. */
  RESET_ELECTION
}
