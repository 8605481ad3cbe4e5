package dev.vmha.datastore;

import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first state file format, read so that an upgraded agent keeps the files of the version before it: a header line
 * {@code vmha <kind> 1}, {@code key=value} lines (a key may repeat) with positional, comma-separated values, and the
 * same checksum line. Never written: every writer rewrites its file in {@link StateFile}'s format at its next write.
 * A file whose values held separators was unreadable then and is corrupt now.
 */
final class LegacyStateFile {
  static final String HEADER_PREFIX = "vmha ";

  private LegacyStateFile() {}

  /** The entries of a first-format body (checksum already verified), or why it cannot be trusted. */
  static Fields fields(Path file, String kind, String body) throws CorruptStateFileException {
    String[] lines = body.split("\n");
    String header = HEADER_PREFIX + kind + " 1";
    if (!lines[0].equals(header)) {
      throw new CorruptStateFileException(file, "expected header '" + header + "', found '" + lines[0] + "'");
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int eq = lines[i].indexOf('=');
      if (eq <= 0) throw new CorruptStateFileException(file, "line " + (i + 1) + " is not key=value");
      entries.add(Map.entry(lines[i].substring(0, eq), lines[i].substring(eq + 1)));
    }
    return new Fields(file, entries);
  }

  static HostHeartbeat heartbeat(Path file, Fields f) throws CorruptStateFileException {
    List<String> address = f.all("address");
    return new HostHeartbeat(f.one("host"), f.longOf("counter"), f.instant("time"),
        address.isEmpty() ? "" : address.get(0));
  }

  static VmLease lease(Path file, Fields f) throws CorruptStateFileException {
    return new VmLease(f.one("vm"), f.one("owner"), f.longOf("counter"), f.instant("time"));
  }

  static PowerOnFile powerOn(Path file, Fields f) throws CorruptStateFileException {
    String isolated = f.one("isolated");
    if (!isolated.equals("true") && !isolated.equals("false")) {
      throw new CorruptStateFileException(file, "isolated is neither true nor false: " + isolated);
    }
    List<VmSpec> vms = new ArrayList<>();
    for (String v : f.all("vm")) vms.add(f.vm(v, 0, new ArrayList<>()));
    return new PowerOnFile(f.one("host"), Boolean.parseBoolean(isolated), vms,
        f.all("watchdog").contains("armed") ? WatchdogFlag.ARMED : WatchdogFlag.NOT_ARMED);
  }

  static ProtectedList protectedList(Path file, Fields f) throws CorruptStateFileException {
    Map<String, ProtectedList.Entry> vms = new LinkedHashMap<>();
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
            ReadyCondition.parse(x.get(3)), Duration.ofMillis(Long.parseLong(x.get(4))),
            x.get(5).isEmpty() ? List.of() : List.of(x.get(5).split(";")));
        ProtectedList.Recovery r = ProtectedList.Recovery.of(new ProtectedList.Recovery.Stored(
            Integer.parseInt(x.get(6)), Instant.ofEpochMilli(Long.parseLong(x.get(7))),
            gaveUp.getOrDefault(spec.name(), "")));
        vms.put(spec.name(), new ProtectedList.Entry(spec, x.get(0), p, r));
      } catch (IllegalArgumentException e) {
        throw new CorruptStateFileException(file, "malformed protection of " + spec.name() + ": " + e.getMessage());
      }
    }
    return new ProtectedList(f.one("owner"), f.longOf("version"), vms);
  }

  /** Typed access to the entries of one first-format file; a missing or malformed value makes the file corrupt. */
  static final class Fields {
    private final Path file;
    private final List<Map.Entry<String, String>> entries;

    Fields(Path file, List<Map.Entry<String, String>> entries) {
      this.file = file;
      this.entries = entries;
    }

    String one(String key) throws CorruptStateFileException {
      List<String> values = all(key);
      if (values.size() != 1) {
        throw new CorruptStateFileException(file, "expected one '" + key + "', found " + values.size());
      }
      return values.get(0);
    }

    List<String> all(String key) {
      return entries.stream().filter(e -> e.getKey().equals(key)).map(Map.Entry::getValue).toList();
    }

    long longOf(String key) throws CorruptStateFileException {
      return parsed(key, Long::parseLong, "a number");
    }

    Instant instant(String key) throws CorruptStateFileException {
      return parsed(key, Instant::parse, "a time");
    }

    private <T> T parsed(String key, java.util.function.Function<String, T> parse, String what)
        throws CorruptStateFileException {
      String v = one(key);
      try {
        return parse.apply(v);
      } catch (RuntimeException e) {
        throw new CorruptStateFileException(file, key + " is not " + what + ": " + v);
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
  }
}
