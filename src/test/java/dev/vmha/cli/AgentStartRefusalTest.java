package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.IntSupplier;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.api.ApiTesting;
import dev.vmha.testing.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./vmha agent` refuses to start, with one clear line and a non-zero exit, where it could not run safely. */
class AgentStartRefusalTest {
  @TempDir Path dir;

  /** A host file of host1 on loopback, with its API tokens and TLS stores; {@code extra} HOCON appended. */
  Path hostFile(String extra) throws Exception {
    if (!Files.exists(dir.resolve("api-tokens"))) ApiTesting.tokens(dir);
    return Files.writeString(dir.resolve("host1.conf"), """
        das { usedefaultisolationaddress = false, isolationaddress1 = "127.0.0.1" }
        vmha.host { id = "host1", port = 0, http-port = 0, data-dir = "%s" }
        vmha.hypervisor.type = "in-memory"
        vmha.watchdog.type = "none"
        vmha.api.tokens-file = "%s"
        vmha.tls.dir = "%s"
        """.formatted(dir.resolve("data"), dir.resolve("api-tokens"), TestTls.dir()) + extra);
  }

  /** Runs {@code ./vmha args} in this JVM; returns the exit code and what it wrote to stderr. */
  static Result vmha(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      // an agent that is not refused runs until stopped: that is a failure of these tests, not a hang
      int code = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> ((IntSupplier) () -> Vmha.commandLine().execute(args)).getAsInt());
      return new Result(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(old);
    }
  }

  record Result(int code, String err) {}

  @Test
  void aClusterPortInUseIsOneLineNamingTheAddressPortAndSetting() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Path conf = hostFile("vmha.host { address = \"127.0.0.1\", port = " + taken.getLocalPort() + " }\n");
      Result r = vmha("agent", "--config", conf.toString());
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().startsWith("vmha agent: cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + " (vmha.host.address, vmha.host.port): "), r.err());
      assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }
  }

  /**
   * Issue 20 finding 7: a datastore missing at start is tolerated, as vSphere HA does (an NFS mount may come after
   * the host boots), but said on stderr, not only as an INFO event. The busy cluster port then stops this agent.
   */
  @Test
  void aDatastoreMissingAtStartIsWarnedAbout() throws Exception {
    Path missing = dir.resolve("ds-not-mounted");
    Path file = Files.writeString(dir.resolve("ds-a-file"), "");
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Path conf = hostFile("vmha { datastores = [\"%s\", \"%s\"], host { address = \"127.0.0.1\", port = %d } }\n"
          .formatted(missing, file, taken.getLocalPort()));
      Result r = vmha("agent", "--config", conf.toString());
      java.util.List<String> lines = r.err().strip().lines().toList();
      assertEquals(3, lines.size(), r.err());
      assertTrue(lines.get(0).startsWith("vmha agent: warning: datastore " + missing + " (vmha.datastores) does not"
          + " exist (not mounted?); starting anyway: "), r.err());
      assertTrue(lines.get(1).startsWith("vmha agent: warning: datastore " + file + " (vmha.datastores) is not a"
          + " directory; starting anyway: "), r.err());
      assertTrue(lines.get(2).startsWith("vmha agent: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
    }
  }

  /** Issue 20 finding 5: another live agent of this id (at another address) writes its heartbeat on a datastore. */
  @Test
  void anAgentWhoseIdAnotherLiveAgentHeartbeatsUnderIsRefused() throws Exception {
    Path ds = Files.createDirectories(dir.resolve("ds1"));
    Path conf = hostFile("""
        das { failuredetectioninterval = 200ms, config.fdm.hostTimeout = 1s }
        vmha { datastores = ["%s"], lease.io-delay-max = 100ms }
        """.formatted(ds));
    java.util.concurrent.ScheduledExecutorService other = java.util.concurrent.Executors.newScheduledThreadPool(1);
    java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong();
    DirectoryDatastore store = new DirectoryDatastore(ds, Runnable::run);
    // the other host1, a member at 10.0.0.9:2551, beats every 100 ms
    java.util.concurrent.CountDownLatch beating = new java.util.concurrent.CountDownLatch(2);
    other.scheduleAtFixedRate(() -> {
      store.writeHeartbeat(new HostHeartbeat("host1", counter.incrementAndGet(), java.time.Instant.now(),
          "10.0.0.9:2551")).toCompletableFuture().join();
      beating.countDown();
    }, 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      assertTrue(beating.await(30, java.util.concurrent.TimeUnit.SECONDS), "the other agent beats");
      Result r = vmha("agent", "--config", conf.toString());
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().startsWith("vmha agent: vmha.host.id = \"host1\" is in use: another agent with this id"
          + " writes its heartbeat on datastore " + ds + " (from 10.0.0.9:2551;"), r.err());
      assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void aSecondAgentOnTheSameDataDirectoryIsRefusedNamingThePidHoldingIt() throws Exception {
    Path conf = hostFile("");
    Process first = dev.vmha.host.LockHolder.start(dir.resolve("data"), "agent");
    try {
      Result r = vmha("agent", "--config", conf.toString());
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains("vmha.host.data-dir " + dir.resolve("data") + " is in use by pid " + first.pid()),
          r.err());
      assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    } finally {
      first.getOutputStream().close();
      first.waitFor();
    }
  }
  /**
   * Without datastores an unreadable promise ({@code <data-dir>/list-promise}) refuses the start: with no promise this
   * host could hold a deposed master's lists. The line names the file, why, and what to do.
   */
  @Test
  void withoutDatastoresAnUnreadablePromiseIsRefusedNamingTheFileAndWhatToDo() throws Exception {
    Path conf = hostFile("vmha.datastores = []\n");
    Path promise = Files.createDirectories(dir.resolve("data")).resolve("list-promise");
    Files.writeString(promise, "not a state file\n");
    Result r = vmha("agent", "--config", conf.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("vmha agent: the epoch this host promised, " + promise.toAbsolutePath()
        + " cannot be read ("), r.err());
    assertTrue(r.err().contains("move the file away and start the agent again"), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
  }
}
