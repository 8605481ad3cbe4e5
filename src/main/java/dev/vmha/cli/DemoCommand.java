package dev.vmha.cli;

import dev.vmha.demo.DemoRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Run a local 4-host demo cluster through a slave crash and a master crash.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--keep", description = "Leave the cluster running at the end (for ./vmha status).")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("vmha.home", ".")).toAbsolutePath().normalize();
    try {
      return new DemoRun(home, System.out).run(keep) ? 0 : 1;
    } catch (IllegalStateException e) {
      System.err.println("vmha demo: " + e.getMessage());
      return 1;
    }
  }
}
