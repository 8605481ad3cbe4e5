package dev.vmha.classify;

/** What the master concludes about a host. Only DEAD and ISOLATED hosts have their VMs restarted. */
public enum Verdict {
  ALIVE,
  DEAD,
  ISOLATED,
  PARTITIONED,
  AGENT_UNREACHABLE
}
