package dev.vmha.isolation;

/**
 * Whether this host enforces HA on itself: fences itself when it cannot prove it runs its VMs, powers off a VM whose
 * lease it cannot renew, lets its watchdog fire when the leases stall, and applies its isolation response.
 * {@code ./vmha host emergency-disable} suspends it (seed 001's host-emergency-ha-disable, XenServer's
 * {@code host-emergency-ha-disable}): allowed only while the protected list this host holds shows HA disabled for it
 * (no master will then restart its VMs), or forced by an operator who made sure no master runs. A VM whose lease
 * another host took is still powered off: that host runs it.
 */
public enum Enforcement {
  ON,
  SUSPENDED;

  public boolean on() {
    return this == ON;
  }
}
