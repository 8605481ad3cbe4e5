package dev.vmha.datastore;

import dev.vmha.hypervisor.VmSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Typed access to the decoded entries of one state file; a missing or malformed value makes the file corrupt. */
final class Fields {
  private final Path file;
  private final List<Map.Entry<String, String>> entries;

  Fields(Path file, List<Map.Entry<String, String>> entries) {
    this.file = file;
    this.entries = entries;
  }

  String one(String key) throws CorruptStateFileException {
    List<String> values = all(key);
    if (values.size() != 1) throw new CorruptStateFileException(file, "expected one '" + key + "', found " + values.size());
    return values.get(0);
  }

  List<String> all(String key) {
    return entries.stream().filter(e -> e.getKey().equals(key)).map(Map.Entry::getValue).toList();
  }

  long longOf(String key) throws CorruptStateFileException {
    String v = one(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new CorruptStateFileException(file, key + " is not a number: " + v);
    }
  }

  Instant instant(String key) throws CorruptStateFileException {
    String v = one(key);
    try {
      return Instant.parse(v);
    } catch (RuntimeException e) {
      throw new CorruptStateFileException(file, key + " is not a time: " + v);
    }
  }

  /** {@code name,memoryMb,cpus[,extra...]}: the VM, and the extra fields in order. */
  VmSpec vm(String value, int extra, List<String> extrasOut) throws CorruptStateFileException {
    String[] parts = value.split(",", -1);
    if (parts.length != 3 + extra) throw new CorruptStateFileException(file, "malformed VM entry: " + value);
    try {
      for (int i = 0; i < extra; i++) extrasOut.add(parts[3 + i]);
      return new VmSpec(parts[0], Long.parseLong(parts[1]), Integer.parseInt(parts[2]));
    } catch (IllegalArgumentException e) {
      throw new CorruptStateFileException(file, "malformed VM entry " + value + ": " + e.getMessage());
    }
  }

  static String vm(VmSpec vm) {
    return vm.name() + "," + vm.memoryMb() + "," + vm.cpus();
  }
}
