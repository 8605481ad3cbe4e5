package dev.vmha.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** A command that only groups others ({@code vmha}, {@code vmha vm}, ...): called alone, it is a usage error. */
abstract class CommandGroup implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: one of "
        + String.join(", ", spec.subcommands().keySet()));
  }
}
