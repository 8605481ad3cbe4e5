package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import java.io.File;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/** A command that runs as one host (its agent, its watchdog): it reads the host's file, and refuses a bad value. */
abstract class HostCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "The host's HOCON file (falls back to conf/vmha.conf).")
  File config;

  abstract String name();

  abstract Integer run(HaSettings s) throws Exception;

  @Override
  public Integer call() throws Exception {
    HaSettings s;
    try {
      s = HaSettings.load(config);
    } catch (SettingsException e) {
      System.err.println("vmha " + name() + ": " + e.getMessage());
      return ExitCode.USAGE;
    }
    return run(s);
  }
}
