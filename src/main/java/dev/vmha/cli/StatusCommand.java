package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.Durations;
import dev.vmha.config.SettingsException;
import dev.vmha.maintenance.MaintenanceMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Show the cluster as the master sees it (ask any agent). Exit 3 when no"
    + " master is elected or no vmha agent answers.")
final class StatusCommand implements Callable<Integer> {
  @Mixin AgentOptions options;

  @Option(names = "--json", description = "Print the agent's JSON answer.")
  boolean json;

  @Option(names = "--watch", description = "Redraw every --interval until Ctrl-C, like crm_mon.")
  boolean watch;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
      description = "With --watch: seconds between redraws (default ${DEFAULT-VALUE}).")
  double interval;

  /** One look at the cluster: what goes to stdout and stderr, and the exit code it stands for. */
  record Frame(int exit, String out, String err) {}

  @Override
  public Integer call() throws Exception {
    if (!(interval >= 0.1 && interval <= 3600)) {
      System.err.println("vmha status: --interval " + interval + ": from 0.1 to 3600 seconds");
      return ExitCode.USAGE;
    }
    AgentOptions.Targets targets;
    try {
      targets = options.targets();
    } catch (SettingsException | IllegalArgumentException e) {
      System.err.println("vmha status: " + e.getMessage());
      return ExitCode.USAGE;
    }
    ZoneId zone = ZoneId.systemDefault();
    if (!watch) {
      Frame f = look(targets, json, Instant.now(), zone);
      System.out.print(f.out());
      System.err.print(f.err());
      return f.exit();
    }
    Duration every = Duration.ofMillis(Math.round(interval * 1000));
    while (true) { // until Ctrl-C ends the process
      Instant now = Instant.now();
      System.out.print(redraw(look(targets, json, now, zone), every, now, zone));
      System.out.flush();
      Thread.sleep(every.toMillis());
    }
  }

  /** Asks the agents; never throws: a failure is a frame with its message and exit code. */
  static Frame look(AgentOptions.Targets targets, boolean json, Instant now, ZoneId zone) throws InterruptedException {
    ApiRead.Result r = ApiRead.get(targets, "/api/v1/status");
    if (r instanceof ApiRead.Failed f) return new Frame(f.exit(), "", "vmha status: " + f.message() + "\n");
    ApiRead.Got got = (ApiRead.Got) r;
    JsonNode s = got.json();
    if (!s.isObject() || !s.has("role")) {
      return new Frame(ExitCode.NOT_FOUND, "", "vmha status: " + got.agent() + " is not a vmha agent (it answered"
          + " HTTP 200 " + ApiRead.firstLine(got.body()) + ")\n");
    }
    int exit = s.path("master").isTextual() ? ExitCode.OK : ExitCode.NOT_FOUND;
    if (json) return new Frame(exit, got.body() + "\n", "");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    print(s, new PrintStream(b, true, StandardCharsets.UTF_8), now, zone);
    return new Frame(exit, b.toString(StandardCharsets.UTF_8), "");
  }

  /** A whole screen for --watch: cursor home, each line cleared to its end, the rest of the screen cleared. */
  static String redraw(Frame f, Duration every, Instant now, ZoneId zone) {
    String text = "vmha status every " + Durations.human(every) + " at " + ZonedDateTime.ofInstant(now, zone)
        .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z")) + " (Ctrl-C to stop)\n\n" + f.out() + f.err();
    StringBuilder screen = new StringBuilder("\033[H");
    text.lines().forEach(l -> screen.append(l).append("\033[K\n"));
    return screen.append("\033[J").toString();
  }

  static void print(JsonNode s, PrintStream out, Instant now, ZoneId zone) {
    out.printf("agent %s is %s; master: %s%n", s.path("host").asText(), s.path("role").asText(),
        s.path("master").isTextual() ? s.path("master").asText() : "(none)");
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
    JsonNode ha = c.path("ha");
    if (!ha.path("clusterEnabled").asBoolean(true)) {
      out.println("HA DISABLED for the cluster (./vmha ha enable): no failover, no restarts; VMs keep running");
    }
    if (!ha.path("disabledHosts").isEmpty()) {
      out.println("HA disabled for hosts: " + join(ha.path("disabledHosts")) + " (./vmha host ha enable HOST)");
    }
    out.printf("%n%-12s %-7s %-18s %-12s %9s %14s  %-24s %s%n", "HOST", "ROLE", "VERDICT", "MEMBERSHIP", "SILENCE",
        "FREE/TOTAL MB", "VMS", "WHY");
    for (JsonNode h : c.path("hosts")) {
      out.println(String.format("%-12s %-7s %-18s %-12s %9s %14s  %-24s %s", h.path("id").asText(),
          h.path("role").asText(),
          h.path("verdict").asText(), h.path("reachability").asText(),
          Durations.approx(Duration.ofMillis(h.path("silenceMs").asLong())),
          h.path("freeMemoryMb").asLong() + "/" + h.path("memoryMb").asLong(), join(h.path("vms")),
          why(h)).stripTrailing());
    }
    out.printf("%n%-16s %8s %4s  %-13s %-16s %-12s %s%n", "VM", "MEM MB", "CPUS", "PRIORITY/ORD", "STATE", "HOST",
        "WHAT IS KNOWN");
    for (JsonNode v : c.path("vms")) {
      JsonNode st = v.path("state");
      out.println(String.format("%-16s %8d %4s  %-13s %-16s %-12s %s", v.path("name").asText(),
          v.path("memoryMb").asLong(), v.path("cpus").asText("-"),
          v.path("protection").path("priority").asText("-").toLowerCase(Locale.ROOT).replace('_', '-') + "/"
              + v.path("protection").path("order").asText("-"),
          st.path("kind").asText(), v.path("host").asText(), detail(st, now, zone)).stripTrailing());
    }
    StringBuilder ds = new StringBuilder();
    for (JsonNode d : c.path("datastores")) {
      ds.append(ds.length() == 0 ? "" : ", ").append(d.path("name").asText())
          .append(d.path("accessible").asBoolean() ? " accessible" : " INACCESSIBLE");
    }
    out.printf("%ndatastores (seen by the master): %s%n", ds.length() == 0 ? "(none)" : ds);
    capacity(c.path("capacity"), out);
  }

  /** The master's capacity plan (a {@code capacity.CapacityPlan}), if it has one. */
  static void capacity(JsonNode p, PrintStream out) {
    if (p.isMissingNode() || p.isNull()) return;
    String policy = p.path("policy").asText().toLowerCase(Locale.ROOT).replace('_', '-');
    if (policy.equals("disabled")) {
      out.println("capacity: policy disabled (not checked)");
      return;
    }
    JsonNode max = p.path("max");
    out.printf("capacity: %s (policy %s%s); a failover plan exists for up to %d host failures%s%n",
        p.path("ok").asBoolean() ? "OK" : "OVERCOMMITTED", policy,
        policy.equals("host-failures") ? ", N = " + p.path("hostFailures").asInt() : "", max.path("failures").asInt(),
        max.path("exact").asBoolean(true) ? "" : " at least");
    for (JsonNode v : p.path("violations")) out.println("  " + v.asText());
    for (JsonNode u : p.path("wouldNotComeBack")) {
      out.println("  if " + join(u.path("failed")) + " failed, " + u.path("vm").asText()
          + " (on " + u.path("host").asText() + ") would not come back: " + u.path("why").asText());
    }
  }


  /** What is known of a VM beyond its state's kind (the JSON of a {@code master.VmState}). */
  static String detail(JsonNode st, Instant now, ZoneId zone) {
    return switch (st.path("kind").asText()) {
      case "last-reported" -> "running there as last reported; unknown since "
          + when(st.path("unknownSince"), now, zone) + " (" + st.path("verdict").asText() + ": "
          + st.path("why").asText() + ")";
      case "unknown" -> "unknown since " + when(st.path("unknownSince"), now, zone) + " (" + st.path("verdict").asText()
          + ": " + st.path("why").asText() + ")";
      case "fenced" -> "powered off by its host's fence: " + st.path("why").asText();
      case "starting" -> "attempt " + st.path("attempt").asInt() + " since " + when(st.path("since"), now, zone);
      case "waiting" -> (st.path("waitingFor").asText("").isEmpty() ? "placed in the next round"
          : "waiting: " + st.path("waitingFor").asText() + " (" + st.path("why").asText() + ")")
          + "; lost: " + st.path("lost").asText();
      case "retry-scheduled" -> "retry at " + when(st.path("at"), now, zone) + " after "
          + st.path("failedAttempts").asInt() + " failed attempts";
      case "given-up" -> st.path("why").asText();
      default -> "";
    };
  }

  /** A moment as local time (with its date when not today) and how long ago, or in how long: "03:12:00 (12 s ago)". */
  static String when(JsonNode instant, Instant now, ZoneId zone) {
    Instant t;
    try {
      t = Instant.parse(instant.asText());
    } catch (java.time.format.DateTimeParseException e) {
      return instant.asText();
    }
    ZonedDateTime z = ZonedDateTime.ofInstant(t, zone);
    String at = z.format(DateTimeFormatter.ofPattern(
        z.toLocalDate().equals(LocalDate.ofInstant(now, zone)) ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss"));
    Duration d = Duration.between(t, now);
    return at + " (" + (d.isNegative() ? "in " + Durations.approx(d.negated()) : Durations.approx(d) + " ago") + ")";
  }

  private static String join(JsonNode arr) {
    StringBuilder b = new StringBuilder();
    for (JsonNode n : arr) b.append(b.length() == 0 ? "" : ",").append(n.asText());
    return b.toString();
  }

  /** A host's reason, after its maintenance mode if it has one (and why a host entering it still holds VMs). */
  static String why(JsonNode h) {
    String reason = h.path("reason").asText("");
    MaintenanceMode mode = MaintenanceMode.valueOf(h.path("maintenance").asText(MaintenanceMode.NONE.name()));
    if (mode == MaintenanceMode.NONE) return reason;
    String wait = h.path("maintenanceWait").asText("");
    return (mode == MaintenanceMode.ENTERING ? "entering maintenance" : "in maintenance")
        + (wait.isEmpty() ? "" : " (" + wait + ")") + "; " + reason;
  }
}
