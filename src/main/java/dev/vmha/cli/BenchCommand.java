package dev.vmha.cli;

import com.typesafe.config.ConfigFactory;
import dev.vmha.demo.DemoRun;
import dev.vmha.sim.ApiLoad;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Benchmarks on a simulated cluster in this JVM.",
    subcommands = {BenchCommand.ApiLoadCommand.class})
final class BenchCommand extends CommandGroup {
  @Command(name = "api-load", description = "Concurrent power-ons and status requests against a simulated cluster "
      + "with the demo's timings and each agent's real HTTP API: reports the fences (must be 0), the longest "
      + "lease-renewal gap and the API's latency. Exits 1 if anything was fenced or a VM answered 200 was lost.")
  static final class ApiLoadCommand implements Callable<Integer> {
    @Option(names = "--hosts", defaultValue = "4", description = "Agents (default ${DEFAULT-VALUE}).")
    int hosts;

    @Option(names = "--power-ons", defaultValue = "200", description = "POST /api/vms requests (default ${DEFAULT-VALUE}).")
    int powerOns;

    @Option(names = "--names", defaultValue = "20", description = "VM names the power-ons go round (default ${DEFAULT-VALUE}).")
    int names;

    @Option(names = "--statuses", defaultValue = "200", description = "GET /api/status requests (default ${DEFAULT-VALUE}).")
    int statuses;

    @Override
    public Integer call() throws Exception {
      if (hosts < 1 || powerOns < 0 || names < 1 || statuses < 0) {
        System.err.println("vmha bench api-load: --hosts and --names take 1 or more, --power-ons and --statuses 0 or more");
        return ExitCode.USAGE;
      }
      Path dir = Path.of(System.getProperty("vmha.home", ".")).toAbsolutePath().normalize().resolve("var/bench-api-load");
      DemoRun.deleteTree(dir);
      System.out.println("vmha bench api-load: " + powerOns + " POST /api/vms over " + names + " names and " + statuses
          + " GET /api/status, all at once, against " + hosts + " agents (data in " + dir + ")");
      ApiLoad.Result r = new ApiLoad(new ApiLoad.Options(hosts, powerOns, names, statuses, dir, ConfigFactory.load()),
          System.out).run();
      r.print(System.out);
      return r.fences().isEmpty() && r.lost().isEmpty() ? ExitCode.OK : ExitCode.FAILED;
    }
  }
}
