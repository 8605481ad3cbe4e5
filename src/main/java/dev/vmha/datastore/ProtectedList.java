package dev.vmha.datastore;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.nio.file.Path;
import java.time.Instant;
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

  /** A protected VM, where it last ran, how it is restarted, and where its recovery stands. */
  public record Entry(VmSpec vm, String host, VmProtection protection, Recovery recovery) implements JsonSerializable {}

  /**
   * Where a VM's recovery stands, written before the master acts on it so that a new master carries on: the failed
   * attempts so far, when the next may start (wall clock: retries are minutes apart, so the hosts' clock offsets
   * hardly matter), and why the VM was given up ("" while it is not). Reset when the VM runs again.
   */
  public record Recovery(int failedAttempts, Instant retryAt, String givenUp) implements JsonSerializable {
    public static final Recovery NONE = new Recovery(0, Instant.EPOCH, "");

    public boolean gaveUp() {
      return !givenUp.isEmpty();
    }
  }

  public ProtectedList {
    vms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vms));
  }

  public static ProtectedList empty(String owner) {
    return new ProtectedList(owner, 0, Map.of());
  }

  /** The VM protected with these settings, placed at {@code host}. */
  public ProtectedList with(VmSpec vm, String host, VmProtection protection, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.put(vm.name(), new Entry(vm, host, protection, Recovery.NONE));
    return new ProtectedList(newOwner, version + 1, m);
  }

  /** A protected VM whose recovery moved on; where it ran and its protection unchanged. */
  public ProtectedList recovering(String vm, Recovery recovery, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    Entry e = m.get(vm);
    m.put(vm, new Entry(e.vm(), e.host(), e.protection(), recovery));
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
          + "," + p.ready().configName() + "," + p.readyTimeout().toMillis() + "," + String.join(";", p.dependsOn())
          + "," + v.recovery().failedAttempts() + "," + v.recovery().retryAt().toEpochMilli()));
      if (v.recovery().gaveUp()) e.add(Map.entry("gaveup", v.vm().name() + " " + v.recovery().givenUp()));
    }
    return StateFile.encode(KIND, e);
  }

  static ProtectedList decode(Path file, String text) throws CorruptStateFileException {
    Fields f = new Fields(file, StateFile.decode(file, KIND, text));
    Map<String, Entry> vms = new LinkedHashMap<>();
    Map<String, String> gaveUp = new LinkedHashMap<>();
    for (String g : f.all("gaveup")) {
      int sp = g.indexOf(' ');
      if (sp <= 0 || sp == g.length() - 1) throw new CorruptStateFileException(file, "malformed gaveup entry: " + g);
      gaveUp.put(g.substring(0, sp), g.substring(sp + 1));
    }
    for (String v : f.all("vm")) {
      List<String> x = new ArrayList<>();
      VmSpec spec = f.vm(v, 8, x);
      try {
        VmProtection p = new VmProtection(RestartPriority.parse(x.get(1)), Integer.parseInt(x.get(2)),
            ReadyCondition.parse(x.get(3)), java.time.Duration.ofMillis(Long.parseLong(x.get(4))),
            x.get(5).isEmpty() ? List.of() : List.of(x.get(5).split(";")));
        Recovery r = new Recovery(Integer.parseInt(x.get(6)), Instant.ofEpochMilli(Long.parseLong(x.get(7))),
            gaveUp.getOrDefault(spec.name(), ""));
        vms.put(spec.name(), new Entry(spec, x.get(0), p, r));
      } catch (IllegalArgumentException e) {
        throw new CorruptStateFileException(file, "malformed protection of " + spec.name() + ": " + e.getMessage());
      }
    }
    return new ProtectedList(f.one("owner"), f.longOf("version"), vms);
  }
}
