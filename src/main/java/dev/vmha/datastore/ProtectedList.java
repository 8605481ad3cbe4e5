package dev.vmha.datastore;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
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

  /** A protected VM, where it last ran, and how it is restarted. */
  public record Entry(VmSpec vm, String host, VmProtection protection) implements JsonSerializable {}

  public ProtectedList {
    vms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vms));
  }

  public static ProtectedList empty(String owner) {
    return new ProtectedList(owner, 0, Map.of());
  }

  /** The VM protected with these settings, placed at {@code host}. */
  public ProtectedList with(VmSpec vm, String host, VmProtection protection, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.put(vm.name(), new Entry(vm, host, protection));
    return new ProtectedList(newOwner, version + 1, m);
  }

  /** A protected VM now placed at {@code host}, its protection unchanged. */
  public ProtectedList moved(String vm, String host, String newOwner) {
    Entry e = vms.get(vm);
    return with(e.vm(), host, e.protection(), newOwner);
  }

  /** Every protected VM's dependencies, for cycle checks. */
  public Map<String, List<String>> dependencies() {
    Map<String, List<String>> d = new LinkedHashMap<>();
    vms.forEach((n, e) -> d.put(n, e.protection().dependsOn()));
    return d;
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
    for (Entry v : vms.values()) {
      VmProtection p = v.protection();
      e.add(Map.entry("vm", Fields.vm(v.vm()) + "," + v.host() + "," + p.priority().configName() + "," + p.order()
          + "," + p.ready().configName() + "," + p.readyTimeout().toMillis() + "," + String.join(";", p.dependsOn())));
    }
    return StateFile.encode(KIND, e);
  }

  static ProtectedList decode(Path file, String text) throws CorruptStateFileException {
    Fields f = new Fields(file, StateFile.decode(file, KIND, text));
    Map<String, Entry> vms = new LinkedHashMap<>();
    for (String v : f.all("vm")) {
      List<String> x = new ArrayList<>();
      VmSpec spec = f.vm(v, 6, x);
      try {
        VmProtection p = new VmProtection(RestartPriority.parse(x.get(1)), Integer.parseInt(x.get(2)),
            ReadyCondition.parse(x.get(3)), java.time.Duration.ofMillis(Long.parseLong(x.get(4))),
            x.get(5).isEmpty() ? List.of() : List.of(x.get(5).split(";")));
        vms.put(spec.name(), new Entry(spec, x.get(0), p));
      } catch (IllegalArgumentException e) {
        throw new CorruptStateFileException(file, "malformed protection of " + spec.name() + ": " + e.getMessage());
      }
    }
    return new ProtectedList(f.one("owner"), f.longOf("version"), vms);
  }
}
