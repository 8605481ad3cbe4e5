package dev.vmha.cli;

/** The exit codes of every {@code vmha} command, for scripts (README, "Exit codes"). */
final class ExitCode {
  private ExitCode() {}

  /** Done; what was asked is so. */
  static final int OK = 0;
  /** Tried and failed: refused, an error, a check that does not pass. */
  static final int FAILED = 1;
  /** The command line is wrong: an unknown command or option, a bad value, a bad --config file. */
  static final int USAGE = 2;
  /** What was asked about does not exist: no such VM, no master elected, no vmha agent at the address. */
  static final int NOT_FOUND = 3;
}
