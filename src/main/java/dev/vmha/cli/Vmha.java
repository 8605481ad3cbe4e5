package dev.vmha.cli;

import dev.vmha.Failures;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/** The {@code vmha} command line; {@link ExitCode} says what its exit codes mean. */
@Command(
    name = "vmha",
    // --help and --version on every command, not only the top one
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    version = "vmha 0.1.0",
    description = "Host High Availability for virtual-machine clusters.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:failed (refused, an error, a check that does not pass)",
        "2:usage (an unknown command or option, a bad value or --config file)",
        "3:not found (no such VM, no master elected, no vmha agent at the address)"},
    subcommands = {AgentCommand.class, StatusCommand.class, VmCommand.class, HistoryCommand.class,
        ExplainCommand.class, ReplayCommand.class, DemoCommand.class, LabCommand.class, WatchdogCommand.class,
        BenchCommand.class, TokenCommand.class, CertsCommand.class, CompletionCommand.class,
        CapacityCommand.class, HostsCommand.class, VmsCommand.class, DatastoresCommand.class, EventsCommand.class,
        HaCommand.class, HostGroupCommand.class, EmergencyCommand.class})
public final class Vmha extends CommandGroup {
  public static void main(String[] args) {
    CliLogging.configure(args);
    System.exit(commandLine().execute(args));
  }

  /** The command line with vmha's handling of a wrong command line (exit 2) and of a failure (exit 1). */
  static CommandLine commandLine() {
    return new CommandLine(new Vmha())
        .setCaseInsensitiveEnumValuesAllowed(true) // ha enable, not ha ENABLE
        .setParameterExceptionHandler(Vmha::usageError)
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          // one line, never a stack trace (that is logged at DEBUG: -Dvmha.log.level=DEBUG): what failed and why
          cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + Failures.rootCause(e).getClass().getSimpleName()
              + ": " + Failures.rootMessage(e));
          cmd.getErr().flush();
          LoggerFactory.getLogger(Vmha.class).debug("{} failed", cmd.getCommandSpec().qualifiedName(), e);
          return ExitCode.FAILED;
        });
  }

  /** What is wrong with the command line, a suggestion if there is one, and where the help is; exit 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    boolean unknownCommand = e instanceof UnmatchedArgumentException u && !u.isUnknownOption()
        && !cmd.getSubcommands().isEmpty() && !u.getUnmatched().isEmpty();
    err.println(name + ": " + (unknownCommand ? "unknown command '"
        + ((UnmatchedArgumentException) e).getUnmatched().get(0) + "'" : e.getMessage()));
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + name + " --help'.");
    err.flush();
    return ExitCode.USAGE;
  }
}
