package dev.vmha.hypervisor;

import dev.vmha.timing.TimingRules;
import java.time.Duration;

/**
 * How long each hypervisor call may take before it counts as failed, so that a hung guest or hypervisor never holds
 * up the host's reports, fencing or leases (issue 18). Pure.
 *
 * @param listing the VMs powered on ({@link TimingRules#hypervisorListingBound})
 * @param powerOn a power-on: the master's {@code vmha.restart.power-on-timeout}, after which it stops waiting anyway
 * @param powerOff a forced power-off, or sending a guest shutdown ({@link TimingRules#powerOffCallBound})
 * @param migrateOut stopping a migrating VM's writer ({@link TimingRules#migrateOutCallBound})
 */
public record CallBounds(Duration listing, Duration powerOn, Duration powerOff, Duration migrateOut) {

  public static CallBounds of(Duration interval, Duration hostTimeout, Duration powerOnTimeout, Duration powerOffMax) {
    Duration powerOff = TimingRules.powerOffCallBound(interval, powerOffMax);
    return new CallBounds(TimingRules.hypervisorListingBound(hostTimeout), powerOnTimeout, powerOff,
        TimingRules.migrateOutCallBound(powerOff));
  }

  /** How long the master waits for each half of a live migration ({@link TimingRules#migrationStepBound}). */
  public Duration migrationStep() {
    return TimingRules.migrationStepBound(migrateOut, powerOn);
  }
}
