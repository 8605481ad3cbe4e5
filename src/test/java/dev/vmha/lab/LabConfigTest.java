package dev.vmha.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vmha.api.ApiRole;
import dev.vmha.api.TokenFiles;
import dev.vmha.config.ApiSettings;
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

  @Test
  void everyAgentAcceptsTheLabsAdminTokenWhichCurlSendsFromAFile() throws Exception {
    LabConfig.write(dir, 2, "10.231.0", "process", List.of(), "");
    HaSettings s = HaSettings.load(dir.resolve("h2.conf").toFile());
    assertEquals(ApiSettings.Auth.TOKENS, s.api().auth());
    String secret = TokenFiles.readSecret(s.api().tokenFile().orElseThrow());
    assertEquals(ApiRole.ADMIN, TokenFiles.load(s.api().tokensFile()).match(secret).orElseThrow().role());
    assertEquals("Authorization: Bearer " + secret, Files.readString(dir.resolve(LabConfig.AUTH_HEADER)).strip());
    assertFalse(Files.readString(dir.resolve("h2.conf")).contains(secret), "host files name the secret's file only");
    // a second write (lab config run again) keeps the token the running clients hold
    LabConfig.write(dir, 2, "10.231.0", "process", List.of(), "");
    assertEquals(secret, TokenFiles.readSecret(s.api().tokenFile().orElseThrow()));
  }
}
