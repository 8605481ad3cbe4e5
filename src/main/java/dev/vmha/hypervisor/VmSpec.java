package dev.vmha.hypervisor;

import dev.vmha.JsonSerializable;
import java.util.regex.Pattern;

/** What a VM needs from a host. */
public record VmSpec(String name, long memoryMb, int cpus) implements JsonSerializable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  /** What {@link #isValidName} accepts, for error messages (VM names are file names on the datastores). */
  public static final String NAME_RULE = "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit";

  public VmSpec {
    if (!isValidName(name)) {
      throw new IllegalArgumentException("VM name " + name + ": " + NAME_RULE);
    }
    if (memoryMb < 1) throw new IllegalArgumentException("VM " + name + ": memoryMb must be at least 1, was " + memoryMb);
    if (cpus < 1) throw new IllegalArgumentException("VM " + name + ": cpus must be at least 1, was " + cpus);
  }

  /** 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit. */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }
}
