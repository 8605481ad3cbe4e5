package dev.vmha.restart;

import java.util.Locale;

/**
 * When a started VM counts as ready, so that the next start group may go (vSphere's "Start next priority VMs
 * when"). Guest heartbeats come with VM monitoring.
 */
public enum ReadyCondition {
  /** The master placed the VM and its host accepted it. */
  RESOURCES_ALLOCATED,
  /** The hypervisor reports the VM powered on. */
  POWERED_ON;

  private static final String ALLOWED = "one of \"resources-allocated\", \"powered-on\"";

  /** Parses a config name, case-insensitive; throws IllegalArgumentException naming the allowed values. */
  public static ReadyCondition parse(String s) {
    String v = s == null ? "" : s.toLowerCase(Locale.ROOT);
    if (v.equals("guest-heartbeat")) {
      throw new IllegalArgumentException(ALLOWED + " (guest-heartbeat needs VM monitoring, which vmha does not have"
          + " yet)");
    }
    for (ReadyCondition r : values()) {
      if (r.configName().equals(v)) return r;
    }
    throw new IllegalArgumentException(ALLOWED);
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
