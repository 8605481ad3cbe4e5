package dev.vmha.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster's certificate authority and its hosts' TLS key stores, all in one directory ({@code ./vmha certs}):
 * <ul>
 *   <li>{@code ca.p12} + {@code ca-password}: the CA's key; stays where certificates are issued, never on a host;
 *   <li>{@code trust.p12}: the CA certificates a host trusts (the current one; during a rotation also the previous);
 *   <li>{@code <host id>.p12}: one host's key and its certificate (CN = host id, SAN = the host's address);
 *   <li>{@code store-password}: the password of {@code trust.p12} and of every host key store.
 * </ul>
 * Every file is 0600 in a 0700 directory, written to a temporary file and renamed. Keys are EC P-256 (fast to
 * generate, TLS 1.3's default curve). Re-running is idempotent: the CA is reused and a host keeps its key store while
 * it is signed by the current CA, names the requested address and has more than 30 days left.
 */
public final class ClusterCa {
  public static final String CA_STORE = "ca.p12";
  public static final String CA_PASSWORD = "ca-password";
  public static final String TRUST_STORE = "trust.p12";
  public static final String STORE_PASSWORD = "store-password";
  static final String CA_ALIAS = "ca";
  static final String HOST_ALIAS = "host";
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration HOST_VALIDITY = Duration.ofDays(825);
  /** A host certificate that expires sooner is issued again on the next run, in time for a rolling restart. */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A host to issue a certificate for: its {@code vmha.host.id} and {@code vmha.host.address}. */
  public record Host(String id, String address) {
    /** host1 .. host{@code n}, all on 127.0.0.1: the demo's, the simulation's and the tests' hosts. */
    public static java.util.List<Host> loopback(int n) {
      return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> new Host("host" + i, "127.0.0.1")).toList();
    }

    public Host {
      if (id == null || !HOST_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("host id \"" + id + "\": 1-63 letters, digits, '.', '_' or '-', starting"
            + " with a letter or digit");
      }
      if (address == null || address.isBlank() || address.contains(",") || address.contains(" ")) {
        throw new IllegalArgumentException("host " + id + ": address \"" + address + "\" is not an IP address or"
            + " DNS name");
      }
    }

    /** {@code id=address}, as {@code ./vmha certs --host} takes it. */
    public static Host parse(String s) {
      int eq = s.indexOf('=');
      if (eq < 0) throw new IllegalArgumentException("\"" + s + "\": expected <host id>=<address>, e.g. host1=10.0.0.11");
      return new Host(s.substring(0, eq), s.substring(eq + 1));
    }
  }

  /** What one run did, for the operator (never a password). */
  public record Result(boolean caCreated, boolean rotated, List<String> issued, List<String> kept) {}

  private final Path dir;

  public ClusterCa(Path dir) {
    this.dir = dir;
  }

  public static String keyStoreName(String hostId) {
    return hostId + ".p12";
  }

  /**
   * Makes sure the CA and a key store per host exist. With {@code rotate} a new CA replaces the current one, the
   * trust store keeps the previous CA beside it (hosts not yet updated are still trusted), and every listed host gets
   * a new certificate.
   */
  public Result issue(List<Host> hosts, boolean rotate) throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    char[] storePassword = password(STORE_PASSWORD);
    Optional<Authority> existing = Files.exists(dir.resolve(CA_STORE)) ? Optional.of(loadCa()) : Optional.empty();
    Authority ca = existing.isPresent() && !rotate ? existing.get() : newCa();
    boolean created = existing.isEmpty() || rotate;
    if (created) {
      List<X509Certificate> trusted = new ArrayList<>(List.of(ca.cert));
      if (existing.isPresent()) trusted.add(existing.get().cert);
      writeTrust(trusted, storePassword);
      KeyStore caStore = emptyStore();
      caStore.setKeyEntry(CA_ALIAS, ca.key, password(CA_PASSWORD), new Certificate[] {ca.cert});
      writeStore(caStore, CA_STORE, password(CA_PASSWORD));
    } else if (!Files.exists(dir.resolve(TRUST_STORE))) {
      writeTrust(List.of(ca.cert), storePassword);
    }
    List<String> issued = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (Host h : hosts) {
      if (!created && current(h, ca, storePassword)) {
        kept.add(h.id());
        continue;
      }
      KeyPair kp = keyPair();
      X509Certificate cert = hostCertificate(h, kp, ca);
      KeyStore ks = emptyStore();
      ks.setKeyEntry(HOST_ALIAS, kp.getPrivate(), storePassword, new Certificate[] {cert, ca.cert});
      writeStore(ks, keyStoreName(h.id()), storePassword);
      issued.add(h.id());
    }
    return new Result(created, rotate && existing.isPresent(), issued, kept);
  }

  /** Ends a rotation: the trust store holds only the current CA, so certificates of the previous one are refused. */
  public void retirePrevious() throws IOException, GeneralSecurityException {
    if (!Files.exists(dir.resolve(CA_STORE))) throw new IOException("no cluster CA in " + dir + " (" + CA_STORE + ")");
    writeTrust(List.of(loadCa().cert), password(STORE_PASSWORD));
  }

  /**
   * True when the host's key store exists, is signed by this CA, names the host's id and address, and stays valid for
   * {@link #RENEW_BEFORE}.
   */
  private boolean current(Host h, Authority ca, char[] storePassword) throws IOException, GeneralSecurityException {
    Path p = dir.resolve(keyStoreName(h.id()));
    if (!Files.exists(p)) return false;
    X509Certificate cert = (X509Certificate) load(p, storePassword).getCertificate(HOST_ALIAS);
    if (cert == null || !cert.getIssuerX500Principal().equals(ca.cert.getSubjectX500Principal())) return false;
    try {
      cert.verify(ca.cert.getPublicKey());
      cert.checkValidity(Date.from(Instant.now().plus(RENEW_BEFORE)));
    } catch (GeneralSecurityException e) {
      return false;
    }
    return HostCertificate.commonName(cert).equals(h.id()) && HostCertificate.names(cert).contains(h.address());
  }

  private record Authority(PrivateKey key, X509Certificate cert) {}

  private Authority loadCa() throws IOException, GeneralSecurityException {
    char[] pw = password(CA_PASSWORD);
    KeyStore ks = load(dir.resolve(CA_STORE), pw);
    return new Authority((PrivateKey) ks.getKey(CA_ALIAS, pw), (X509Certificate) ks.getCertificate(CA_ALIAS));
  }

  private static Authority newCa() throws GeneralSecurityException {
    KeyPair kp = keyPair();
    Instant now = Instant.now();
    // the creation time in the name tells a rotated CA from its predecessor in a trust store listing
    X500Principal name = new X500Principal("CN=vmha cluster CA " + now.getEpochSecond() + ", O=vmha");
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    try {
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(60)),
          Date.from(now.plus(CA_VALIDITY)), name, kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      return new Authority(kp.getPrivate(), sign(b, kp.getPrivate()));
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static X509Certificate hostCertificate(Host h, KeyPair kp, Authority ca) throws GeneralSecurityException {
    Instant now = Instant.now();
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    // an IP SAN for an address, a DNS SAN for a name: what hostname verification compares with the dialled address
    GeneralName address = IPV4.matcher(h.address()).matches() || h.address().contains(":")
        ? new GeneralName(GeneralName.iPAddress, h.address()) : new GeneralName(GeneralName.dNSName, h.address());
    try {
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert, serial(), Date.from(now.minusSeconds(60)),
          Date.from(now.plus(HOST_VALIDITY)), new X500Principal("CN=" + h.id() + ", O=vmha"), kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          // every agent both accepts and opens cluster connections
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(address))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      return sign(b, ca.key);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
          .build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM);
  }

  private void writeTrust(Collection<X509Certificate> cas, char[] pw) throws IOException, GeneralSecurityException {
    KeyStore ts = emptyStore();
    int i = 0;
    for (X509Certificate c : cas) ts.setCertificateEntry(i++ == 0 ? CA_ALIAS : "ca-previous", c);
    writeStore(ts, TRUST_STORE, pw);
  }

  /** The password in {@code name}, generated (32 random bytes, Base64) when the file does not exist. */
  private char[] password(String name) throws IOException {
    Path p = dir.resolve(name);
    if (!Files.exists(p)) {
      byte[] raw = new byte[32];
      RANDOM.nextBytes(raw);
      String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      writeSecret(name, out -> out.write((pw + "\n").getBytes(StandardCharsets.UTF_8)));
    }
    return HostCertificate.readPassword(p);
  }

  private static KeyStore emptyStore() throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    return ks;
  }

  static KeyStore load(Path p, char[] pw) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p)) {
      ks.load(in, pw);
    }
    return ks;
  }

  private void writeStore(KeyStore ks, String name, char[] pw) throws IOException {
    writeSecret(name, out -> {
      try {
        ks.store(out, pw);
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot write " + name + ": " + e.getMessage(), e);
      }
    });
  }

  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** A 0600 file from its first byte (a temporary file renamed into place: never half-written, never readable). */
  private void writeSecret(String name, Writer w) throws IOException {
    Path tmp = Files.createTempFile(dir, "." + name, ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        w.write(out);
      }
      Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
