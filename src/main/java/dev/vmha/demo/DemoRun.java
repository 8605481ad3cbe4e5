package dev.vmha.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.api.TokenFiles;
import dev.vmha.history.EventLog;
import dev.vmha.config.HaSettings;
import dev.vmha.history.HaEvent;
import dev.vmha.history.HistoryReader;
import dev.vmha.history.HostHistory;
import dev.vmha.history.Timeline;
import dev.vmha.hypervisor.ProcessHypervisor;
import dev.vmha.security.ClusterCa;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The local demo: four agent JVMs on 127.0.0.1 with process hypervisors and two shared datastore directories under
 * {@code var/demo/}; eight protected VMs; a slave crash, then a master crash (kill -9 of the host's agent and VM
 * processes); a timeline of every host's decisions; and a check of the VM disk files: every VM running exactly once,
 * no VM ever written by two hosts at once.
 */
public final class DemoRun {
  static final int HOSTS = 4;
  /**
   * The demo's VMs in their restart order (seed 001): infrastructure first, what depends on it after it is powered
   * on, best-effort last. The first six run at one host, which crashes first, so their ordered recovery shows.
   */
  static final List<String> VM_NAMES = List.of("dns1", "dhcp1", "db1", "app1", "web1", "batch1", "app2", "web2");
  static final int VMS = VM_NAMES.size();
  static final int ORDERED = 6;
  static final int CLUSTER_PORT = 2551;
  static final int HTTP_PORT = 8551;
  /** var/demo/tls: the demo cluster's CA and host stores (kept between runs). */
  static final String TLS_DIR = "tls";
  static final Duration WAIT = Duration.ofSeconds(90);

  private final Path home;
  private final Path dir;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, Process> agents = new LinkedHashMap<>();
  private final List<Process> watchdogs = new ArrayList<>();
  /** Hosts this demo crashed: their agents are expected to be gone. */
  private final List<String> crashedHosts = new ArrayList<>();
  private final Instant start = Instant.now();
  /** The Authorization header of the demo's admin token (AgentConfig.adminToken). */
  private String authorization;

  public DemoRun(Path home, PrintStream out) {
    this.home = home;
    this.dir = home.resolve("var/demo");
    this.out = out;
  }

  /** Runs the demo; true when the final check passes. */
  public boolean run(boolean keep) throws Exception {
    try {
      stopPrevious();
      prepare();
      for (int i = 1; i <= HOSTS; i++) startWatchdog("host" + i);
      for (int i = 1; i <= HOSTS; i++) startAgent("host" + i);
      say("waiting for the 4 agents to form a cluster and elect a master");
      JsonNode st = await("a master with 4 live hosts", s -> liveHosts(s) == HOSTS);
      String master = st.path("master").asText();
      String victim = agents.keySet().stream().filter(h -> !h.equals(master)).findFirst().orElseThrow();
      say("master is " + master + "; powering on " + VMS + " protected VMs, the first " + ORDERED + " at " + victim);
      for (int v = 0; v < VMS; v++) powerOn(VM_NAMES.get(v), v < ORDERED ? victim : null);
      st = await("all " + VMS + " VMs running", s -> running(s) == VMS);

      Instant slaveCrash = crash(victim);
      await("every VM running again after " + victim + " crashed",
          s -> running(s) == VMS && verdict(s, victim).equals("DEAD"));
      Duration slaveFailover = Duration.between(slaveCrash, Instant.now());
      boolean ordered = printOrderedRecovery(slaveCrash);

      Instant masterCrash = crash(master);
      String survivor = agents.keySet().stream().filter(h -> !h.equals(victim) && !h.equals(master)).findFirst()
          .orElseThrow();
      st = await("a new master and every VM running again after master " + master + " crashed",
          s -> !s.path("master").asText().equals(master) && !s.path("cluster").isNull()
              && running(s) == VMS && verdict(s, master).equals("DEAD"));
      Duration masterFailover = Duration.between(masterCrash, Instant.now());
      say("new master is " + st.path("master").asText());
      say(String.format(java.util.Locale.ROOT, "failover: slave crash -> all VMs running %.2f s; master crash -> new"
          + " master and all VMs running %.2f s (status polled every 250 ms)", slaveFailover.toMillis() / 1000.0,
          masterFailover.toMillis() / 1000.0));
      // let every VM write for a moment more, so the check sees them all still running
      Thread.sleep(1000);
      printTimeline();
      boolean ok = check(st) && ordered;
      if (keep) {
        say("cluster left running (--keep): ./vmha status, history, explain vm <vm> and replay find it (through"
            + " " + LocalCluster.POINTER + "; the admin token is in var/demo/" + AgentConfig.ADMIN_TOKEN + ")");
      }
      return ok;
    } finally {
      if (!keep) stopAll();
    }
  }

