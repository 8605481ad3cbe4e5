package dev.vmha.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** ./vmha certs: the CA, the host stores, idempotence, rotation, and no secret printed or readable by others. */
class ClusterCaTest {
  @TempDir Path tmp;

  private Path dir() {
    return tmp.resolve("certs");
  }

  private char[] storePassword() throws Exception {
    return HostCertificate.readPassword(dir().resolve(ClusterCa.STORE_PASSWORD));
  }

  private X509Certificate hostCert(String id) throws Exception {
    return (X509Certificate) ClusterCa.load(dir().resolve(id + ".p12"), storePassword()).getCertificate("host");
  }

  private List<X509Certificate> trusted() throws Exception {
    KeyStore ts = ClusterCa.load(dir().resolve(ClusterCa.TRUST_STORE), storePassword());
    return Collections.list(ts.aliases()).stream().map(a -> {
      try {
        return (X509Certificate) ts.getCertificate(a);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  @Test
  void issuesAHostCertificateSignedByTheClusterCaNamingTheHostAndItsAddress() throws Exception {
    ClusterCa.Result r = new ClusterCa(dir()).issue(List.of(new ClusterCa.Host("host1", "10.0.0.11"),
        new ClusterCa.Host("host2", "esxi2.example")), false);
    assertTrue(r.caCreated());
    assertEquals(List.of("host1", "host2"), r.issued());
    X509Certificate ca = trusted().get(0);
    X509Certificate h1 = hostCert("host1");
    h1.verify(ca.getPublicKey());
    assertEquals("host1", HostCertificate.commonName(h1));
    assertEquals(List.of("10.0.0.11"), HostCertificate.names(h1));
    assertEquals(List.of("esxi2.example"), HostCertificate.names(hostCert("host2")));
    assertTrue(h1.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
        "server and client authentication: every agent accepts and opens connections");
    assertEquals(-1, h1.getBasicConstraints(), "a host certificate cannot sign others");
    assertEquals("EC", h1.getPublicKey().getAlgorithm());
  }

  @Test
  void everyFileIsReadableByItsOwnerOnly() throws Exception {
    new ClusterCa(dir()).issue(List.of(new ClusterCa.Host("host1", "127.0.0.1")), false);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir())));
    try (Stream<Path> files = Files.list(dir())) {
      List<Path> all = files.toList();
      assertEquals(5, all.size(), "ca.p12, ca-password, trust.p12, store-password, host1.p12 and no temporary file: " + all);
      for (Path f : all) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
      }
    }
  }

  @Test
  void aSecondRunReusesTheCaAndKeepsValidHostsWhileAddingNewOnes() throws Exception {
    ClusterCa ca = new ClusterCa(dir());
    ca.issue(List.of(new ClusterCa.Host("host1", "127.0.0.1")), false);
    byte[] caStore = Files.readAllBytes(dir().resolve(ClusterCa.CA_STORE));
    byte[] host1 = Files.readAllBytes(dir().resolve("host1.p12"));
    X509Certificate trustedBefore = trusted().get(0);

    ClusterCa.Result r = ca.issue(List.of(new ClusterCa.Host("host1", "127.0.0.1"),
        new ClusterCa.Host("host2", "127.0.0.1")), false);
    assertFalse(r.caCreated());
    assertEquals(List.of("host2"), r.issued());
    assertEquals(List.of("host1"), r.kept());
    assertArrayEquals(caStore, Files.readAllBytes(dir().resolve(ClusterCa.CA_STORE)), "the CA is not rotated");
    assertArrayEquals(host1, Files.readAllBytes(dir().resolve("host1.p12")), "a valid host store is kept");
    assertEquals(List.of(trustedBefore), trusted());
    hostCert("host2").verify(trustedBefore.getPublicKey());
  }

  @Test
  void aHostWhoseAddressChangedGetsANewCertificate() throws Exception {
    ClusterCa ca = new ClusterCa(dir());
    ca.issue(List.of(new ClusterCa.Host("host1", "10.0.0.11")), false);
    ClusterCa.Result r = ca.issue(List.of(new ClusterCa.Host("host1", "10.0.0.12")), false);
    assertEquals(List.of("host1"), r.issued());
    assertEquals(List.of("10.0.0.12"), HostCertificate.names(hostCert("host1")));
  }

  @Test
  void rotationTrustsBothCasUntilThePreviousIsRetired() throws Exception {
    ClusterCa ca = new ClusterCa(dir());
    ca.issue(List.of(new ClusterCa.Host("host1", "127.0.0.1")), false);
    X509Certificate old = trusted().get(0);

    ClusterCa.Result r = ca.issue(List.of(new ClusterCa.Host("host1", "127.0.0.1")), true);
    assertTrue(r.rotated());
    assertEquals(List.of("host1"), r.issued());
    List<X509Certificate> both = trusted();
    assertEquals(2, both.size());
    assertTrue(both.contains(old), "hosts still on the previous CA stay trusted during the rolling restart");
    X509Certificate current = both.stream().filter(c -> !c.equals(old)).findFirst().orElseThrow();
    hostCert("host1").verify(current.getPublicKey());
    assertNotEquals(old.getPublicKey(), current.getPublicKey());

    ca.retirePrevious();
    assertEquals(List.of(current), trusted());
  }

  @Test
  void theCommandNeverPrintsAPasswordAndRefusesABadHost() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = System.out;
    PrintStream e = System.err;
    int ok;
    int bad;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine cli = new CommandLine(new dev.vmha.cli.Vmha());
      ok = cli.execute("certs", "--dir", dir().toString(), "--host", "host1=127.0.0.1");
      bad = cli.execute("certs", "--dir", dir().toString(), "--host", "host 2");
    } finally {
      System.setOut(o);
      System.setErr(e);
    }
    assertEquals(0, ok, err.toString(StandardCharsets.UTF_8));
    assertEquals(2, bad);
    String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("created the cluster CA") && printed.contains("host1.p12"), printed);
    assertTrue(printed.contains("expected <host id>=<address>"), printed);
    for (String secret : List.of(ClusterCa.STORE_PASSWORD, ClusterCa.CA_PASSWORD)) {
      String pw = new String(HostCertificate.readPassword(dir().resolve(secret)));
      assertTrue(pw.length() >= 40, "a generated 256-bit password");
      assertFalse(printed.contains(pw), "the password of " + secret + " is never printed");
    }
  }

  @Test
  void aHostIdThatIsNoFileNameIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ClusterCa.Host("../etc/passwd", "127.0.0.1"));
    assertThrows(IllegalArgumentException.class, () -> ClusterCa.Host.parse("host1"));
  }
}
