package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Parameters;

/** A view of one of the master's collections ({@code /api/v1/<collection>}), or of one item of it by name. */
abstract class ItemsCommand extends ViewCommand {
  @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this one (a host id, a VM name).")
  String item;

  @Override
  String path() {
    return super.path() + (item == null ? "" : "/" + segment("name", item));
  }

  /** The rows of the answer: the whole collection, or the one item asked for. */
  static Iterable<JsonNode> rows(JsonNode answer) {
    return answer.isArray() ? answer : List.of(answer);
  }
}
