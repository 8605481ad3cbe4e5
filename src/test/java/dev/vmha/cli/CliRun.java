package dev.vmha.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code vmha args} in this JVM with stdout and stderr captured, as a shell would see them. */
final class CliRun {
  private CliRun() {}

  record Result(int exit, String out, String err) {}

  /** A command that asks an agent takes its environment from {@code env}, and its vmha home, if given, from {@code home}. */
  static Result vmha(Map<String, String> env, Path home, String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      CommandLine cl = Vmha.commandLine();
      cl.setExecutionStrategy(parsed -> {
        for (CommandLine c : parsed.asCommandLineList()) {
          if (c.getMixins().get("options") instanceof AgentOptions options) {
            options.env = env;
            if (home != null) options.home = home;
          }
          if (c.getCommand() instanceof ExplainCommand.Explaining<?> x) x.env = env;
        }
        return new CommandLine.RunLast().execute(parsed);
      });
      return new Result(cl.execute(args), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
