package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import picocli.CommandLine.Command;

@Command(name = "datastores", description = "Show each datastore as the master saw it last round: accessible, the"
    + " protected list's lock owner and version, each host's heartbeat age (ask any agent). Exit 3 when no master.")
final class DatastoresCommand extends ViewCommand {
  @Override
  void print(JsonNode answer, PrintStream out, Instant now, ZoneId zone) {
    out.printf("%-16s %-12s %-12s %8s  %-40s %s%n", "DATASTORE", "ACCESSIBLE", "LIST LOCK", "VERSION", "HEARTBEATS",
        "CORRUPT");
    for (JsonNode d : answer) {
      StringBuilder corrupt = new StringBuilder();
      d.path("corrupt").properties().forEach(e -> corrupt.append(corrupt.length() == 0 ? "" : "; ")
          .append(e.getKey()).append(": ").append(e.getValue().asText()));
      long version = d.path("listVersion").asLong();
      out.println(String.format("%-16s %-12s %-12s %8s  %-40s %s", d.path("name").asText(),
          d.path("accessible").asBoolean() ? "yes" : "NO", d.path("listLockOwner").asText("").isEmpty() ? "-"
              : d.path("listLockOwner").asText(), version == 0 ? "-" : String.valueOf(version),
          ages(d.path("heartbeatAgesMs")), corrupt).stripTrailing());
    }
  }
}
