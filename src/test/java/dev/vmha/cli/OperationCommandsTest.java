package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, item 2 at the command line: {@code ha enable|disable}, {@code host ha enable|disable H} and {@code vm
 * retry VM} post to their /api/v1 routes and exit by the answer (0 done, 1 refused, 3 unknown VM or host). A
 * stand-in agent on 127.0.0.1 records the requests and answers what the test sets.
 */
class OperationCommandsTest {
  @TempDir Path dir;
  private HttpServer server;
  private final AtomicReference<Map.Entry<Integer, String>> answer = new AtomicReference<>();
  private final List<String> posted = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      posted.add(x.getRequestMethod() + " " + x.getRequestURI().getPath());
      bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] b = answer.get().getValue().getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
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

  private CliRun.Result vmha(String... args) {
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
        java.util.stream.Stream.of("--agent", "127.0.0.1:" + server.getAddress().getPort())).toArray(String[]::new);
    return CliRun.vmha(Map.of("VMHA_TOKEN", "t"), dir, all);
  }

  @Test
  void eachCommandPostsItsRoute() {
    answer.set(Map.entry(200, "{\"ok\":true,\"message\":\"done\"}"));
    for (String[] c : List.of(new String[] {"ha", "disable"}, new String[] {"ha", "enable"},
        new String[] {"host", "ha", "disable", "host2"}, new String[] {"host", "ha", "enable", "host2"},
        new String[] {"vm", "retry", "db1"}, new String[] {"vm", "protect", "db1", "--priority", "high"},
        new String[] {"vm", "set", "app1", "--priority", "high", "--order", "2", "--after", "db1,dns1"},
        new String[] {"vm", "unprotect", "db1"}, new String[] {"emergency", "force-master", "host3"},
        new String[] {"emergency", "reset-election"})) {
      CliRun.Result r = vmha(c);
      assertEquals(0, r.exit(), String.join(" ", c) + ": " + r.err());
      assertEquals("done\n", r.out());
    }
    assertEquals(List.of("POST /api/v1/cluster/ha/disable", "POST /api/v1/cluster/ha/enable",
        "POST /api/v1/hosts/host2/ha/disable", "POST /api/v1/hosts/host2/ha/enable", "POST /api/v1/vms/db1/retry",
        "POST /api/v1/vms/db1/protect", "POST /api/v1/vms/app1/protection", "POST /api/v1/vms/db1/unprotect",
        "POST /api/v1/emergency/force-master/host3", "POST /api/v1/emergency/reset-election"), posted);
    assertEquals("{\"priority\":\"high\",\"order\":2,\"dependsOn\":[\"db1\",\"dns1\"]}", bodies.get(6),
        "vm set sends only what it changes");
  }

  @Test
  void anUnknownVmExits3AndARefusal1() {
    answer.set(Map.entry(404, "{\"error\":\"nosuch is not a protected VM; nothing to retry\"}"));
    CliRun.Result unknown = vmha("vm", "retry", "nosuch");
    assertEquals(3, unknown.exit(), unknown.err());
    assertEquals("vmha vm retry: nosuch is not a protected VM; nothing to retry\n", unknown.err());
    answer.set(Map.entry(409, "{\"error\":\"db1 is not given up: it runs at host2\"}"));
    CliRun.Result refused = vmha("vm", "retry", "db1");
    assertEquals(1, refused.exit());
    assertEquals("vmha vm retry: db1 is not given up: it runs at host2\n", refused.err());
  }

  @Test
  void aMissingHostIsAUsageError() {
    answer.set(Map.entry(200, "{}"));
    assertEquals(2, vmha("host", "ha", "disable").exit());
    assertEquals(2, vmha("ha", "toggle").exit());
    assertEquals(List.of(), posted);
  }
}
