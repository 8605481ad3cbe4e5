package dev.vmha.hypervisor;

import java.time.Duration;

/**
 * How long each hypervisor call may take before it counts as failed, so that a hung guest or hypervisor never holds
 * up the host's reports, fencing or leases (issue 18). Pure.
 *
 * @param listing the VMs powered on: a quarter of hostTimeout, so the host's report (judged after hostTimeout) is
 *     polled again several times before anyone judges it stale
 * @param powerOn a power-on: the master's {@code vmha.restart.power-on-timeout}, after which it stops waiting anyway
 * @param powerOff a forced power-off, or sending a guest shutdown: {@code vmha.lease.power-off-max}, what the lease
 *     proof assumes a power-off takes, but at least one interval (a failed one is tried again no sooner)
 * @param migrateOut stopping a migrating VM's writer: twice a power-off (the guest is asked to pause, then killed)
 */
public record CallBounds(Duration listing, Duration powerOn, Duration powerOff, Duration migrateOut) {

  public static CallBounds of(Duration interval, Duration hostTimeout, Duration powerOnTimeout, Duration powerOffMax) {
    Duration powerOff = powerOffMax.compareTo(interval) < 0 ? interval : powerOffMax;
    return new CallBounds(hostTimeout.dividedBy(4), powerOnTimeout, powerOff, powerOff.multipliedBy(2));
  }

  /**
   * How long the master waits for each half of a live migration (the writer stopped and the lease released; the lease
   * taken and the VM started): the longer hypervisor call's bound, and a power-on's bound for the lease I/O.
   */
  public Duration migrationStep() {
    return (migrateOut.compareTo(powerOn) > 0 ? migrateOut : powerOn).plus(powerOn);
  }
}
