package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.api.ApiTesting;
import dev.vmha.api.HttpApi;
import dev.vmha.api.TokenFiles;
import dev.vmha.config.HaSettings;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import dev.vmha.history.HistoryJournal;
import dev.vmha.history.HistoryReader;
import dev.vmha.history.HistoryTesting;
import dev.vmha.host.LockHolder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./vmha history reads a running agent's history through its API (the agent holds the H2 file, which serves no one
 * else), and a stopped agent's from the file.
 */
class HistoryCommandTest {
  @TempDir Path dir;

  @Test
  void readsARunningAgentsHistoryThroughItsApiAndAStoppedOnesFromItsFile() throws Exception {
    Path data = dir.resolve("data");
    HaSettings s = HistoryTesting.settings("host1", data, "");
    ActorTestKit kit = HistoryTesting.kit("HistoryOverApi", s);
    ExecutorService blocking = Executors.newSingleThreadExecutor();
    Path conf;
    try {
      ActorRef<HistoryJournal.Command> journal = kit.spawn(HistoryJournal.create(HistoryJournal.own("host1"), 600));
      TestProbe<Done> stored = kit.createTestProbe();
      journal.tell(new HistoryJournal.Record(HistoryTesting.own("host1", 1), stored.ref()));
      // the first write opens the database: slow on a loaded machine
      stored.expectMessage(Duration.ofSeconds(30), Done.getInstance());
      HistoryReader inAgent = new HistoryReader(kit.system());
      // the command line sends the host file's token, as it would to a real agent
      ApiTesting.Tokens tokens = ApiTesting.tokens(dir);
      Path secret = dir.resolve("read.token");
      TokenFiles.writeSecret(secret, tokens.read());
      ServerBinding api = new HttpApi(kit.system(), kit.spawn(Behaviors.<ElectionFsm.Command>ignore()),
          dev.vmha.api.ApiTesting.watchdog(kit), EventLog.inMemory(), Duration.ofSeconds(10), s.restart(),
          s.apiMaxRequestsInFlight(), tokens.auth())
          .servingHistory(() -> inAgent.readAsync(s, blocking))
          .bind("127.0.0.1", 0).toCompletableFuture().get();
      conf = Files.writeString(dir.resolve("host1.conf"), """
          das { usedefaultisolationaddress = false, isolationaddress1 = "127.0.0.1" }
          vmha.host { id = "host1", address = "127.0.0.1", http-port = %d, data-dir = "%s" }
          vmha.api { tokens-file = "%s", token-file = "%s" }
          """.formatted(api.localAddress().getPort(), data, dir.resolve("api-tokens"), secret));
      // the agent's process holds the data directory
      Process agent = LockHolder.start(data, "agent");
      try {
        Result r = vmha("history", "--config", conf.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"type\":\"ElectionStarted\"") && r.out().contains("event 1"), r.out());
        assertEquals("", r.err());
      } finally {
        agent.getOutputStream().close();
        agent.waitFor();
        api.unbind().toCompletableFuture().get();
      }
    } finally {
      kit.shutdownTestKit();
      blocking.shutdown();
    }
    // the agent stopped: its file, read directly
    Result r = vmha("history", "--config", conf.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("event 1"), r.out());
    // a VM no event mentions is not found: exit 3 (issue 22: it was 0)
    Result nosuch = vmha("explain", "vm", "nosuch", "--config", conf.toString());
    assertEquals(3, nosuch.code(), nosuch.out() + nosuch.err());
    assertTrue(nosuch.out().contains("no event mentions nosuch"), nosuch.out());
  }

  record Result(int code, String out, String err) {}

  static Result vmha(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Vmha.commandLine().execute(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