  // ---- set-up

  private void prepare() throws IOException {
    // a fresh cluster every run; its CA and host certificates, made by the first run, are kept
    if (Files.isDirectory(dir)) {
      try (var children = Files.list(dir)) {
        for (Path c : children.filter(c -> !c.getFileName().toString().equals(TLS_DIR)).toList()) deleteTree(c);
      }
    }
    Files.createDirectories(dir.resolve("ds1"));
    Files.createDirectories(dir.resolve("ds2"));
    certificates();
    for (int i = 1; i <= HOSTS; i++) {
      String h = "host" + i;
      int cp = port(h, CLUSTER_PORT);
      int hp = port(h, HTTP_PORT);
      for (int p : new int[] {cp, hp}) {
        try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          throw new IllegalStateException("port 127.0.0.1:" + p + " is in use; the demo needs ports "
              + CLUSTER_PORT + "-" + (CLUSTER_PORT + HOSTS - 1) + " and " + HTTP_PORT + "-" + (HTTP_PORT + HOSTS - 1));
        }
      }
      String api = AgentConfig.adminToken(dir);
      AgentConfig conf = new AgentConfig(h, "127.0.0.1", cp, hp, dir.resolve(h),
          nodelist(),
          List.of(dir.resolve("ds1"), dir.resolve("ds2")), "127.0.0.1", "tcp", "process", dir.resolve(TLS_DIR));
      Files.writeString(dir.resolve(h + ".conf"), conf.render(api + """
          vmha {
            # the restart order of seed 001: infrastructure, then what needs it, once it is powered on
            vm-defaults { ready = "powered-on", ready-timeout = 30s }
            vms {
              dns1 { priority = "highest" }
              dhcp1 { priority = "highest" }
              db1 { priority = "high", depends-on = ["dns1"] }
              app1 { priority = "medium", depends-on = ["db1"] }
              app2 { priority = "medium", depends-on = ["db1"] }
              web1 { priority = "low", depends-on = ["app1"] }
              web2 { priority = "low" }
              batch1 { priority = "best-effort" }
            }
          }
          """));
    }
    // plain ./vmha status, history, explain and replay find this cluster
    List<Path> hostFiles = new ArrayList<>();
    for (int i = 1; i <= HOSTS; i++) hostFiles.add(dir.resolve("host" + i + ".conf"));
    LocalCluster.write(home, hostFiles);
    authorization = "Bearer " + TokenFiles.readSecret(dir.resolve(AgentConfig.ADMIN_TOKEN));
    say("the agents' API takes the admin token in var/demo/" + AgentConfig.ADMIN_TOKEN + " (./vmha status|vm --config"
        + " var/demo/host1.conf sends it; or VMHA_TOKEN_FILE=var/demo/" + AgentConfig.ADMIN_TOKEN + ")");
  }

  /** The cluster transport is TLS, as everywhere: the demo's CA and a key store per host, as ./vmha certs makes them. */
  private void certificates() throws IOException {
    try {
      ClusterCa.Result r = new ClusterCa(dir.resolve(TLS_DIR)).issue(ClusterCa.Host.loopback(HOSTS), false);
      say((r.caCreated() ? "created the demo's cluster CA and " : "reused the demo's cluster CA; ") + r.issued().size()
          + " host certificates issued, " + r.kept().size() + " kept (var/demo/" + TLS_DIR + ")");
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot create the demo's certificates: " + e.getMessage(), e);
    }
  }

  private void startAgent(String h) throws IOException {
    Process p = startVmha(h, "agent", "-Xmx256m");
    agents.put(h, p);
    say("started agent " + h + " (pid " + p.pid() + "), log var/demo/" + h + "/agent.log");
  }

  /**
   * A host's watchdog process: not a child of its agent, so the demo's crash (the agent and its VMs) leaves it counting,
   * as a hardware timer outlives the OS.
   */
  private void startWatchdog(String h) throws IOException {
    Process p = startVmha(h, "watchdog", "-Xmx64m");
    watchdogs.add(p);
    say("started the watchdog of " + h + " (pid " + p.pid() + "), log var/demo/" + h + "/watchdog.log");
  }

  private Process startVmha(String h, String command, String heap) throws IOException {
    Files.createDirectories(dir.resolve(h));
    List<String> cmd = new ArrayList<>(List.of(javaBin(), heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.vmha.cli.Vmha", command, "--config",
        dir.resolve(h + ".conf").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(h).resolve(command + ".log").toFile()).start();
    Files.writeString(dir.resolve("pids"), p.pid() + "\n", java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    return p;
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Every host's cluster address: the seed nodes, which a cold start waits for (ElectionWindow). */
  private static List<String> nodelist() {
    return IntStream.rangeClosed(1, HOSTS).mapToObj(i -> "127.0.0.1:" + port("host" + i, CLUSTER_PORT))
        .toList();
  }

  private static int port(String host, int base) {
    return base + Integer.parseInt(host.substring(4)) - 1;
  }

  // ---- driving the cluster

  private void powerOn(String vm, String host) throws Exception {
    String body = "{\"name\":\"" + vm + "\",\"memoryMb\":512,\"cpus\":1"
        + (host == null ? "" : ",\"host\":\"" + host + "\"") + "}";
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(apiOf(firstLive()) + "/api/v1/vms"))
          .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
          .header("Authorization", authorization)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      String msg = EventLog.JSON.readTree(r.body()).path(r.statusCode() == 200 ? "message" : "error").asText();
      if (r.statusCode() == 200) {
        say(msg);
        return;
      }
      // a master elected just after another briefly was takes the protected-list lock once the other's stood still
      boolean passing = msg.contains("does not own the protected list") || msg.contains("has not read the protected list");
      if (!passing || System.nanoTime() > deadline) {
        throw new IllegalStateException("power-on of " + vm + " refused: " + msg);
      }
      Thread.sleep(250);
    }
  }

  private String firstLive() {
    return agents.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> new IllegalStateException("no agent is running"));
  }

  private String apiOf(String host) {
    return "http://127.0.0.1:" + port(host, HTTP_PORT);
  }

  /** Polls the surviving agents' status until the condition holds. */
  private JsonNode await(String what, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      for (Map.Entry<String, Process> a : agents.entrySet()) {
        if (!a.getValue().isAlive()) {
          if (!crashedHosts.contains(a.getKey())) {
            throw new IllegalStateException("agent " + a.getKey() + " exited; see var/demo/" + a.getKey() + "/agent.log");
          }
          continue;
        }
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(apiOf(a.getKey()) + "/api/v1/status"))
              .timeout(Duration.ofSeconds(3)).header("Authorization", authorization).GET().build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            JsonNode s = EventLog.JSON.readTree(r.body());
            last = r.body();
            if (done.test(s)) return s;
          }
        } catch (IOException e) {
          last = e.toString();
        }
        break;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("timed out waiting for " + what + "; last status: " + last);
  }


  private static int liveHosts(JsonNode s) {
    int n = 0;
    for (JsonNode h : s.path("cluster").path("hosts")) if (h.path("verdict").asText().equals("ALIVE") && h.path("memoryMb").asLong() > 0) n++;
    // the master lists the others; it is itself a host too
    return s.path("cluster").isNull() || s.path("cluster").isMissingNode() ? 0 : n;
  }

  private static int running(JsonNode s) {
    int n = 0;
    for (JsonNode v : s.path("cluster").path("vms")) if (v.path("state").path("kind").asText().equals("running")) n++;
    return n;
  }

  private static String verdict(JsonNode s, String host) {
    for (JsonNode h : s.path("cluster").path("hosts")) if (h.path("id").asText().equals(host)) return h.path("verdict").asText();
    return "";
  }

  /** A host losing power: its agent and every VM process it runs die at once. */
  private Instant crash(String host) {
    Process agent = agents.get(host);
    List<ProcessHandle> victims = new ArrayList<>(agent.descendants().toList());
    victims.add(agent.toHandle());
    say("CRASH " + host + ": kill -9 of its agent (pid " + agent.pid() + ") and its " + (victims.size() - 1)
        + " VM processes");
    crashedHosts.add(host);
    Instant at = Instant.now();
    victims.forEach(ProcessHandle::destroyForcibly);
    victims.forEach(p -> p.onExit().join());
    return at;
  }

  // ---- report

  /** Every agent's persisted events, in time order. */
  private List<HaEvent> events() throws SQLException, IOException, InterruptedException {
    List<List<HaEvent>> journals = new ArrayList<>();
    try (HistoryReader reader = new HistoryReader()) {
      for (String h : agents.keySet()) {
        // the agents still running hold their history files: those answer through their API
        for (HistoryReader.Journal j : HostHistory.read(reader, HaSettings.load(dir.resolve(h + ".conf").toFile()),
            hostPort -> http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/api/v1/history"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString()).body())) {
          journals.add(j.events());
        }
      }
    }
    return Timeline.merge(journals, Timeline.Filter.ALL);
  }

  private void printTimeline() throws SQLException, IOException, InterruptedException {
    List<HaEvent> events = events();
    out.println();
    out.println("---- timeline (seconds since the demo started; every host's persisted decisions) ----");
    for (HaEvent e : events) {
      if (e instanceof HaEvent.DatastoreAccessChanged) continue;
      out.printf("%+8.2fs %-6s %s%n", Duration.between(start, e.at()).toMillis() / 1000.0, e.by(), e.describe());
    }
    out.println("(the same with wall-clock times: ./vmha history" + agents.keySet().stream()
        .map(h -> " --config var/demo/" + h + ".conf").collect(java.util.stream.Collectors.joining()) + ")");
    out.println();
  }

  /**
   * The restarts after the slave crash, in the order they were planned, and whether each VM started only after every
   * VM it must follow was ready: those of an earlier priority group, and its depends-on.
   */
  private boolean printOrderedRecovery(Instant crash) throws SQLException, IOException, InterruptedException {
    List<HaEvent> events = events().stream().filter(e -> !e.at().isBefore(crash)).toList();
    Map<String, Instant> planned = new LinkedHashMap<>();
    Map<String, Instant> ready = new HashMap<>();
    for (HaEvent e : events) {
      if (e instanceof HaEvent.VmRestartPlanned p) planned.putIfAbsent(p.vm(), p.at());
      if (e instanceof HaEvent.VmReady r) ready.putIfAbsent(r.vm(), r.at());
    }
    out.println();
    out.println("---- ordered recovery after the crash (seconds after it) ----");
    boolean ok = planned.keySet().containsAll(VM_NAMES.subList(0, ORDERED));
    for (Map.Entry<String, Instant> p : planned.entrySet()) {
      String vm = p.getKey();
      // dns1/dhcp1 first, db1 after dns1, app1 after db1, web1 after app1, batch1 (best-effort) last
      List<String> before = switch (vm) {
        case "db1" -> List.of("dns1", "dhcp1");
        case "app1", "app2" -> List.of("db1");
        case "web1" -> List.of("app1");
        case "batch1" -> VM_NAMES.subList(0, ORDERED - 1).stream().filter(planned::containsKey).toList();
        default -> List.of();
      };
      List<String> early = before.stream().filter(b -> planned.containsKey(b)
          && (!ready.containsKey(b) || ready.get(b).isAfter(p.getValue()))).toList();
      ok &= early.isEmpty();
      out.printf("%-6s planned %+6.2fs  ready %+6.2fs  %s%n", vm, secs(crash, p.getValue()),
          ready.containsKey(vm) ? secs(crash, ready.get(vm)) : Double.NaN,
          early.isEmpty() ? (before.isEmpty() ? "first group" : "after " + before) : "TOO EARLY: before " + early
              + " was ready");
    }
    out.println(ok ? "ORDER OK: every VM started after the VMs it must follow were ready" : "ORDER VIOLATED");
    return ok;
  }

  private static double secs(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  private boolean check(JsonNode st) throws IOException {
    out.println("---- check: VM processes and disk files on datastore ds1 ----");
    Map<String, List<String>> processes = new HashMap<>();
    ProcessHandle.allProcesses().forEach(p -> {
      String[] args = p.info().arguments().orElse(new String[0]);
      // a VM process: bash -c SCRIPT vmha-vm <host> <vm> <disk>
      for (int i = 0; i + 3 < args.length; i++) {
        if (args[i].equals(ProcessHypervisor.PROCESS_NAME) && args[i + 3].startsWith(dir.toString())) {
          processes.computeIfAbsent(args[i + 2], k -> new ArrayList<>()).add(args[i + 1]);
        }
      }
    });
    boolean ok = true;
    for (String vm : VM_NAMES) {
      Path disk = ProcessHypervisor.diskFile(dir.resolve("ds1"), vm);
      DiskCheck.Result r = DiskCheck.check(Files.exists(disk) ? Files.readAllLines(disk) : List.of());
      List<String> on = processes.getOrDefault(vm, List.of());
      long quietMs = (System.currentTimeMillis() * 1000 - r.lastWriteMicros()) / 1000;
      boolean vmOk = on.size() == 1 && r.safe() && quietMs < 2000 && on.get(0).equals(r.lastHost());
      ok &= vmOk;
      StringBuilder hist = new StringBuilder();
      for (DiskCheck.Incarnation i : r.incarnations()) {
        hist.append(hist.length() == 0 ? "" : " -> ").append(i.host()).append(" (").append(i.writes()).append(" writes)");
      }
      out.printf("%-6s %s  running on %s; disk written by %s%s%n", vm, vmOk ? "OK  " : "FAIL", on, hist,
          r.safe() ? "" : "; OVERLAP: " + r.overlaps());
    }
    out.println(ok ? "CHECK PASSED: every protected VM runs exactly once; no disk was ever written by two hosts at once"
        : "CHECK FAILED");
    return ok;
  }

  // ---- clean-up

  private void stopAll() {
    for (Process p : agents.values()) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    watchdogs.forEach(Process::destroyForcibly);
  }

  /** {@code ./vmha demo --stop}: the cluster an earlier {@code --keep} left running is stopped. */
  public void stop() throws IOException {
    stopPrevious();
    say("stopped what the last ./vmha demo --keep left running (agents, watchdogs, VM processes)");
  }

  /** Agents left running by an earlier `./vmha demo --keep`, and their VMs. */
  private void stopPrevious() throws IOException {
    Path pids = dir.resolve("pids");
    if (!Files.exists(pids)) return;
    for (String line : Files.readAllLines(pids)) {
      if (line.isBlank()) continue;
      Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(line.trim()));
      h.filter(p -> p.info().commandLine().orElse("").contains("dev.vmha.cli.Vmha")).ifPresent(p -> {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.onExit().join();
      });
    }
    // VM processes of agents that crashed in an earlier run were re-parented: find them by their disk path
    ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("")
        .contains(ProcessHypervisor.PROCESS_NAME + " ") && p.info().arguments().map(a -> String.join(" ", a))
        .orElse("").contains(dir.toString())).forEach(ProcessHandle::destroyForcibly);
  }

  private void say(String s) {
    out.printf("%+8.2fs demo   %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, s);
  }

  public static void deleteTree(Path d) throws IOException {
    if (!Files.exists(d)) return;
    try (Stream<Path> w = Files.walk(d)) {
      for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
