package dev.vmha.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The management network's default gateway, read from the kernel's routing table (Linux). */
public final class DefaultGateway {
  private DefaultGateway() {}

  public static Optional<String> fromProcNetRoute() {
    try {
      return parse(Files.readAllLines(Path.of("/proc/net/route")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Columns: Iface Destination Gateway Flags ...; addresses in little-endian hex; destination 0 = default route. */
  static Optional<String> parse(List<String> lines) {
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 3 || !f[1].equals("00000000")) continue;
      long g = Long.parseLong(f[2], 16);
      if (g == 0) continue;
      return Optional.of((g & 0xff) + "." + ((g >> 8) & 0xff) + "." + ((g >> 16) & 0xff) + "." + ((g >> 24) & 0xff));
    }
    return Optional.empty();
  }
}
