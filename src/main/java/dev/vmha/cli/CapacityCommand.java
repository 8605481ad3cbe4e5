package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmha.capacity.CapacityCheck;
import dev.vmha.capacity.Cluster;
import dev.vmha.capacity.FailoverPlanner;
import dev.vmha.capacity.SlotModel;
import dev.vmha.config.CapacitySettings;
import dev.vmha.config.HaSettings;
import dev.vmha.config.RestartSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "capacity", description = "Whether the cluster keeps its capacity policy (vmha.capacity): the failover"
    + " plan for the hosts and VMs an agent reports now, what would not come back after which failures and why, and"
    + " what-ifs. Exit 0: the policy holds; 1: it does not (overcommitted); 2: usage; 3: no agent or no master.")
final class CapacityCommand implements Callable<Integer> {
  @Mixin AgentOptions options;

  @Option(names = "--max", description = "Also compute the largest number of host failures a plan exists for.")
  boolean max;

  @Option(names = "--what-if", paramLabel = "\"fail H1,H2\"", description = "The plan when these hosts fail together.")
  String whatIf;

  @Option(names = "--add-vm", paramLabel = "NAME:MEMMB:CPUS", description = "Judge as if this VM were powered on"
      + " (placed as a power-on would be, protected as the --config file's vmha.vms says); repeatable.")
  List<String> addVms = new ArrayList<>();

  @Option(names = "--remove-host", paramLabel = "HOST", description = "Judge as if this host left the cluster (its VMs"
      + " moved off by the restart rules first); repeatable.")
  List<String> removeHosts = new ArrayList<>();

  @Option(names = "--from", paramLabel = "FILE", description = "Read the cluster from a saved `vmha status --json`"
      + " instead of asking an agent.")
  File from;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  /** What one run concluded; {@code exit} as the command's description says. */
  record Outcome(int exit, JsonNode result) {}

