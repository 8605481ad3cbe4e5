package dev.vmha.datastore;

import dev.vmha.JsonSerializable;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The content of {@code lease-<vm>}: the host that may run the VM and a counter it bumps at every renewal. Like a
 * heartbeat, freshness is judged by watching the counter move, never by comparing clocks; {@code renewedAt} is the
 * owner's own clock, read back only by the owner (an agent restarting finds how long its VMs ran unrenewed).
 */
public record VmLease(String vm, String owner, long counter, Instant renewedAt) implements JsonSerializable {
  static final String KIND = "lease";

  /** The same lease renewed by its owner. */
  public VmLease renewed(Instant at) {
    return new VmLease(vm, owner, counter + 1, at);
  }

  /** A new owner's lease following this one: the counter keeps growing, so every holder's writes differ. */
  public VmLease takenBy(String newOwner, Instant at) {
    return new VmLease(vm, newOwner, counter + 1, at);
  }

  public static VmLease first(String vm, String owner, Instant at) {
    return new VmLease(vm, owner, 1, at);
  }

  /** Whether two reads show the same write: same owner, same counter. */
  public boolean sameWrite(VmLease other) {
    return other != null && owner.equals(other.owner) && counter == other.counter && vm.equals(other.vm);
  }

  String encode() {
    return StateFile.encode(KIND, this);
  }

  static VmLease decode(Path file, String text) throws CorruptStateFileException {
    return StateFile.decode(file, KIND, text, VmLease.class, LegacyStateFile::lease);
  }
}
