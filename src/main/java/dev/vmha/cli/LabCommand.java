package dev.vmha.cli;

import dev.vmha.lab.LabConfig;
import dev.vmha.lab.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The real-network lab's Java side (deploy/lab/lab does the namespaces and faults). */
@Command(name = "lab", description = "The real-network lab: host files, judge, scenarios, campaign (see deploy/lab).",
    subcommands = {LabCommand.Config.class, LabCommand.Scenario.class, LabCommand.Judge.class, LabCommand.Campaign.class})
final class LabCommand extends CommandGroup {
  @Command(name = "scenario", description = "Run lab scenarios (default: all); PASS/FAIL each, non-zero on a failure.")
  static final class Scenario implements Callable<Integer> {
    @picocli.CommandLine.Parameters(arity = "0..*", description = "scenario names") List<String> names = List.of();

    @Override
    public Integer call() throws Exception {
      Path home = Path.of(System.getProperty("vmha.home", ".")).toAbsolutePath().normalize();
      Scenarios s = new Scenarios(home, System.out);
      List<String> run = names.isEmpty() ? List.copyOf(Scenarios.ALL.keySet()) : names;
      int failed = 0;
      for (String n : run) {
        if (!s.run(n).pass()) failed++;
      }
      return failed == 0 ? ExitCode.OK : ExitCode.FAILED;
    }
  }

  @Command(name = "campaign", description = "Random faults with heals between; a table; non-zero on a violation.")
  static final class Campaign implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--steps", defaultValue = "20") int steps;

    @Override
    public Integer call() throws Exception {
      Path home = Path.of(System.getProperty("vmha.home", ".")).toAbsolutePath().normalize();
      return new dev.vmha.lab.Campaign(home, System.out, seed).run(steps) ? ExitCode.OK : ExitCode.FAILED;
    }
  }

  @Command(name = "judge", description = "Judge the disk files of a datastore: any VM written by two hosts at once.")
  static final class Judge implements Callable<Integer> {
    @Option(names = "--datastore", defaultValue = "var/lab/ds1") Path datastore;
    @Option(names = "--since", defaultValue = "0", description = "epoch milliseconds") long since;

    @Override
    public Integer call() throws Exception {
      java.util.Map<String, List<String>> disks = new java.util.TreeMap<>();
      Path vms = datastore.resolve("vms");
      if (Files.isDirectory(vms)) {
        try (var files = Files.list(vms)) {
          for (Path f : files.filter(f -> f.toString().endsWith(".disk")).toList()) {
            disks.put(f.getFileName().toString().replace(".disk", ""), Files.readAllLines(f));
          }
        }
      }
      List<String> v = dev.vmha.lab.Judge.twoWriters(disks, since * 1000);
      v.forEach(System.out::println);
      System.out.println(v.isEmpty() ? "judge: " + disks.size() + " VM disks, no VM written by two hosts at once"
          : "judge: " + v.size() + " violations");
      return v.isEmpty() ? ExitCode.OK : ExitCode.FAILED;
    }
  }

  @Command(name = "config", description = "Write the lab's host files <dir>/hN.conf.")
  static final class Config implements Callable<Integer> {
    @Option(names = "--dir", required = true) Path dir;
    @Option(names = "--hosts", required = true) int hosts;
    @Option(names = "--subnet", required = true, description = "first three octets, e.g. 10.231.0") String subnet;
    @Option(names = "--hypervisor", defaultValue = "process") String hypervisor;
    @Option(names = "--datastores", split = ",", description = "names of the datastore links in each host's dir")
    List<String> datastores = List.of();
    @Option(names = "--extra", description = "a HOCON file appended to every host file") Path extra;

    @Override
    public Integer call() throws Exception {
      LabConfig.write(dir, hosts, subnet, hypervisor, datastores, extra == null ? "" : Files.readString(extra));
      return ExitCode.OK;
    }
  }
}
