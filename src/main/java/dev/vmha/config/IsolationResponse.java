package dev.vmha.config;

import java.util.Locale;

/** What an isolated host does with its running VMs (vSphere's host isolation response, seed 003). */
public enum IsolationResponse {
  /** Hard power-off at once; the master restarts the VMs elsewhere. */
  POWER_OFF,
  /** Guest shutdown, then power-off after das.isolationShutdownTimeout; the master restarts them elsewhere. */
  SHUTDOWN,
  /** Keep the VMs running; the master restarts nothing (vSphere 5's default). */
  LEAVE_POWERED_ON;

  /** Whether the isolated host stops the VM (at once, or after its guest shutdown), so the master restarts it. */
  public boolean stopsVm() {
    return this != LEAVE_POWERED_ON;
  }

  /** Parses a config name, case-insensitive; throws IllegalArgumentException naming the allowed values. */
  public static IsolationResponse parse(String s) {
    String v = s == null ? "" : s.toLowerCase(Locale.ROOT);
    for (IsolationResponse r : values()) {
      if (r.configName().equals(v)) return r;
    }
    throw new IllegalArgumentException("one of \"power-off\", \"shutdown\", \"leave-powered-on\"");
  }

  /** As written in the configuration: {@code power-off}, {@code shutdown}, {@code leave-powered-on}. */
  public String configName() {
    return name().replace('_', '-').toLowerCase(Locale.ROOT);
  }
}
