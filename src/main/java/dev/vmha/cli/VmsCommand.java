package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import picocli.CommandLine.Command;

@Command(name = "vms", description = "Show every protected VM as the master knows it: state, host, protection,"
    + " recovery and why (ask any agent). Exit 3 when no master is elected or the VM is not protected.")
final class VmsCommand extends ItemsCommand {
  @Override
  void print(JsonNode answer, PrintStream out, Instant now, ZoneId zone) {
    out.printf("%-16s %-16s %-12s %-11s %5s %-16s %8s %8s  %s%n", "VM", "STATE", "HOST", "PRIORITY", "ORDER",
        "ISOLATION", "ATTEMPTS", "MEM MB", "WHY");
    for (JsonNode v : rows(answer)) {
      JsonNode p = v.path("protection");
      String why = v.path("reason").asText("");
      String detail = StatusCommand.detail(v.path("state"), now, zone);
      // a VM without an isolation response of its own gets the configured one
      String isolation = p.path("isolationResponse").isTextual()
          ? p.path("isolationResponse").asText().toLowerCase().replace('_', '-') : "configured";
      out.println(String.format("%-16s %-16s %-12s %-11s %5d %-16s %8d %8d  %s", v.path("name").asText(),
          v.path("state").path("kind").asText(), v.path("host").asText(), p.path("priority").asText().toLowerCase(),
          p.path("order").asInt(), isolation, v.path("recoveryAttempts").asInt(), v.path("memoryMb").asLong(),
          why.isEmpty() || detail.contains(why) ? detail : why + (detail.isEmpty() ? "" : "; " + detail))
          .stripTrailing());
    }
  }
}
