package dev.vmha.cli;

import dev.vmha.lab.LabConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The real-network lab's Java side (deploy/lab/lab does the namespaces and faults). */
@Command(name = "lab", description = "The real-network lab: host files, judge, scenarios, campaign (see deploy/lab).",
    subcommands = {LabCommand.Config.class})
final class LabCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
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
      return 0;
    }
  }
}
