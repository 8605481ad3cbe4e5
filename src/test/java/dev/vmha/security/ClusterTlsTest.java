package dev.vmha.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.config.TransportSettings;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A bad TLS store stops the agent at start with the key, the file and what is wrong; never with the password. */
class ClusterTlsTest {
  @TempDir Path tmp;
  Path certs;

  @BeforeEach
  void certs() throws Exception {
    certs = tmp.resolve("certs");
    new ClusterCa(certs).issue(List.of(new ClusterCa.Host("host1", "127.0.0.1"),
        new ClusterCa.Host("host2", "127.0.0.1")), false);
  }

  private static String hostFile(String id, String address, Path tlsDir, String extra) {
    return """
        vmha.host { id = "%s", address = "%s" }
        das.usedefaultisolationaddress = false
        das.isolationaddress1 = "127.0.0.1"
        vmha.tls.dir = "%s"
        """.formatted(id, address, tlsDir) + extra;
  }

  private HaSettings settings(String extra) {
    return HaSettings.from(ConfigFactory.parseString(hostFile("host1", "127.0.0.1", certs, extra))
        .withFallback(HaSettings.defaults()).resolve());
  }

  private SettingsException refused(String extra, String key, String... says) {
    SettingsException e = assertThrows(SettingsException.class, () -> ClusterTls.pekkoConfig(settings(extra)));
    assertTrue(e.getMessage().startsWith("invalid configuration " + key + " = "), e.getMessage());
    for (String s : says) assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
    return e;
  }

  @Test
  void goodStoresGiveMutualTls13WithHostnameVerification() {
    Config c = ClusterTls.pekkoConfig(settings("")).getConfig("pekko.remote.artery");
    assertEquals("tls-tcp", c.getString("transport"));
    Config ssl = c.getConfig("ssl.config-ssl-engine");
    assertTrue(ssl.getBoolean("require-mutual-authentication"));
    assertTrue(ssl.getBoolean("hostname-verification"));
    assertEquals("TLSv1.3", ssl.getString("protocol"));
    assertEquals(certs.resolve("host1.p12").toAbsolutePath().toString(), ssl.getString("key-store"));
  }

  @Test
  void eachStoreDefaultsToItsFileInTheDirectory() {
    TransportSettings.MutualTls t = (TransportSettings.MutualTls) settings("").transport();
    assertEquals(List.of(certs.resolve("host1.p12"), certs.resolve("trust.p12"), certs.resolve("store-password")),
        List.of(t.keyStore(), t.trustStore(), t.passwordFile()));
    SettingsException e = assertThrows(SettingsException.class, () -> settings("vmha.tls.dir = \"\""));
    assertTrue(e.getMessage().startsWith("invalid configuration vmha.tls.key-store = \"\": a file, or vmha.tls.dir"),
        e.getMessage());
  }

  @Test
  void plainTcpOnlyWhenSaidExplicitly() throws Exception {
    assertEquals("tcp", ClusterTls.pekkoConfig(settings("vmha.tls.transport = \"plain-tcp\""))
        .getString("pekko.remote.artery.transport"));
    assertThrows(SettingsException.class, () -> settings("vmha.tls.transport = \"off\""));
  }

  @Test
  void aMissingStoreNamesItsKey() throws Exception {
    Files.delete(certs.resolve("host1.p12"));
    refused("", "vmha.tls.key-store", "host1.p12", "no such readable file");
    refused("vmha.tls.password-file = \"" + tmp.resolve("nope") + "\"", "vmha.tls.password-file", "nope");
    refused("vmha.tls.key-store = \"" + certs.resolve("host2.p12") + "\", vmha.tls.trust-store = \""
        + tmp.resolve("none.p12") + "\"", "vmha.tls.key-store", "the key store of host1", "\"host2\"");
  }

  @Test
  void aWrongPasswordIsNamedWithoutPrintingEitherPassword() throws Exception {
    String right = new String(HostCertificate.readPassword(certs.resolve(ClusterCa.STORE_PASSWORD)));
    Files.writeString(certs.resolve(ClusterCa.STORE_PASSWORD), "not-the-password\n");
    SettingsException e = refused("", "vmha.tls.key-store", "opens with the password in vmha.tls.password-file");
    assertFalse(e.getMessage().contains("not-the-password") || e.getMessage().contains(right), e.getMessage());
  }

  @Test
  void aTrustStoreWithoutTheCaThatSignedThisHostIsRefused() throws Exception {
    Path other = tmp.resolve("other");
    new ClusterCa(other).issue(List.of(), false);
    KeyStore foreign = ClusterCa.load(other.resolve(ClusterCa.TRUST_STORE),
        HostCertificate.readPassword(other.resolve(ClusterCa.STORE_PASSWORD)));
    // another cluster's CA, in a store that opens with this host's password
    Path trust = tmp.resolve("foreign-trust.p12");
    try (OutputStream out = Files.newOutputStream(trust)) {
      foreign.store(out, HostCertificate.readPassword(certs.resolve(ClusterCa.STORE_PASSWORD)));
    }
    refused("vmha.tls.trust-store = \"" + trust + "\"", "vmha.tls.trust-store", "the CA that signed this host's",
        "it trusts [CN=vmha cluster CA");
  }

  @Test
  void aCertificateForAnotherAddressOrAStoreOthersCanReadIsRefused() throws Exception {
    SettingsException e = assertThrows(SettingsException.class, () -> ClusterTls.pekkoConfig(HaSettings.from(
        ConfigFactory.parseString(hostFile("host1", "10.0.0.11", certs, "")).withFallback(HaSettings.defaults())
            .resolve())));
    assertTrue(e.getMessage().contains("vmha.host.address 10.0.0.11") && e.getMessage().contains("--host host1=10.0.0.11"),
        e.getMessage());
    Files.setPosixFilePermissions(certs.resolve(ClusterCa.STORE_PASSWORD), PosixFilePermissions.fromString("rw-r--r--"));
    refused("", "vmha.tls.password-file", "chmod 600");
  }

  @Test
  void theAgentStopsAtStartWithTheError() throws Exception {
    Files.delete(certs.resolve("host1.p12"));
    Path conf = tmp.resolve("host1.conf");
    Files.writeString(conf, hostFile("host1", "127.0.0.1", certs, "vmha.host.data-dir = \"" + tmp.resolve("data")
        + "\"\nvmha.hypervisor.type = \"in-memory\"\nvmha.watchdog.type = \"none\"\nvmha.api.tokens-file = \""
        + tmp.resolve("api-tokens") + "\"\n"));
    dev.vmha.api.ApiTesting.tokens(tmp);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new dev.vmha.cli.Vmha()).execute("agent", "--config", conf.toString());
    } finally {
      System.setErr(e);
    }
    String printed = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, printed);
    assertTrue(printed.startsWith("vmha agent: invalid configuration vmha.tls.key-store = " + certs.resolve("host1.p12")),
        printed);
  }
}
