package dev.vmha.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.config.HaSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabConfigTest {
  @TempDir Path dir;

  @Test
  void eachHostIsBoundToItsOwnAddressAndPingsTheGatewayOverIcmpThroughItsOwnDatastoreLinks() throws Exception {
    Files.writeString(dir.resolve("extra.conf"), "das.isolationShutdownTimeout = 5s\n");
    LabConfig.write(dir, 3, "10.231.0", "process", List.of("ds1", "ds2"), Files.readString(dir.resolve("extra.conf")));
    HaSettings s = HaSettings.load(dir.resolve("h3.conf").toFile());
    assertEquals("host3", s.hostId());
    assertEquals("10.231.0.13", s.hostAddress());
    assertEquals(List.of("10.231.0.1"), s.isolationAddresses());
    assertEquals(HaSettings.PingMethod.ICMP, s.pingMethod());
    // every host is a seed node: the nodelist a cold start waits for
    assertEquals(List.of("10.231.0.11:2551", "10.231.0.12:2551", "10.231.0.13:2551"), s.seedNodes());
    // the link, not its target: datastore-off repoints it while the agent runs
    assertEquals(List.of(dir.resolve("h3/ds1"), dir.resolve("h3/ds2")), s.datastores());
    // every host runs the process watchdog, with the lab's restart grace
    assertEquals(dev.vmha.config.WatchdogSettings.Type.PROCESS, s.watchdog().type());
    assertEquals(Duration.ofSeconds(30), s.watchdog().timeout());
    // the extra file wins over the generated text
    assertEquals(Duration.ofSeconds(5), s.isolationShutdownTimeout());
  }
}
