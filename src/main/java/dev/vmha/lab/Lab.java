package dev.vmha.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.datastore.CorruptStateFileException;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.history.EventLog;
import dev.vmha.hypervisor.ProcessHypervisor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Drives deploy/lab/lab from Java: namespaces and faults through the script, each agent's API through
 * {@code ip netns exec <host> curl} (its own address is local to its namespace, so this works whatever fault is on
 * the bridge), and the VM disk files under var/lab/ds1.
 */
public final class Lab {
  private final Path home;
  private final Path script;
  private final Path dir;
  private final PrintStream out;
  private final String prefix = Optional.ofNullable(System.getenv("VMHA_LAB_PREFIX")).orElse("vmhalab");
  private final String subnet = Optional.ofNullable(System.getenv("VMHA_LAB_SUBNET")).orElse("10.231.0");
  private final Instant start = Instant.now();
  private int hosts;

  public Lab(Path home, PrintStream out) {
    this.home = home;
    this.script = home.resolve("deploy/lab/lab");
    this.dir = home.resolve("var/lab");
    this.out = out;
  }

  public int hosts() {
    return hosts;
  }

  public Path dir() {
    return dir;
  }

  /** Brings the lab up with these options of {@code lab up}. */
  public void up(int n, String... options) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("up", "--hosts", String.valueOf(n)));
    args.addAll(Arrays.asList(options));
    run(args.toArray(String[]::new));
    hosts = n;
  }

  /** Runs {@code deploy/lab/lab args}; its output goes to this lab's output. */
  public void run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(script.toString()));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("lab " + String.join(" ", args) + " failed: " + text);
    }
    if (!text.isEmpty()) say(text.replace("\n", "\n          "));
  }

  /** The agent's /api/v1/status, or empty when it does not answer within 2 s. */
  public Optional<JsonNode> status(int host) {
    return curl(host, "GET", "/api/v1/status", null).filter(r -> r.code() == 200).map(Reply::json);
  }

  public record Reply(int code, JsonNode json) {}

  /** POST to host's API; empty when it does not answer. */
  public Optional<Reply> post(int host, String path, String body) {
    return curl(host, "POST", path, body);
  }

  private Optional<Reply> curl(int host, String method, String path, String body) {
    // the admin token's header from a file: a secret on the command line is visible to every local user
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", prefix + "-h" + host, "curl", "-s", "-m",
        body == null ? "2" : "30", "-w", "\n%{http_code}", "-X", method,
        "-H", "@" + dir.resolve(LabConfig.AUTH_HEADER)));
    if (body != null) cmd.addAll(List.of("-H", "Content-Type: application/json", "-d", body));
    cmd.add("http://" + LabConfig.address(subnet, host) + ":" + LabConfig.HTTP_PORT + path);
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(40, TimeUnit.SECONDS);
      int nl = text.lastIndexOf('\n');
      int code = nl < 0 ? 0 : Integer.parseInt(text.substring(nl + 1).trim());
      if (code == 0) return Optional.empty();
      return Optional.of(new Reply(code, EventLog.JSON.readTree(text.substring(0, nl))));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Every host's status, asked in parallel; a host that does not answer is absent. */
  public Map<String, Judge.View> views() {
    Map<String, java.util.concurrent.CompletableFuture<Optional<JsonNode>>> asks = new LinkedHashMap<>();
    for (int i = 1; i <= hosts; i++) {
      int h = i;
      asks.put("host" + i, java.util.concurrent.CompletableFuture.supplyAsync(() -> status(h)));
    }
    Map<String, Judge.View> v = new TreeMap<>();
    asks.forEach((h, f) -> f.join().ifPresent(s -> v.put(h, view(s))));
    return v;
  }

  static Judge.View view(JsonNode s) {
    Map<String, List<String>> at = new TreeMap<>();
    for (JsonNode h : s.path("cluster").path("hosts")) {
      if (!h.path("verdict").asText().equals("ALIVE")) continue;
      List<String> vms = new ArrayList<>();
      h.path("vms").forEach(v -> vms.add(v.asText()));
      at.put(h.path("id").asText(), vms);
    }
    return new Judge.View(s.path("host").asText(), s.path("role").asText(null),
        s.path("master").isTextual() ? s.path("master").asText() : null, at);
  }

  /** Whether all n agents answer, follow one master, and that master judges all n ALIVE. */
  public boolean formed(int n) {
    Map<String, Judge.View> v = views();
    return v.size() == n && Judge.oneMasterPerComponent(List.of(v.keySet()), v).isEmpty()
        && v.values().stream().allMatch(w -> w.vmsAt().size() == n);
  }

  /** The VMs that do not run exactly once now, by their disks (each VM process writes every 100 ms). */
  public List<String> notRunningOnce(java.util.Set<String> vms) {
    return Judge.runningOnce(vms, disksNow(), nowMicros(), FRESH_MICROS);
  }

  /** The host the VM runs on now, when it runs exactly once. */
  public Optional<String> runningAt(String vm) {
    List<dev.vmha.demo.DiskCheck.Incarnation> now =
        Judge.runningNow(disksNow().getOrDefault(vm, List.of()), nowMicros(), FRESH_MICROS);
    return now.size() == 1 ? Optional.of(now.get(0).host()) : Optional.empty();
  }

  /** A VM process writes every 100 ms: one that wrote within this is running. */
  static final long FRESH_MICROS = 1_500_000;

  static long nowMicros() {
    return System.currentTimeMillis() * 1000;
  }

  /** The disks, as {@link #disks()}; a read error is a failure of the lab, not of the agents. */
  public Map<String, List<String>> disksNow() {
    try {
      return disks();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the disk files: " + e.getMessage());
    }
  }

  /** Every VM's disk lines on ds1. */
  public Map<String, List<String>> disks() throws IOException {
    Map<String, List<String>> d = new TreeMap<>();
    Path vms = dir.resolve("ds1").resolve("vms");
    if (!Files.isDirectory(vms)) return d;
    try (Stream<Path> files = Files.list(vms)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".disk")).toList()) {
        String name = f.getFileName().toString();
        d.put(name.substring(0, name.length() - ".disk".length()), Files.readAllLines(f));
      }
    }
    return d;
  }

  /** Powers a protected VM on through the first host that accepts (a new master may still take over the list). */
  public void powerOn(String vm, Integer at, Duration bound) throws InterruptedException {
    String body = "{\"name\":\"" + vm + "\",\"memoryMb\":256,\"cpus\":1"
        + (at == null ? "" : ",\"host\":\"host" + at + "\"") + "}";
    long deadline = System.nanoTime() + bound.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      for (int h = 1; h <= hosts; h++) {
        Optional<Reply> r = post(h, "/api/v1/vms", body);
        if (r.isEmpty()) continue;
        if (r.get().code() == 200) {
          say(r.get().json().path("message").asText());
          return;
        }
        if (r.get().code() == 409 && r.get().json().path("alreadyProtected").asBoolean()) {
          say(r.get().json().path("error").asText()); // an earlier try whose answer was lost started it
          return;
        }
        last = r.get().json().path("error").asText();
        break;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("power-on of " + vm + " refused: " + last);
  }

  /** Waits until the condition holds, polling every 500 ms; false when it does not within the bound. */
  public boolean await(Duration bound, Supplier<Boolean> done) throws InterruptedException {
    return await(bound, Duration.ofMillis(500), done);
  }

  /** As {@link #await(Duration, Supplier)}, polling every {@code poll} (a measurement needs a finer one). */
  public boolean await(Duration bound, Duration poll, Supplier<Boolean> done) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    do {
      if (done.get()) return true;
      Thread.sleep(poll.toMillis());
    } while (System.nanoTime() < deadline);
    return false; // what holds only after the bound is late
  }

  // ---- the hosts' watchdogs (issue 19): each a process in the root namespace, files under hN/data/watchdog

  /** The host's watchdog as its agent reports it (ARMED, FAILED, DISARMED, ...); empty when the agent does not answer. */
  public Optional<String> watchdogPhase(int host) {
    return status(host).map(s -> s.path("watchdog").path("phase").asText(""));
  }

  /** The host's watchdog as its agent's status shows it: phase and why. */
  public String watchdogStatus(int host) {
    return status(host).map(s -> s.path("watchdog").path("phase").asText("") + " ("
        + s.path("watchdog").path("detail").asText("") + ")").orElse("no status");
  }

  /** Whether the host's power-on file on ds1 says its watchdog is armed (what the master's agentGone rule reads). */
  public boolean powerOnFileArmed(int host) {
    Path f = dir.resolve("ds1/.vmha/host-host" + host + "-poweron");
    String text = read(f);
    try {
      return !text.isEmpty() && PowerOnFile.decode(f, text).watchdogArmed();
    } catch (CorruptStateFileException e) {
      return false; // being replaced: read again at the next poll
    }
  }

  /** How often the host's watchdog process fired (its log's "FIRES" lines). */
  public long watchdogFirings(int host) {
    return read(dir.resolve("h" + host + "/watchdog.log")).lines()
        .filter(l -> l.contains("watchdog of host" + host + " FIRES")).count();
  }

  /** Whether the watchdog process logged that its agent disarmed it. */
  public boolean watchdogDisarmed(int host) {
    return read(dir.resolve("h" + host + "/watchdog.log")).lines()
        .anyMatch(l -> l.endsWith("watchdog of host" + host + " disarmed"));
  }

  /** The agent that wrote the host's last watchdog pet (each agent pets with tokens "<its id>-<counter>"). */
  public Optional<String> pettingAgent(int host) {
    return read(dir.resolve("h" + host + "/data/watchdog/pet")).lines().filter(l -> l.startsWith("token="))
        .map(l -> l.substring("token=".length(), Math.max("token=".length(), l.lastIndexOf('-')))).findFirst();
  }

  /** When the host's agent was last started (epoch ms, written by deploy/lab/lab and its run loop). */
  public Optional<Long> agentStarted(int host) {
    String t = read(dir.resolve("h" + host + "/agent.started")).strip();
    return t.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(t));
  }

  /** Whether the host's agent JVM runs (a stopped one counts as running). */
  public boolean agentAlive(int host) {
    String pid = read(dir.resolve("h" + host + "/agent.pid")).strip();
    return !pid.isEmpty() && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
  }

  /** A file's text; "" when it is missing or cannot be read now. */
  static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      return ""; // being replaced (written to a temporary file and renamed): read again at the next poll
    }
  }

  /**
   * As {@link #await}, for a state the judge reads from the disks: what holds must hold again once a VM that stopped
   * just before the first check no longer counts as running ({@link #FRESH_MICROS}) — plus {@code lag}, how late after
   * the heal a stop the fault made due may still come (a lease fence lands in the host's next round). Without this, a
   * VM fenced at the heal passed as running and its failover was charged to the next step (campaign seed 2, step 85).
   */
  public boolean awaitSettled(Duration bound, Duration lag, Supplier<Boolean> done) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    Duration window = settleWindow(lag);
    while (System.nanoTime() < deadline && await(Duration.ofNanos(deadline - System.nanoTime()), done)) {
      hold(window);
      if (done.get()) return true;
    }
    return false;
  }

  /** How long {@link #awaitSettled} waits to see a state hold again. */
  public static Duration settleWindow(Duration lag) {
    return Duration.ofNanos(FRESH_MICROS * 1000).plus(lag);
  }

  /** Lets a fault last (or the cluster run on) for this long: the lab's time passes in real time. */
  public void hold(Duration d) throws InterruptedException {
    if (!d.isNegative()) Thread.sleep(d.toMillis());
  }

  /** The pids of host's VM processes named vm (ProcessHypervisor's argv: vmha-vm <host> <vm> <disk>). */
  public List<ProcessHandle> vmProcesses(String host, String vm) {
    return ProcessHandle.allProcesses().filter(p -> {
      String[] a = p.info().arguments().orElse(new String[0]);
      for (int i = 0; i + 3 < a.length; i++) {
        if (a[i].equals(ProcessHypervisor.PROCESS_NAME) && a[i + 1].equals(host) && a[i + 2].equals(vm)
            && a[i + 3].startsWith(dir.toString())) return true;
      }
      return false;
    }).toList();
  }

  /** Copies the agents' logs, host files and disk files to var/lab/failed-<name>-<time>/; returns that path. */
  public Path keepLogs(String name) throws IOException {
    Path keep = dir.resolve("failed-" + name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(keep);
    for (int i = 1; i <= hosts; i++) {
      copyIfExists(dir.resolve("h" + i).resolve("agent.log"), keep.resolve("h" + i + "-agent.log"));
      copyIfExists(dir.resolve("h" + i).resolve("watchdog.log"), keep.resolve("h" + i + "-watchdog.log"));
      copyIfExists(dir.resolve("h" + i + ".conf"), keep.resolve("h" + i + ".conf"));
    }
    Path vms = dir.resolve("ds1").resolve("vms");
    if (Files.isDirectory(vms)) {
      try (Stream<Path> files = Files.list(vms)) {
        for (Path f : files.toList()) copyIfExists(f, keep.resolve(f.getFileName()));
      }
    }
    return keep;
  }

  private static void copyIfExists(Path from, Path to) throws IOException {
    if (Files.exists(from)) Files.copy(from, to);
  }

  public void say(String s) {
    out.printf("%+8.2fs %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, s);
    out.flush();
  }
}
