package dev.vmha.cli;

import com.typesafe.config.ConfigFactory;
import dev.vmha.demo.DemoRun;
import dev.vmha.sim.ApiLoad;
import dev.vmha.sim.CapacityBench;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Benchmarks on a simulated cluster in this JVM.",
    subcommands = {BenchCommand.ApiLoadCommand.class, BenchCommand.CapacityBenchCommand.class})
final class BenchCommand extends CommandGroup {
  @Command(name = "api-load", description = "Concurrent power-ons and status requests against a simulated cluster "
      + "with the demo's timings and each agent's real HTTP API: reports the fences (must be 0), the longest "
      + "lease-renewal gap and the API's latency. Exits 1 if anything was fenced or a VM answered 200 was lost.")
  static final class ApiLoadCommand implements Callable<Integer> {
    @Option(names = "--hosts", defaultValue = "4", description = "Agents (default ${DEFAULT-VALUE}).")
    int hosts;

    @Option(names = "--power-ons", defaultValue = "200", description = "POST /api/v1/vms requests (default ${DEFAULT-VALUE}).")
    int powerOns;

    @Option(names = "--names", defaultValue = "20", description = "VM names the power-ons go round (default ${DEFAULT-VALUE}).")
    int names;

    @Option(names = "--statuses", defaultValue = "200", description = "GET /api/v1/status requests (default ${DEFAULT-VALUE}).")
    int statuses;

    @Override
    public Integer call() throws Exception {
      if (hosts < 1 || powerOns < 0 || names < 1 || statuses < 0) {
        System.err.println("vmha bench api-load: --hosts and --names take 1 or more, --power-ons and --statuses 0 or more");
        return ExitCode.USAGE;
      }
      Path dir = Path.of(System.getProperty("vmha.home", ".")).toAbsolutePath().normalize().resolve("var/bench-api-load");
      DemoRun.deleteTree(dir);
      System.out.println("vmha bench api-load: " + powerOns + " POST /api/v1/vms over " + names + " names and " + statuses
          + " GET /api/v1/status, all at once, against " + hosts + " agents (data in " + dir + ")");
      ApiLoad.Result r = new ApiLoad(new ApiLoad.Options(hosts, powerOns, names, statuses, dir, ConfigFactory.load()),
          System.out).run();
      r.print(System.out);
      return r.fences().isEmpty() && r.lost().isEmpty() ? ExitCode.OK : ExitCode.FAILED;
    }
  }

  @Command(name = "capacity", description = "The failover planner's speed: seeded random clusters of each --hosts"
      + " and --vms size, judged for N = 1..--failures; min, median and max of --runs runs (after one warm-up).")
  static final class CapacityBenchCommand implements Callable<Integer> {
    @Option(names = "--hosts", split = ",", defaultValue = "8,32,96", description = "Host counts (default ${DEFAULT-VALUE}).")
    List<Integer> hosts;

    @Option(names = "--vms", split = ",", defaultValue = "100,1000,10000", description = "VM counts (default ${DEFAULT-VALUE}).")
    List<Integer> vms;

    @Option(names = "--failures", defaultValue = "3", description = "Largest N judged (default ${DEFAULT-VALUE}).")
    int failures;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per case (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--fill", defaultValue = "0.7", description = "How full each host is, 0..1 (default ${DEFAULT-VALUE}).")
    double fill;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed of the clusters (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
      if (hosts.stream().anyMatch(h -> h < 1) || vms.stream().anyMatch(v -> v < 0) || failures < 1 || runs < 1
          || !(fill > 0 && fill <= 1)) {
        System.err.println("vmha bench capacity: --hosts 1 or more, --vms 0 or more, --failures and --runs 1 or more,"
            + " --fill above 0 and at most 1");
        return ExitCode.USAGE;
      }
      System.out.println("vmha bench capacity: seed " + seed + ", hosts filled to " + fill + ", " + runs
          + " runs per case; times include preparing the planner");
      CapacityBench.run(new CapacityBench.Options(hosts, vms, failures, runs, fill, seed), System.out);
      return ExitCode.OK;
    }
  }
}
