package dev.vmha.cli;

import dev.vmha.demo.CaseDemo;
import dev.vmha.demo.DemoRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Run a local 4-host demo cluster through a slave crash and a master crash.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--keep", description = "Leave the cluster running at the end (for ./vmha status).")
  boolean keep;

  @Option(names = "--stop", description = "Instead: stop the cluster an earlier --keep left running (its agents, "
      + "watchdogs and VM processes).")
  boolean stop;

  @Option(names = "--case", description = "Instead: watch seed 000's canonical case 1-5 (1 slave crash, 2 slave "
      + "isolated, 3 master crash, 4 master isolated, 5 partition 2|2) on a simulated cluster in this JVM.")
  Integer caseNumber;

  @Option(names = "--no-datastores", description = "With --case: no heartbeat datastores, the majority rule decides.")
  boolean noDatastores;

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("vmha.home", ".")).toAbsolutePath().normalize();
    try {
      if (stop) {
        new DemoRun(home, System.out).stop();
        return ExitCode.OK;
      }
      if (caseNumber != null) {
        return new CaseDemo(System.out).run(caseNumber, !noDatastores, home.resolve("var/demo-case")) ? ExitCode.OK : ExitCode.FAILED;
      }
      return new DemoRun(home, System.out).run(keep) ? ExitCode.OK : ExitCode.FAILED;
    } catch (IllegalStateException | IllegalArgumentException e) {
      System.err.println("vmha demo: " + e.getMessage());
      return ExitCode.FAILED;
    }
  }
}
