package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Optional;

/**
 * One GET of an agent's {@code /api/v1} for a command that shows the answer: the first agent that answers and its
 * JSON, or what went wrong and the exit code it stands for — no agent, not a vmha agent, no master, not found (3);
 * a bad query (2); refused or failed (1).
 */
final class ApiRead {
  private ApiRead() {}

  sealed interface Result {}

  /** A 200 with a JSON body. */
  record Got(String agent, JsonNode json, String body) implements Result {}

  /** Why there is nothing to show, as one line for stderr, and the exit code. */
  record Failed(int exit, String message) implements Result {}

  static Result get(AgentOptions.Targets targets, String path) throws InterruptedException {
    AgentOptions.Answer a;
    try {
      a = targets.ask(c -> c.get(path));
    } catch (AgentOptions.NoAgent e) {
      return new Failed(ExitCode.NOT_FOUND, e.getMessage());
    } catch (IOException e) {
      return new Failed(ExitCode.FAILED, e.toString());
    }
    String agent = a.target().agent();
    AgentClient.Reply r = a.reply();
    Optional<String> refused = a.target().token().refusal(r);
    if (refused.isPresent()) return new Failed(ExitCode.FAILED, agent + ": " + refused.get());
    JsonNode json;
    try {
      json = r.json();
    } catch (IOException e) {
      json = null;
    }
    if (json == null || !(json.isObject() || json.isArray())) {
      return new Failed(ExitCode.NOT_FOUND, agent + " is not a vmha agent (it answered HTTP " + r.status() + " "
          + firstLine(r.body()) + ")");
    }
    if (r.status() == 200) return new Got(agent, json, r.body());
    String why = agent + ": " + r.text();
    return switch (r.status()) {
      case 400 -> new Failed(ExitCode.USAGE, why);
      case 404 -> new Failed(ExitCode.NOT_FOUND, why);
      case 503 -> new Failed(json.path("noMaster").asBoolean() ? ExitCode.NOT_FOUND : ExitCode.FAILED, why);
      default -> new Failed(ExitCode.FAILED, why);
    };
  }

  /** The first line of a body, quoted and clipped. */
  static String firstLine(String body) {
    String l = body.lines().findFirst().orElse("").strip();
    return l.isEmpty() ? "" : "\"" + (l.length() > 80 ? l.substring(0, 80) + "..." : l) + "\"";
  }
}
