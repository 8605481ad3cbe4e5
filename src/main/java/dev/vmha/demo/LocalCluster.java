package dev.vmha.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the command line finds the local cluster when no --config or --agent names one: the host files of the last
 * {@code ./vmha demo} (listed in {@code var/demo/hosts}, one path a line, written once its agents are configured),
 * else the hand-run cluster's {@code conf/host1.conf .. conf/host4.conf}.
 */
public final class LocalCluster {
  private LocalCluster() {}

  /** The pointer file, under the vmha home. */
  static final String POINTER = "var/demo/hosts";

  static void write(Path home, List<Path> hostFiles) throws IOException {
    List<String> lines = hostFiles.stream().map(p -> p.toAbsolutePath().toString()).toList();
    Path tmp = home.resolve(POINTER + ".tmp");
    Files.write(tmp, lines);
    Files.move(tmp, home.resolve(POINTER), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** The local cluster's host files, and where that list came from (for messages). */
  public record Hosts(List<Path> files, String from) {}

  public static Hosts hostFiles(Path home) {
    Path pointer = home.resolve(POINTER);
    if (Files.isRegularFile(pointer)) {
      try {
        List<Path> files = Files.readAllLines(pointer).stream().map(String::strip).filter(l -> !l.isEmpty())
            .map(Path::of).toList();
        return new Hosts(files, "the demo's hosts in " + POINTER);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + pointer + ": " + e.getMessage(), e);
      }
    }
    List<Path> files = new ArrayList<>();
    for (int i = 1; i <= 4; i++) files.add(home.resolve("conf/host" + i + ".conf"));
    return new Hosts(files, "the local cluster's conf/host1.conf .. conf/host4.conf");
  }
}
