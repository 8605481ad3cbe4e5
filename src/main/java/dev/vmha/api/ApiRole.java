package dev.vmha.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an API token may do; each role may do everything the roles before it may (vCenter's roles, pcsd's tokens). */
public enum ApiRole {
  /** Read the cluster: status and recent events. */
  READ,
  /** Operate VMs: power on under protection, power off (unprotect). */
  OPERATOR,
  /** Everything, also emergency operations and settings; the role every route not listed in {@link ApiAccess} needs. */
  ADMIN;

  public boolean covers(ApiRole need) {
    return compareTo(need) >= 0;
  }

  /** The role's name as written in a tokens file and shown to people: read, operator, admin. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ApiRole parse(String s) {
    for (ApiRole r : values()) {
      if (r.label().equals(s)) return r;
    }
    throw new IllegalArgumentException("unknown role \"" + s + "\" (allowed: "
        + Arrays.stream(values()).map(ApiRole::label).collect(Collectors.joining(", ")) + ")");
  }
}
