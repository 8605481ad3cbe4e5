package dev.vmha.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vmha} command line. */
@Command(
    name = "vmha",
    mixinStandardHelpOptions = true,
    version = "vmha 0.1.0",
    description = "Host High Availability for virtual-machine clusters.",
    subcommands = {AgentCommand.class, StatusCommand.class, VmCommand.class, HistoryCommand.class,
        ExplainCommand.class, ReplayCommand.class, DemoCommand.class, LabCommand.class, WatchdogCommand.class,
        BenchCommand.class, TokenCommand.class, CertsCommand.class, CapacityCommand.class})
public final class Vmha implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Vmha()).execute(args));
  }
}
