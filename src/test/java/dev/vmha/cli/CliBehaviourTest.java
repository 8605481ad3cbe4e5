package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 22, item 3: the command line as an operator and a script meet it — --help everywhere, exit codes 0 ok, 1
 * failed, 2 usage, 3 not found, one line instead of a stack trace, the local cluster found without --agent. The
 * commands run in this JVM; a stand-in agent on 127.0.0.1 answers /api/v1/status with what the test sets.
 */
class CliBehaviourTest {
  @TempDir Path dir;
  private HttpServer server;
  /** The stand-in's answer: status code and body. */
  private final AtomicReference<Map.Entry<Integer, String>> answer = new AtomicReference<>();
  /** What the stand-in was sent: method and path, and body. */
  private final List<String> posted = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      posted.add(x.getRequestMethod() + " " + x.getRequestURI().getPath()
          + (x.getRequestURI().getQuery() == null ? "" : "?" + x.getRequestURI().getQuery()));
      bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] b = answer.get().getValue().getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(answer.get().getKey(), b.length);
      x.getResponseBody().write(b);
      x.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** {@code vmha args} with the vmha home {@code dir} and the environment {@code VMHA_TOKEN=t}. */
  private CliRun.Result vmha(String... args) {
    return CliRun.vmha(Map.of("VMHA_TOKEN", "t"), dir, args);
  }

  private String at() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private static List<List<String>> commandPaths(CommandLine c, List<String> path) {
    List<List<String>> all = new ArrayList<>();
    all.add(path);
    c.getSubcommands().forEach((name, sub) -> {
      List<String> p = new ArrayList<>(path);
      p.add(name);
      all.addAll(commandPaths(sub, p));
    });
    return all;
  }

  @Test
  void everyCommandTakesHelpAndExitsZero() {
    CommandLine cl = Vmha.commandLine();
    List<List<String>> paths = commandPaths(cl, List.of());
    assertTrue(paths.size() > 20, "every command and subcommand: " + paths);
    for (List<String> p : paths) {
      List<String> args = new ArrayList<>(p);
      args.add("--help");
      java.io.StringWriter out = new java.io.StringWriter();
      java.io.StringWriter err = new java.io.StringWriter();
      cl.setOut(new java.io.PrintWriter(out)).setErr(new java.io.PrintWriter(err));
      assertEquals(0, cl.execute(args.toArray(String[]::new)), p + ": " + err);
      assertTrue(out.toString().startsWith("Usage: vmha" + (p.isEmpty() ? "" : " " + String.join(" ", p))),
          p + ": " + out);
    }
    assertTrue(vmha("--help").out().contains("Exit codes:"), "the exit codes are in the help");
  }

  @Test
  void aWrongCommandLineIsOneMessageAndExitTwo() {
    CliRun.Result unknown = vmha("failover");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().startsWith("vmha: unknown command 'failover'\n"), unknown.err());
    assertTrue(unknown.err().contains("Try 'vmha --help'."), unknown.err());
    assertEquals("", unknown.out());
    CliRun.Result option = vmha("status", "--bogus");
    assertEquals(2, option.exit());
    assertTrue(option.err().startsWith("vmha status: Unknown option: '--bogus'"), option.err());
    CliRun.Result group = vmha("vm");
    assertEquals(2, group.exit());
    assertTrue(group.err().startsWith("vmha vm: missing command: one of power-on, power-off"), group.err());
    assertEquals(2, vmha().exit());
    assertEquals(2, vmha("status", "--interval", "0").exit());
  }

  @Test
  void aFailureIsOneLineNeverAStackTrace() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "");
    CliRun.Result r = vmha("lab", "config", "--dir", file.resolve("sub").toString(), "--hosts", "1", "--subnet", "10.0.0");
    assertEquals(1, r.exit(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("vmha lab config: "), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
  }

  @Test
  void statusExitsThreeWithoutAMasterOrAVmhaAgent() throws Exception {
    answer.set(Map.entry(404, "<html>Not Found</html>"));
    CliRun.Result other = vmha("status", "--agent", at());
    assertEquals(3, other.exit(), other.err());
    assertEquals("vmha status: " + at() + " is not a vmha agent (it answered HTTP 404 \"<html>Not Found</html>\")\n",
        other.err());
    answer.set(Map.entry(200, "{\"host\":\"host1\",\"role\":\"ELECTION\",\"master\":null,\"cluster\":null,"
        + "\"note\":\"no master elected yet\"}"));
    CliRun.Result none = vmha("status", "--agent", at());
    assertEquals(3, none.exit(), none.err());
    assertTrue(none.out().contains("master: (none)") && none.out().contains("no master elected yet"), none.out());
    assertEquals(3, vmha("status", "--agent", at(), "--json").exit());
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    CliRun.Result nobody = vmha("status", "--agent", "127.0.0.1:" + closed);
    assertEquals(3, nobody.exit());
    assertEquals("vmha status: no agent answers at 127.0.0.1:" + closed + "\n", nobody.err());
  }

  @Test
  void statusPrintsDurationsForPeopleAndExitsZeroWithAMaster() {
    answer.set(Map.entry(200, """
        {"host":"host1","role":"MASTER","master":"host1","cluster":{"reportedBy":"host1","master":"host1",
         "hosts":[{"id":"host2","role":"SLAVE","verdict":"DEAD","reason":"no net heartbeat 12 s","reachability":"DOWN",
                   "silenceMs":192345,"address":"127.0.0.1","httpPort":8552,"memoryMb":4096,"freeMemoryMb":4096,
                   "vms":[]}],
         "vms":[],"datastores":[]}}
        """));
    CliRun.Result r = vmha("status", "--agent", at());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().matches("(?s).*host2 +SLAVE +DEAD +DOWN +3 min 12 s +4096/4096 +no net heartbeat 12 s\n.*"),
        r.out());
  }

  @Test
  void vmOperationsExitByWhatTheMasterAnswered() {
    answer.set(Map.entry(200, "{\"ok\":true,\"message\":\"web1 powered off\"}"));
    CliRun.Result ok = vmha("vm", "power-off", "web1", "--agent", at());
    assertEquals(0, ok.exit(), ok.err());
    assertEquals("web1 powered off\n", ok.out());
    answer.set(Map.entry(400, "{\"error\":\"not a restart priority\",\"field\":\"priority\"}"));
    CliRun.Result bad = vmha("vm", "power-on", "web1", "--memory-mb", "512", "--priority", "urgent", "--agent", at());
    assertEquals(2, bad.exit());
    assertEquals("vmha vm power-on: priority: not a restart priority\n", bad.err());
    answer.set(Map.entry(409, "{\"error\":\"web1 is already protected\"}"));
    assertEquals(1, vmha("vm", "power-on", "web1", "--memory-mb", "512", "--agent", at()).exit());
    answer.set(Map.entry(404, "Not Found"));
    CliRun.Result other = vmha("vm", "power-off", "web1", "--agent", at());
    assertEquals(3, other.exit());
    assertEquals("vmha vm power-off: " + at() + " is not a vmha agent (it answered HTTP 404)\n", other.err());
  }

  /** After ./vmha demo, plain ./vmha status asks the demo's agents in turn: a crashed one does not stop it. */
  @Test
  void statusFindsTheDemosClusterThroughItsHostsFile() throws Exception {
    answer.set(Map.entry(200, "{\"host\":\"host2\",\"role\":\"MASTER\",\"master\":\"host2\",\"cluster\":null,"
        + "\"note\":\"\"}"));
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    Path crashed = hostFile("host1", closed);
    Path alive = hostFile("host2", server.getAddress().getPort());
    Files.createDirectories(dir.resolve("var/demo"));
    Files.write(dir.resolve("var/demo/hosts"), List.of(crashed.toString(), alive.toString()));
    CliRun.Result r = vmha("status");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("agent host2 is MASTER; master: host2"), r.out());
    server.stop(0);
    CliRun.Result none = vmha("status");
    assertEquals(3, none.exit());
    assertEquals("vmha status: no agent answers at 127.0.0.1:" + closed + ", " + at() + " (the demo's hosts in"
        + " var/demo/hosts)\n", none.err());
  }

  private Path hostFile(String id, int httpPort) throws Exception {
    return Files.writeString(dir.resolve(id + ".conf"), """
        das { usedefaultisolationaddress = false, isolationaddress1 = "127.0.0.1" }
        vmha.host { id = "%s", address = "127.0.0.1", http-port = %d }
        """.formatted(id, httpPort));
  }

  @Test
  void watchRedrawsTheScreenInPlace() {
    String screen = StatusCommand.redraw(new StatusCommand.Frame(0, "agent host1 is MASTER\nline two\n", ""),
        Duration.ofSeconds(2), Instant.parse("2026-12-01T03:12:00Z"), ZoneOffset.UTC);
    assertEquals("\033[Hvmha status every 2 s at 2026-12-01 03:12:00 Z (Ctrl-C to stop)\033[K\n\033[K\n"
        + "agent host1 is MASTER\033[K\nline two\033[K\n\033[J", screen);
  }

  @Test
  void completionPrintsABashScriptForEveryCommand() {
    CliRun.Result r = vmha("completion");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("complete -F _complete_vmha") && r.out().contains("power-on")
        && r.out().contains("--watch"), r.out());
  }

  // ---- issue 22, item 2: the operations post to their /api/v1 routes and exit by the answer

  private String[] agent(String... args) {
    return java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--agent", at()))
        .toArray(String[]::new);
  }

  @Test
  void eachOperationPostsItsRoute() {
    answer.set(Map.entry(200, "{\"ok\":true,\"message\":\"done\"}"));
    for (String[] c : List.of(new String[] {"ha", "disable"}, new String[] {"ha", "enable"},
        new String[] {"host", "ha", "disable", "host2"}, new String[] {"host", "ha", "enable", "host2"},
        new String[] {"vm", "retry", "db1"}, new String[] {"vm", "protect", "db1", "--priority", "high"},
        new String[] {"vm", "set", "app1", "--priority", "high", "--order", "2", "--after", "db1,dns1",
            "--isolation-response", "leave-powered-on"},
        new String[] {"vm", "unprotect", "db1"}, new String[] {"emergency", "force-master", "host3"},
        new String[] {"emergency", "reset-election"}, new String[] {"vm", "move", "db1", "--to", "host3"},
        new String[] {"host", "emergency-disable"}, new String[] {"host", "emergency-disable", "--force"},
        new String[] {"host", "emergency-enable"})) {
      CliRun.Result r = vmha(agent(c));
      assertEquals(0, r.exit(), String.join(" ", c) + ": " + r.err());
      assertEquals("done\n", r.out());
    }
    assertEquals(List.of("POST /api/v1/cluster/ha/disable", "POST /api/v1/cluster/ha/enable",
        "POST /api/v1/hosts/host2/ha/disable", "POST /api/v1/hosts/host2/ha/enable", "POST /api/v1/vms/db1/retry",
        "POST /api/v1/vms/db1/protect", "POST /api/v1/vms/app1/protection", "POST /api/v1/vms/db1/unprotect",
        "POST /api/v1/emergency/force-master/host3", "POST /api/v1/emergency/reset-election",
        "POST /api/v1/vms/db1/move-to/host3", "POST /api/v1/local/emergency/ha-disable",
        "POST /api/v1/local/emergency/ha-disable?force=true", "POST /api/v1/local/emergency/ha-enable"), posted);
    assertEquals("{\"priority\":\"high\",\"order\":2,\"dependsOn\":[\"db1\",\"dns1\"],"
        + "\"isolationResponse\":\"leave-powered-on\"}", bodies.get(6),
        "vm set sends only what it changes");
  }

  @Test
  void anUnknownVmExits3AndARefusal1() {
    answer.set(Map.entry(404, "{\"error\":\"nosuch is not a protected VM; nothing to retry\"}"));
    CliRun.Result unknown = vmha("vm", "retry", "nosuch", "--agent", at());
    assertEquals(3, unknown.exit(), unknown.err());
    assertEquals("vmha vm retry: nosuch is not a protected VM; nothing to retry\n", unknown.err());
    answer.set(Map.entry(409, "{\"error\":\"db1 is not given up: it runs at host2\"}"));
    CliRun.Result refused = vmha("vm", "retry", "db1", "--agent", at());
    assertEquals(1, refused.exit());
    assertEquals("vmha vm retry: db1 is not given up: it runs at host2\n", refused.err());
  }

  @Test
  void aMissingHostIsAUsageError() {
    answer.set(Map.entry(200, "{}"));
    assertEquals(2, vmha("host", "ha", "disable", "--agent", at()).exit());
    assertEquals(2, vmha("ha", "toggle", "--agent", at()).exit());
    assertEquals(2, vmha("host", "ha", "host2", "--agent", at()).exit(), "enable or disable first");
    CliRun.Result anyAgent = vmha("host", "emergency-disable");
    assertEquals(2, anyAgent.exit(), "only the host's own agent: --agent or --config");
    assertTrue(anyAgent.err().contains("--config"), anyAgent.err());
    assertEquals(List.of(), posted);
  }
}
