package dev.vmha.datastore;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code protectedlist}: every protected VM and the host it was last placed on, written by the master
 * that owns the datastore. {@code version} grows with every change; a new master takes the highest valid version.
 */
public record ProtectedList(String owner, long version, Map<String, Entry> vms) implements JsonSerializable {
  static final String KIND = "protectedlist";

  /** A protected VM and where it last ran. */
  public record Entry(VmSpec vm, String host) implements JsonSerializable {}

  public ProtectedList {
    vms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vms));
  }

  public static ProtectedList empty(String owner) {
    return new ProtectedList(owner, 0, Map.of());
  }

  public ProtectedList with(VmSpec vm, String host, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.put(vm.name(), new Entry(vm, host));
    return new ProtectedList(newOwner, version + 1, m);
  }

  public ProtectedList without(String vm, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.remove(vm);
    return new ProtectedList(newOwner, version + 1, m);
  }

  String encode() {
    List<Map.Entry<String, String>> e = new ArrayList<>();
    e.add(Map.entry("owner", owner));
    e.add(Map.entry("version", Long.toString(version)));
    for (Entry v : vms.values()) e.add(Map.entry("vm", Fields.vm(v.vm()) + "," + v.host()));
    return StateFile.encode(KIND, e);
  }

  static ProtectedList decode(Path file, String text) throws CorruptStateFileException {
    Fields f = new Fields(file, StateFile.decode(file, KIND, text));
    Map<String, Entry> vms = new LinkedHashMap<>();
    for (String v : f.all("vm")) {
      List<String> host = new ArrayList<>();
      VmSpec spec = f.vm(v, 1, host);
      vms.put(spec.name(), new Entry(spec, host.get(0)));
    }
    return new ProtectedList(f.one("owner"), f.longOf("version"), vms);
  }
}
