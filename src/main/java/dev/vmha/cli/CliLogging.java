package dev.vmha.cli;

import ch.qos.logback.classic.LoggerContext;
import java.util.Set;
import org.slf4j.LoggerFactory;

/** How each command logs (src/main/resources/logback.xml): set before the first log line of the process. */
final class CliLogging {
  private CliLogging() {}

  /** The commands that run as a host, whose log is their output: INFO and above, on stdout. */
  private static final Set<String> HOST_COMMANDS = Set.of("agent", "watchdog");

  /**
   * Any other command writes only its warnings, and to stderr, so that what it prints (and its JSON) is its own;
   * -Dvmha.log.level / -Dvmha.log.target (VMHA_JAVA_OPTS) still win. Logging starts here, in one thread, so SLF4J
   * never replays calls made while it started (its three "SLF4J(W)" lines).
   */
  static void configure(String[] args) {
    if (args.length == 0 || !HOST_COMMANDS.contains(args[0])) {
      if (System.getProperty("vmha.log.level") == null) System.setProperty("vmha.log.level", "WARN");
      if (System.getProperty("vmha.log.target") == null) System.setProperty("vmha.log.target", "System.err");
    }
    LoggerFactory.getILoggerFactory();
  }

  /** Every later log line of this process names this host. */
  static void host(String hostId) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext c) c.putProperty("vmha.host", hostId);
  }
}
