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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `./vmha agent` refuses to start, with one clear line and a non-zero exit, where it could not run safely. */
class AgentStartRefusalTest {
  @TempDir Path dir;

  /** A host file of host1 on loopback; {@code extra} HOCON appended. */
  Path hostFile(String extra) throws Exception {
    return Files.writeString(dir.resolve("host1.conf"), """
        das { usedefaultisolationaddress = false, isolationaddress1 = "127.0.0.1" }
        vmha.host { id = "host1", port = 0, http-port = 0, data-dir = "%s" }
        vmha.hypervisor.type = "in-memory"
        vmha.watchdog.type = "none"
        """.formatted(dir.resolve("data")) + extra);
  }

  /** Runs {@code ./vmha args} in this JVM; returns the exit code and what it wrote to stderr. */
  static Result vmha(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      // an agent that is not refused runs until stopped: that is a failure of these tests, not a hang
      int code = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> ((IntSupplier) () -> new CommandLine(new Vmha()).execute(args)).getAsInt());
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
}
