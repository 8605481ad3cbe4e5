package dev.vmha.hypervisor;

import dev.vmha.JsonSerializable;

/** What a VM needs from a host. */
public record VmSpec(String name, long memoryMb, int cpus) implements JsonSerializable {
  public VmSpec {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
      throw new IllegalArgumentException("VM name " + name + ": 1-63 letters, digits, '.', '_' or '-'");
    }
    if (memoryMb < 1) throw new IllegalArgumentException("VM " + name + ": memoryMb must be at least 1, was " + memoryMb);
    if (cpus < 1) throw new IllegalArgumentException("VM " + name + ": cpus must be at least 1, was " + cpus);
  }
}
