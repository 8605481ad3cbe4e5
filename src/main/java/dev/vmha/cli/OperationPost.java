package dev.vmha.cli;

import dev.vmha.config.SettingsException;
import java.io.IOException;

/** Posts an operator's request to the agents (any of them forwards it to the master) and prints the answer. */
final class OperationPost {
  private OperationPost() {}

  /**
   * Posts an operation to the first agent that answers and prints the master's answer: exit 0 when it succeeded, 2
   * when a field was wrong (400), 3 when the VM or the agent does not exist (404, no vmha agent), else 1.
   */
  static int send(AgentOptions options, String what, String path, String body) throws InterruptedException {
    AgentOptions.Targets targets;
    try {
      targets = options.targets();
    } catch (SettingsException | IllegalArgumentException e) {
      System.err.println("vmha " + what + ": " + e.getMessage());
      return ExitCode.USAGE;
    }
    AgentOptions.Answer a;
    try {
      a = targets.ask(c -> c.post(path, body));
    } catch (AgentOptions.NoAgent e) {
      System.err.println("vmha " + what + ": " + e.getMessage());
      return ExitCode.NOT_FOUND;
    } catch (IOException e) {
      System.err.println("vmha " + what + ": " + e);
      return ExitCode.FAILED;
    }
    String agent = a.target().agent();
    AgentClient.Reply r = a.reply();
    java.util.Optional<String> refused = a.target().token().refusal(r);
    if (refused.isPresent()) {
      System.err.println("vmha " + what + ": " + agent + ": " + refused.get());
      return ExitCode.FAILED;
    }
    if (!r.fromVmha()) {
      System.err.println("vmha " + what + ": " + agent + " is not a vmha agent (it answered HTTP " + r.status() + ")");
      return ExitCode.NOT_FOUND;
    }
    if (r.status() == 200) {
      System.out.println(r.text());
      return ExitCode.OK;
    }
    System.err.println("vmha " + what + ": " + r.text());
    return switch (r.status()) {
      case 400 -> ExitCode.USAGE;
      case 404 -> ExitCode.NOT_FOUND;
      default -> ExitCode.FAILED;
    };
  }
}
