package dev.vmha.restart;

import java.util.Locale;

/**
 * How a VM is restarted when its host fails: vSphere's restart priorities, highest first, then XenServer's
 * best-effort class (started after every protected VM, exactly one attempt), then not at all.
 */
public enum RestartPriority {
  HIGHEST, HIGH, MEDIUM, LOW, LOWEST, BEST_EFFORT, DISABLED;

  private static final String ALLOWED = "one of \"highest\", \"high\", \"medium\", \"low\", \"lowest\", \"disabled\""
      + " (vSphere) or \"restart\" (= medium), \"best-effort\", \"unprotected\" or \"\" (= disabled) (XenServer)";

  /**
   * Parses vSphere levels highest|high|medium|low|lowest|disabled and XenServer classes restart (= medium),
   * best-effort, unprotected or "" (= disabled); case-insensitive. Throws IllegalArgumentException naming the
   * allowed values.
   */
  public static RestartPriority parse(String s) {
    if (s == null) throw new IllegalArgumentException(ALLOWED);
    String v = s.toLowerCase(Locale.ROOT);
    switch (v) {
      case "restart":
        return MEDIUM;
      case "unprotected", "":
        return DISABLED;
      default:
        for (RestartPriority p : values()) {
          if (p.configName().equals(v)) return p;
        }
        throw new IllegalArgumentException(ALLOWED);
    }
  }

  /** False only for DISABLED: every other priority is restarted (best-effort once). */
  public boolean restarted() {
    return this != DISABLED;
  }

  /** Owed room after a failure (capacity planning, issue 23): restarted, and not best-effort. */
  public boolean owedRoom() {
    return restarted() && this != BEST_EFFORT;
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
