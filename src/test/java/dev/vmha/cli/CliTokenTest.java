package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vmha.api.ApiRole;
import dev.vmha.api.TokenFiles;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line sends its token from VMHA_TOKEN, VMHA_TOKEN_FILE or the host file's vmha.api.token-file, and says
 * clearly what to do on 401 and 403. A stand-in agent on 127.0.0.1 accepts one token for status and refuses power-off.
 */
class CliTokenTest {
  static final String GOOD = "vmha_good";
  @TempDir Path dir;
  private HttpServer agent;
  private final List<String> sent = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    agent.createContext("/api/v1/", x -> {
      String auth = x.getRequestHeaders().getFirst("Authorization");
      sent.add(String.valueOf(auth));
      int code;
      String body;
      if (auth == null) {
        code = 401;
        body = "{\"error\":\"no API token: send the header\"}";
      } else if (!auth.equals("Bearer " + GOOD)) {
        code = 401;
        body = "{\"error\":\"unknown API token\"}";
      } else if (x.getRequestMethod().equals("POST")) {
        code = 403;
        body = "{\"error\":\"token \\\"ro\\\" has role read; POST /api/v1/vms/*/power-off needs role operator or above\"}";
      } else {
        code = 200;
        body = "{\"host\":\"host1\",\"role\":\"MASTER\",\"master\":\"host1\",\"cluster\":null,\"note\":\"n\","
            + "\"apiAuth\":\"TOKENS\"}";
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(code, b.length);
      x.getResponseBody().write(b);
      x.close();
    });
    agent.start();
  }

  @AfterEach
  void stop() {
    agent.stop(0);
  }

  private CliRun.Result run(Map<String, String> env, String... args) {
    return CliRun.vmha(env, null, args);
  }

  private String at() {
    return "127.0.0.1:" + agent.getAddress().getPort();
  }

  @Test
  void theTokenComesFromTheEnvironment() {
    CliRun.Result r = run(Map.of("VMHA_TOKEN", GOOD), "status", "--agent", at());
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("Bearer " + GOOD), sent);
    assertFalse(r.out().contains(GOOD) || r.err().contains(GOOD), "the secret is never printed");
  }

  @Test
  void theTokenComesFromAFileNamedInTheEnvironmentOrTheHostFile() throws Exception {
    Path secret = dir.resolve("op.token");
    TokenFiles.writeSecret(secret, GOOD);
    assertEquals(0, run(Map.of("VMHA_TOKEN_FILE", secret.toString()), "status", "--agent", at()).exit());
    Path host = dir.resolve("host1.conf");
    Files.writeString(host, """
        das { usedefaultisolationaddress = false, isolationaddress1 = "127.0.0.1" }
        vmha { host { id = "host1", address = "127.0.0.1", http-port = %d }, api.token-file = "%s" }
        """.formatted(agent.getAddress().getPort(), secret));
    CliRun.Result r = run(Map.of(), "status", "--config", host.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("Bearer " + GOOD, "Bearer " + GOOD), sent);
  }

  @Test
  void withoutATokenOrWithAWrongOneItSaysWhereATokenGoes() {
    CliRun.Result none = run(Map.of(), "status", "--agent", at());
    assertEquals(1, none.exit());
    assertTrue(none.err().contains("the agent refused the request (401: no API token") && none.err().contains(
        "give a token in VMHA_TOKEN, in a file named by VMHA_TOKEN_FILE, or in vmha.api.token-file"), none.err());
    CliRun.Result wrong = run(Map.of("VMHA_TOKEN", "vmha_bad"), "vm", "power-off", "web1", "--agent", at());
    assertEquals(1, wrong.exit());
    assertTrue(wrong.err().contains("(401: unknown API token; sent VMHA_TOKEN)"), wrong.err());
    assertFalse(wrong.err().contains("vmha_bad"), wrong.err());
  }

  @Test
  void aRoleTooLowIsNamed() {
    CliRun.Result r = run(Map.of("VMHA_TOKEN", GOOD), "vm", "power-off", "web1", "--agent", at());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("(403: token \"ro\" has role read; POST /api/v1/vms/*/power-off needs role operator or"
        + " above): use a token with that role"), r.err());
  }

  @Test
  void aTokenFileOthersCanReadIsRefusedBeforeAnythingIsSent() throws Exception {
    Path secret = dir.resolve("op.token");
    TokenFiles.writeSecret(secret, GOOD);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    CliRun.Result r = run(Map.of("VMHA_TOKEN_FILE", secret.toString()), "status", "--agent", at());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("chmod 600"), r.err());
    assertEquals(List.of(), sent);
  }

  @Test
  void anAgentWithoutAValidTokensFileRefusesToStart() throws Exception {
    Path host = dir.resolve("host1.conf");
    Files.writeString(host, """
        das { usedefaultisolationaddress = false, isolationaddress1 = "127.0.0.1" }
        vmha { host { id = "host1", address = "127.0.0.1", data-dir = "%s" }, hypervisor.type = "in-memory" }
        """.formatted(dir.resolve("data")));
    CliRun.Result missing = run(Map.of(), "agent", "--config", host.toString());
    assertEquals(2, missing.exit());
    assertEquals("vmha agent: invalid configuration vmha.api.tokens-file = " + dir.resolve("data/api-tokens")
        + ": no such file (the tokens file; ./vmha token add --name <name> --role <role> creates it)\n", missing.err());
    TokenFiles.add(dir.resolve("data/api-tokens"), "ops", ApiRole.OPERATOR);
    Files.setPosixFilePermissions(dir.resolve("data/api-tokens"), PosixFilePermissions.fromString("rw-rw-r--"));
    CliRun.Result open = run(Map.of(), "agent", "--config", host.toString());
    assertEquals(2, open.exit());
    assertTrue(open.err().contains("mode rw-rw-r-- lets others read or change the tokens file"), open.err());
  }

  @Test
  void tokenAddPrintsTheSecretOnceAndKeepsOnlyItsHash() throws Exception {
    Path file = dir.resolve("api-tokens");
    CliRun.Result add = run(Map.of(), "token", "add", "--file", file.toString(), "--name", "alice", "--role", "operator");
    assertEquals(0, add.exit(), add.err());
    String secret = add.out().strip();
    assertTrue(secret.startsWith("vmha_") && !secret.contains("\n"), add.out());
    assertFalse(Files.readString(file).contains(secret));
    assertEquals(ApiRole.OPERATOR, TokenFiles.load(file).match(secret).orElseThrow().role());
    CliRun.Result dup = run(Map.of(), "token", "add", "--file", file.toString(), "--name", "alice", "--role", "read");
    assertEquals(2, dup.exit());
    assertTrue(dup.err().contains("a token named \"alice\" exists"), dup.err());
    CliRun.Result role = run(Map.of(), "token", "add", "--file", file.toString(), "--name", "bob", "--role", "root");
    assertTrue(role.err().contains("unknown role \"root\" (allowed: read, operator, admin)"), role.err());
    Path kept = dir.resolve("bob.token");
    assertEquals(0, run(Map.of(), "token", "add", "--file", file.toString(), "--name", "bob", "--role", "read",
        "--secret-file", kept.toString()).exit());
    assertEquals("alice operator\nbob read\n", run(Map.of(), "token", "list", "--file", file.toString()).out());
    assertEquals("bob", TokenFiles.load(file).match(TokenFiles.readSecret(kept)).orElseThrow().name());
    assertEquals(0, run(Map.of(), "token", "remove", "--file", file.toString(), "--name", "alice").exit());
    assertEquals("bob read\n", run(Map.of(), "token", "list", "--file", file.toString()).out());
  }
}
