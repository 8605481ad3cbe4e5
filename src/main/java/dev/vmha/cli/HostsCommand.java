package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import picocli.CommandLine.Command;

@Command(name = "hosts", description = "Show every host the master knows, also dead and removed ones: role, verdict"
    + " and since when, heartbeat ages (ask any agent). Exit 3 when no master is elected or the host is not known.")
final class HostsCommand extends ItemsCommand {
  @Override
  void print(JsonNode answer, PrintStream out, Instant now, ZoneId zone) {
    out.printf("%-12s %-7s %-18s %-28s %-12s %9s  %-22s %-20s %s%n", "HOST", "ROLE", "VERDICT", "SINCE", "MEMBERSHIP",
        "NET HB", "DATASTORE HB", "VMS", "WHY");
    for (JsonNode h : rows(answer)) {
      out.println(String.format("%-12s %-7s %-18s %-28s %-12s %9s  %-22s %-20s %s", h.path("id").asText(),
          h.path("role").asText(), h.path("verdict").asText(), StatusCommand.when(h.path("since"), now, zone),
          h.path("reachability").asText(), age(h.path("networkHeartbeatAgeMs")),
          ages(h.path("datastoreHeartbeatAgesMs")), String.join(",", texts(h.path("vms"))),
          StatusCommand.why(h)).stripTrailing());
    }
  }

  private static java.util.List<String> texts(JsonNode arr) {
    java.util.List<String> l = new java.util.ArrayList<>();
    arr.forEach(n -> l.add(n.asText()));
    return l;
  }
}