  /** A usage error: exit 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** The history's JSON, with Optional fields (a verdict's undecided) as their value or null. */
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      EventLog.JSON.copy().registerModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module());

  private static final Pattern ADD_VM = Pattern.compile("([^:]+):(\\d{1,9}):(\\d{1,4})");
  private static final Pattern FAIL = Pattern.compile("fail\\s+(\\S+)");

  @Override
  public Integer call() throws Exception {
    Optional<HaSettings> settings;
    try {
      settings = Optional.ofNullable(options.config).map(HaSettings::load);
    } catch (SettingsException e) {
      System.err.println("vmha capacity: " + e.getMessage());
      return ExitCode.USAGE;
    }
    JsonNode status;
    if (from != null) {
      try {
        status = EventLog.JSON.readTree(Files.readString(from.toPath()));
      } catch (IOException e) {
        System.err.println("vmha capacity: --from " + from + ": not a readable JSON file (" + e.getMessage() + ")");
        return ExitCode.USAGE;
      }
    } else {
      AgentOptions.Answer a;
      try {
        a = options.targets().ask(c -> c.get("/api/v1/status"));
      } catch (SettingsException | IllegalArgumentException e) {
        System.err.println("vmha capacity: " + e.getMessage());
        return ExitCode.USAGE;
      } catch (AgentOptions.NoAgent | IOException e) {
        System.err.println("vmha capacity: " + e.getMessage());
        return ExitCode.NOT_FOUND;
      }
      AgentClient.Reply r = a.reply();
      Optional<String> refused = a.target().token().refusal(r);
      if (refused.isPresent() || r.status() != 200) {
        System.err.println("vmha capacity: " + a.target().agent() + ": "
            + refused.orElse("answered " + r.status() + ": " + r.text()));
        return ExitCode.NOT_FOUND;
      }
      status = r.json();
    }
    try {
      Outcome o = run(status, settings, this, System.out);
      if (json) System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o.result()));
      return o.exit();
    } catch (UsageException e) {
      System.err.println("vmha capacity: " + e.getMessage());
      return ExitCode.USAGE;
    }
  }

  /**
   * Judges the cluster of an agent's status (GET /api/v1/status) against the policy of {@code settings} (else the shipped
   * defaults), after the what-ifs of {@code cmd}; prints the text unless {@code cmd.json}.
   */
  static Outcome run(JsonNode status, Optional<HaSettings> settings, CapacityCommand cmd, PrintStream out) {
    JsonNode c = status.path("cluster");
    if (c.isMissingNode() || c.isNull()) {
      String note = status.path("note").asText("");
      PrintStream err = cmd.json ? System.err : out;
      err.println("no master: the cluster's hosts and VMs are not known" + (note.isEmpty() ? "" : " (" + note + ")"));
      return new Outcome(3, JSON.createObjectNode().put("error", "no master").put("note", note));
    }
    CapacitySettings policy = settings.map(HaSettings::capacity).orElseGet(() -> HaSettings.capacity(HaSettings.defaults()));
    Optional<RestartSettings> restart = settings.map(HaSettings::restart);
    Text text = new Text(new StringBuilder());
    ObjectNode result = JSON.createObjectNode();
    Cluster cluster = cluster(c, restart, text);
    List<String> whatIf = new ArrayList<>();
    for (String h : cmd.removeHosts) cluster = removeHost(cluster, h, whatIf);
    for (String spec : cmd.addVms) cluster = addVm(cluster, spec, restart, whatIf);
    if (cmd.whatIf != null) failureSet(cmd.whatIf, cluster); // a usage error before any output
    whatIf.forEach(w -> text.line("what-if: " + w));
    result.set("whatIf", JSON.valueToTree(whatIf));
    text.line(describe(policy));
    result.put("policy", describe(policy));

    CapacityCheck.Report report = CapacityCheck.judge(cluster, policy);
    result.put("ok", report.ok());
    result.set("violations", JSON.valueToTree(report.violations()));
    FailoverPlanner planner = FailoverPlanner.of(cluster);
    report.plan().ifPresent(v -> {
      printVerdict(v, planner, text);
      result.set("plan", JSON.valueToTree(v));
    });
    report.slots().ifPresent(s -> {
      printSlots(s, text);
      result.set("slots", JSON.valueToTree(s));
    });
    report.reserve().ifPresent(r -> {
      text.line(String.format(Locale.ROOT, "free now: memory %.1f %% (reserve %d %%), CPU %s (reserve %d %%)",
          r.memoryFreePercent(), r.memoryPercent(),
          r.cpuFreePercent().isPresent() ? String.format(Locale.ROOT, "%.1f %%", r.cpuFreePercent().getAsDouble())
              : "not known (the status has no host CPU)", r.cpuPercent()));
      result.set("reserve", JSON.valueToTree(r));
    });
    if (policy.policy() == CapacitySettings.Policy.DISABLED) text.line("capacity is not checked (policy disabled)");
    report.violations().forEach(v -> text.line("VIOLATION: " + v));
    boolean ok = report.ok();
    if (cmd.whatIf != null) {
      FailoverPlanner.FailurePlan p = planner.plan(failureSet(cmd.whatIf, cluster));
      text.line("");
      text.line("what-if fail " + String.join(",", p.failed()) + ":");
      printPlan(p, text, true);
      result.set("whatIfPlan", JSON.valueToTree(p));
      ok &= p.covered();
    }
    if (cmd.max) {
      FailoverPlanner.Max m = planner.max();
      text.line("");
      text.line("max host failures to tolerate: " + m.failures() + (m.exact() ? "" : " at least (" + m.note() + ")"));
      result.set("max", JSON.valueToTree(m));
    }
    text.line("");
    text.line(ok ? "OK: the policy holds" : "OVERCOMMITTED: the policy does not hold");
    if (!cmd.json) out.print(text.lines());
    return new Outcome(ok ? 0 : 1, result);
  }

  /** The text, printed once the inputs are known good (a usage error prints only itself). */
  private record Text(StringBuilder lines) {
    void line(String s) {
      lines.append(s).append('\n');
    }
  }

  /**
   * The cluster of a status: hosts judged ALIVE are up, the others down; the protected list's running VMs with
   * their priority (the status's, else the --config file's vmha.vms and vm-defaults). VMs HA does not list count
   * only in their host's free memory.
   */
  static Cluster cluster(JsonNode c, Optional<RestartSettings> restart, Text text) {
    List<Cluster.Host> hosts = new ArrayList<>();
    List<String> down = new ArrayList<>();
    for (JsonNode h : c.path("hosts")) {
      boolean up = h.path("verdict").asText().equals("ALIVE") && h.path("memoryMb").asLong() > 0;
      if (!up) down.add(h.path("id").asText() + " (" + h.path("verdict").asText() + ")");
      long memory = h.path("memoryMb").asLong();
      hosts.add(new Cluster.Host(h.path("id").asText(), memory, Math.max(0, Math.min(memory, h.path("freeMemoryMb").asLong())),
          0, up ? Cluster.HostState.UP : Cluster.HostState.DOWN));
    }
    List<Cluster.Vm> vms = new ArrayList<>();
    List<String> notRunning = new ArrayList<>();
    boolean priorityKnown = true;
    for (JsonNode v : c.path("vms")) {
      String name = v.path("name").asText();
      String kind = v.path("state").path("kind").asText();
      if (!kind.equals("running")) {
        notRunning.add(name + " (" + kind + ")");
        continue;
      }
      if (hosts.stream().noneMatch(h -> h.id().equals(v.path("host").asText()))) {
        notRunning.add(name + " (on unknown host " + v.path("host").asText() + ")");
        continue;
      }
      VmProtection p = restart.map(r -> r.protectionOf(name)).orElse(VmProtection.defaults());
      // the status's priorities (the master's protected list) win over the --config file's
      Optional<RestartPriority> reported = Optional.ofNullable(v.path("protection").get("priority")).map(JsonNode::asText).flatMap(s -> {
        try {
          return Optional.of(RestartPriority.parse(s.replace('_', '-'))); // the status's enum name
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      });
      RestartPriority priority = reported.orElse(p.priority());
      priorityKnown &= reported.isPresent() || restart.isPresent();
      vms.add(new Cluster.Vm(name, v.path("memoryMb").asLong(), 0, v.path("host").asText(), priority,
          v.path("protection").has("order") ? v.path("protection").get("order").asInt() : p.order()));
    }
    long up = hosts.stream().filter(h -> h.state() == Cluster.HostState.UP).count();
    text.line("cluster (master " + c.path("master").asText() + "): " + up + " up hosts, " + vms.size()
        + " protected VMs running" + (notRunning.isEmpty() ? "" : "; not running, left out: " + String.join(", ", notRunning))
        + (down.isEmpty() ? "" : "; hosts left out: " + String.join(", ", down)));
    if (!priorityKnown) {
      text.line("note: restart priorities are those of the shipped vmha.vm-defaults (give --config for vmha.vms)");
    }
    return new Cluster(hosts, vms, restart.flatMap(RestartSettings::defaultFailoverHost));
  }

  private static Cluster removeHost(Cluster c, String id, List<String> whatIf) {
    Cluster.Host gone = c.host(id).orElseThrow(() -> new UsageException("--remove-host " + id + ": no such host; the"
        + " hosts are " + String.join(", ", c.hosts().stream().map(Cluster.Host::id).toList())));
    List<Cluster.Vm> vms = new ArrayList<>(c.vms());
    List<Cluster.Host> hosts = new ArrayList<>(c.hosts());
    hosts.remove(gone);
    if (gone.state() == Cluster.HostState.UP) {
      FailoverPlanner.FailurePlan p = FailoverPlanner.of(c).plan(List.of(id));
      vms.removeIf(v -> v.host().equals(id));
      for (FailoverPlanner.Move m : p.moves()) {
        Cluster.Vm v = c.vms().stream().filter(x -> x.name().equals(m.vm())).findFirst().orElseThrow();
        vms.add(new Cluster.Vm(v.name(), v.memoryMb(), v.cpuMhz(), m.to(), v.priority(), v.order()));
        hosts.replaceAll(h -> h.id().equals(m.to()) ? withFree(h, h.freeMemoryMb() - v.memoryMb()) : h);
      }
      whatIf.add("remove " + id + ": " + p.moves().size() + " VMs move off"
          + (p.left().isEmpty() ? "" : "; not moved: " + p.left().stream().map(l -> l.vm() + " (" + l.why() + ")").toList()));
    } else {
      vms.removeIf(v -> v.host().equals(id));
      whatIf.add("remove " + id + " (not up)");
    }
    return new Cluster(hosts, vms, c.defaultFailoverHost().filter(d -> !d.equals(id)));
  }

  private static Cluster.Host withFree(Cluster.Host h, long free) {
    return new Cluster.Host(h.id(), h.memoryMb(), free, h.cpuMhz(), h.state());
  }

  /** Powers the VM on where a power-on would put it: RestartPlanner's choice among the up hosts. */
  private static Cluster addVm(Cluster c, String spec, Optional<RestartSettings> restart, List<String> whatIf) {
    Matcher m = ADD_VM.matcher(spec);
    if (!m.matches() || !VmSpec.isValidName(m.group(1)) || Long.parseLong(m.group(2)) < 1 || Integer.parseInt(m.group(3)) < 1) {
      throw new UsageException("--add-vm " + spec + ": NAME:MEMMB:CPUS, e.g. web9:2048:2 (name " + VmSpec.NAME_RULE
          + "; memory and CPUs 1 or more)");
    }
    String name = m.group(1);
    if (c.vms().stream().anyMatch(v -> v.name().equals(name))) {
      throw new UsageException("--add-vm " + spec + ": a VM " + name + " already runs");
    }
    VmSpec vm = new VmSpec(name, Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)));
    List<RestartPlanner.HostRoom> rooms = c.hosts().stream().filter(h -> h.state() == Cluster.HostState.UP)
        .map(h -> new RestartPlanner.HostRoom(h.id(), h.freeMemoryMb(), Integer.MAX_VALUE)).toList();
    RestartPlanner.Plan p = RestartPlanner.plan(new RestartPlanner.Input(
        List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), "-")), java.util.Map.of(), java.util.Set.of(),
        rooms, c.defaultFailoverHost()));
    if (p.starts().isEmpty()) {
      throw new UsageException("--add-vm " + spec + ": it fits on no up host: "
          + (p.waits().isEmpty() ? "there is none" : p.waits().get(0).why()));
    }
    String to = p.starts().get(0).hosts().get(0);
    VmProtection prot = restart.map(r -> r.protectionOf(name)).orElse(VmProtection.defaults());
    whatIf.add("add " + name + " (" + vm.memoryMb() + " MB, " + prot.priority().configName() + ") on " + to);
    return c.plus(new Cluster.Vm(name, vm.memoryMb(), 0, to, prot.priority(), prot.order()));
  }

  private static List<String> failureSet(String whatIf, Cluster c) {
    Matcher m = FAIL.matcher(whatIf.trim());
    if (!m.matches()) throw new UsageException("--what-if " + whatIf + ": \"fail HOST[,HOST...]\", e.g. \"fail host2,host5\"");
    List<String> ids = Arrays.stream(m.group(1).split(",")).filter(s -> !s.isEmpty()).distinct().toList();
    List<String> up = FailoverPlanner.of(c).upHosts();
    for (String id : ids) {
      if (!up.contains(id)) throw new UsageException("--what-if: " + id + " is not an up host; the up hosts are " + String.join(", ", up));
    }
    if (ids.isEmpty()) throw new UsageException("--what-if " + whatIf + ": name at least one host");
    return ids;
  }

  private static String describe(CapacitySettings s) {
    return switch (s.policy()) {
      case HOST_FAILURES -> "policy: host-failures, N = " + s.hostFailures() + ", judged by the "
          + (s.model() == CapacitySettings.Model.PLAN ? "failover plan" : "slot model") + "; admission "
          + s.admission().name().toLowerCase(Locale.ROOT);
      case PERCENTAGE -> "policy: percentage, reserve " + s.memoryPercent() + " % memory and " + s.cpuPercent()
          + " % CPU; admission " + s.admission().name().toLowerCase(Locale.ROOT);
      case FAILOVER_HOSTS -> "policy: failover-hosts " + String.join(", ", s.failoverHosts()) + "; admission "
          + s.admission().name().toLowerCase(Locale.ROOT);
      case DISABLED -> "policy: disabled";
    };
  }

  /** Sets shown one by one up to this many; beyond, only the uncovered ones. */
  private static final int SETS_LISTED = 32;

  private static void printVerdict(FailoverPlanner.Verdict v, FailoverPlanner planner, Text text) {
    text.line("");
    text.line((v.covered() ? "PLAN EXISTS: every protected VM restarts after any " + v.failures() + " host failure"
        + (v.failures() == 1 ? "" : "s") : "NO PLAN: " + v.uncoveredSets() + " of " + v.sets() + " failure sets leave"
        + " protected VMs without room") + " (" + v.sets() + " failure sets of " + v.upHosts() + " up hosts)");
    List<FailoverPlanner.FailurePlan> shown = planner.plans(v.failures(), SETS_LISTED).orElse(v.uncovered());
    for (FailoverPlanner.FailurePlan p : shown) printPlan(p, text, false);
    if (v.uncoveredSets() > shown.stream().filter(p -> !p.covered()).count()) {
      text.line("  ... and " + (v.uncoveredSets() - v.uncovered().size()) + " more uncovered failure sets");
    }
  }

  private static void printPlan(FailoverPlanner.FailurePlan p, Text text, boolean moves) {
    text.line("  fail " + String.join(",", p.failed()) + ": " + (p.covered() ? "covered" : "NOT COVERED") + ", "
        + p.moves().size() + " VMs restart" + (p.left().isEmpty() ? "" : ", " + p.left().size() + " do not"));
    if (moves) p.moves().forEach(m -> text.line("    " + m.vm() + ": " + m.from() + " -> " + m.to()));
    p.left().forEach(l -> text.line("    " + l.vm() + " (" + l.priority().configName() + ", on " + l.from()
        + ") would not come back: " + l.why()));
  }

  private static void printSlots(SlotModel.Slots s, Text text) {
    text.line("slots: " + s.slotMemoryMb() + " MB, " + s.slotCpuMhz() + " MHz each; " + s.totalSlots() + " in all ("
        + String.join(", ", s.slotsPerHost().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList())
        + "), " + s.usedSlots() + " used, " + s.slotsAfterFailures() + " left after the " + s.failures()
        + " largest hosts fail; the slots tolerate " + s.failoverCapacity() + " host failures");
  }
}
