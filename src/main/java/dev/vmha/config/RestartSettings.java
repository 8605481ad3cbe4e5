package dev.vmha.config;

import dev.vmha.restart.VmProtection;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How the master restarts VMs (seed 001): attempts and their spacing, power-ons per host at once, the preferred
 * target, and each VM's protection.
 *
 * @param maxVmRestartCount attempts in total, the first included (das.maxvmrestartcount)
 * @param retryBaseDelay the wait before the first retry; each further one waits twice as long
 * @param perHostConcurrentFailoversLimit power-ons one host takes at once (das.perHostConcurrentFailoversLimit)
 * @param defaultFailoverHost preferred target when it has room (das.defaultfailoverhost)
 * @param vmDefaults protection of every VM not in {@code vms}, and of the keys a VM entry leaves out
 * @param vms protection per VM name
 */
public record RestartSettings(
    int maxVmRestartCount,
    Duration retryBaseDelay,
    int perHostConcurrentFailoversLimit,
    Optional<String> defaultFailoverHost,
    VmProtection vmDefaults,
    Map<String, VmProtection> vms) {

  public RestartSettings {
    vms = Map.copyOf(vms);
  }

  /**
   * The wait before retry n after n failed attempts: base × 2^(n-1), vSphere's 0/2/6/14/30 min with base 2 min.
   * Only retries that exist have a delay: n from 1 to maxVmRestartCount - 1.
   */
  public Duration retryDelay(int failedAttempts) {
    if (failedAttempts < 1 || failedAttempts >= maxVmRestartCount) {
      throw new IllegalArgumentException("retry after " + failedAttempts + " failed attempts: only 1 to "
          + (maxVmRestartCount - 1) + " failed attempts are retried (das.maxvmrestartcount = " + maxVmRestartCount + ")");
    }
    return TimingRules.backoff(retryBaseDelay, failedAttempts);
  }

  /** The VM's own protection, else the defaults. */
  public VmProtection protectionOf(String vm) {
    return vms.getOrDefault(vm, vmDefaults);
  }
}
