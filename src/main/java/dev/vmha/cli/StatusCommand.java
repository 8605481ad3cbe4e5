package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import dev.vmha.config.SettingsException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Show the cluster as the master sees it (ask any agent).")
final class StatusCommand implements Callable<Integer> {
  @Mixin AgentOptions options;

  @Option(names = "--json", description = "Print the raw JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    AgentOptions.Target t;
    try {
      t = options.target();
    } catch (SettingsException | IllegalArgumentException e) {
      System.err.println("vmha status: " + e.getMessage());
      return 2;
    }
    String agent = t.agent();
    AgentClient.Reply r;
    try {
      r = t.client().get("/api/status");
    } catch (IOException e) {
      System.err.println("vmha status: no agent answers at " + agent + " (" + e + ")");
      return 1;
    }
    java.util.Optional<String> refused = t.token().refusal(r);
    if (refused.isPresent()) {
      System.err.println("vmha status: " + agent + ": " + refused.get());
      return 1;
    }
    if (r.status() != 200) {
      System.err.println("vmha status: agent at " + agent + " answered " + r.status() + ": " + r.body());
      return 1;
    }
    if (json) {
      System.out.println(r.body());
    } else {
      print(r.json(), System.out);
    }
    return 0;
  }

  static void print(JsonNode s, PrintStream out) {
    out.printf("agent %s is %s; master: %s%n", s.path("host").asText(), s.path("role").asText(),
        s.path("master").isNull() ? "(none)" : s.path("master").asText());
    if (s.path("apiAuth").asText().equals("NONE")) {
      out.println("WARNING: this agent's API takes requests without a token (vmha.api.auth = \"none\"): anyone who"
          + " reaches it controls the cluster");
    }
    JsonNode w = s.path("watchdog");
    if (!w.isMissingNode() && !w.isNull()) {
      String phase = w.path("phase").asText();
      boolean warn = !phase.equals("ARMED") && !phase.equals("WAITING") && !phase.equals("DISARMED");
      out.printf("%swatchdog (%s) %s: %s%n", warn ? "WARNING: " : "", w.path("type").asText().toLowerCase(), phase,
          w.path("detail").asText());
    }
    if (s.path("transport").asText().equals("PLAIN_TCP")) {
      out.println("WARNING: cluster transport is plain TCP (vmha.tls.transport = \"plain-tcp\"): any host that reaches"
          + " the cluster port can join and send messages");
    }
    JsonNode c = s.path("cluster");
    if (c.isMissingNode() || c.isNull()) {
      out.println(s.path("note").asText(""));
      return;
    }
    out.printf("%n%-12s %-7s %-18s %-12s %9s %14s  %s%n", "HOST", "ROLE", "VERDICT", "MEMBERSHIP", "SILENCE",
        "FREE/TOTAL MB", "VMS");
    for (JsonNode h : c.path("hosts")) {
      out.printf("%-12s %-7s %-18s %-12s %8.1fs %14s  %s%n", h.path("id").asText(), h.path("role").asText(),
          h.path("verdict").asText(), h.path("reachability").asText(), h.path("silenceMs").asLong() / 1000.0,
          h.path("freeMemoryMb").asLong() + "/" + h.path("memoryMb").asLong(), join(h.path("vms")));
    }
    out.printf("%n%-16s %8s  %-16s %-12s %s%n", "VM", "MEM MB", "STATE", "HOST", "WHAT IS KNOWN");
    for (JsonNode v : c.path("vms")) {
      JsonNode st = v.path("state");
      out.printf("%-16s %8d  %-16s %-12s %s%n", v.path("name").asText(), v.path("memoryMb").asLong(),
          st.path("kind").asText(), v.path("host").asText(), detail(st));
    }
    StringBuilder ds = new StringBuilder();
    for (JsonNode d : c.path("datastores")) {
      ds.append(ds.length() == 0 ? "" : ", ").append(d.path("name").asText())
          .append(d.path("accessible").asBoolean() ? " accessible" : " INACCESSIBLE");
    }
    out.printf("%ndatastores (seen by the master): %s%n", ds.length() == 0 ? "(none)" : ds);
  }

  /** What is known of a VM beyond its state's kind (the JSON of a {@code master.VmState}). */
  static String detail(JsonNode st) {
    return switch (st.path("kind").asText()) {
      case "last-reported" -> "running there as last reported; unknown since " + st.path("unknownSince").asText()
          + " (" + st.path("verdict").asText() + ": " + st.path("why").asText() + ")";
      case "unknown" -> "unknown since " + st.path("unknownSince").asText() + " (" + st.path("verdict").asText() + ": "
          + st.path("why").asText() + ")";
      case "fenced" -> "powered off by its host's fence: " + st.path("why").asText();
      case "starting" -> "attempt " + st.path("attempt").asInt() + " since " + st.path("since").asText();
      case "waiting" -> (st.path("waitingFor").asText().isEmpty() ? "placed in the next round"
          : "waiting: " + st.path("waitingFor").asText() + " (" + st.path("why").asText() + ")")
          + "; lost: " + st.path("lost").asText();
      case "retry-scheduled" -> "retry at " + st.path("at").asText() + " after " + st.path("failedAttempts").asInt()
          + " failed attempts";
      case "given-up" -> st.path("why").asText();
      default -> "";
    };
  }

  private static String join(JsonNode arr) {
    StringBuilder b = new StringBuilder();
    for (JsonNode n : arr) b.append(b.length() == 0 ? "" : ",").append(n.asText());
    return b.toString();
  }
}
