package dev.vmha.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logback files README documents configure without an error, and every line carries an ISO-8601 time with zone
 * and the host id the agent sets (issue 22 item 7).
 */
class LogbackFilesTest {
  @TempDir Path dir;

  /** Configures a fresh context from {@code file}, logs one warning as host7, returns what the context reported. */
  private List<Status> logOnce(Path file) throws Exception {
    LoggerContext c = new LoggerContext();
    c.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    JoranConfigurator j = new JoranConfigurator();
    j.setContext(c);
    j.doConfigure(file.toFile());
    c.putProperty("vmha.host", "host7");
    c.getLogger("dev.vmha.lease.VmLeases").warn("lease of vm1 not renewed");
    c.stop();
    return c.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() >= Status.WARN).toList();
  }

  private static final String ISO_LINE =
      "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) host7 WARN  VmLeases - lease of vm1 not renewed";

  @Test
  void theShippedConsoleConfigurationWritesIsoTimeWithZoneAndTheHost() throws Exception {
    String out = captured(() -> assertEquals(List.of(), logOnce(Path.of("src/main/resources/logback.xml"))));
    assertTrue(out.strip().matches(ISO_LINE), out);
  }

  @Test
  void theRotatedFileConfigurationWritesTheSameLines() throws Exception {
    Path log = dir.resolve("agent.log");
    System.setProperty("vmha.log.file", log.toString());
    try {
      assertEquals(List.of(), logOnce(Path.of("conf/logback-file.xml")));
    } finally {
      System.clearProperty("vmha.log.file");
    }
    assertTrue(Files.readString(log).strip().matches(ISO_LINE), Files.readString(log));
  }

  @Test
  void theJsonConfigurationWritesOneObjectALineWithTheHost() throws Exception {
    String out = captured(() -> assertEquals(List.of(), logOnce(Path.of("conf/logback-json.xml"))));
    String line = out.strip();
    assertEquals(1, line.lines().count(), out);
    assertTrue(line.startsWith("{") && line.contains("\"level\":\"WARN\"") && line.contains("\"vmha.host\":\"host7\"")
        && line.contains("\"message\":\"lease of vm1 not renewed\""), line);
  }

  interface Action {
    void run() throws Exception;
  }

  private static String captured(Action a) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
    try {
      a.run();
    } finally {
      System.setOut(old);
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
