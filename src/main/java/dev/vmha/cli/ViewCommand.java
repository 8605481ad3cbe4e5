package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.config.SettingsException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command that shows one GET of an agent's {@code /api/v1} (hosts, vms, datastores, events): a table by default,
 * the agent's JSON with {@code --json}; exit codes as {@link ApiRead} maps them.
 */
abstract class ViewCommand implements Callable<Integer> {
  @Mixin AgentOptions options;

  @Option(names = "--json", description = "Print the agent's JSON answer.")
  boolean json;

  /** The command's name, for its messages. */
  String name() {
    return getClass().getAnnotation(Command.class).name();
  }

  /** The path to GET, {@code /api/v1/<name>} by default; IllegalArgumentException for a bad option value (exit 2). */
  String path() {
    return "/api/v1/" + name();
  }

  /** The answer as a table. */
  abstract void print(JsonNode answer, PrintStream out, Instant now, ZoneId zone);

  @Override
  public Integer call() throws Exception {
    AgentOptions.Targets targets;
    String path;
    try {
      path = path();
      targets = options.targets();
    } catch (SettingsException | IllegalArgumentException e) {
      System.err.println("vmha " + name() + ": " + e.getMessage());
      return ExitCode.USAGE;
    }
    ApiRead.Result r = ApiRead.get(targets, path);
    if (r instanceof ApiRead.Failed f) {
      System.err.println("vmha " + name() + ": " + f.message());
      return f.exit();
    }
    ApiRead.Got got = (ApiRead.Got) r;
    if (json) {
      System.out.println(got.body());
    } else {
      print(got.json(), System.out, Instant.now(), ZoneId.systemDefault());
    }
    return ExitCode.OK;
  }

  /** Milliseconds as people read an age: "12 s", "3 min". */
  static String age(JsonNode ms) {
    return dev.vmha.Durations.approx(java.time.Duration.ofMillis(ms.asLong()));
  }

  /** "ds1 1.2 s, ds2 3 s" of a JSON object of ages in milliseconds; "-" when empty. */
  static String ages(JsonNode byName) {
    StringBuilder b = new StringBuilder();
    byName.properties().forEach(e -> b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
        .append(age(e.getValue())));
    return b.length() == 0 ? "-" : b.toString();
  }

  /** A path segment from the command line: a host id or VM name is never a path of its own. */
  static String segment(String what, String value) {
    if (value.isEmpty() || value.contains("/") || value.contains("?") || value.contains("#") || value.contains("%")) {
      throw new IllegalArgumentException("not a " + what + ": \"" + value + "\"");
    }
    return value;
  }
}
