package dev.vmha.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.config.TransportSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The cluster transport's Pekko settings. With TLS the stores are checked first, so that a missing file, a wrong
 * password, another host's key store, an expired certificate or a trust store without its CA stops the agent at start
 * with the key that names it, rather than leaving it to fail every handshake unexplained.
 *
 * <p>Choices (docs/SECURITY.md): TLS 1.3 only (every agent runs the same JDK 17+); mutual authentication, so the
 * accepting side refuses a peer without a certificate of the cluster CA before any message is read; hostname
 * verification on: a host's certificate names its {@code vmha.host.address}, and a connecting host checks it against
 * the address it dialled, so one member's key cannot answer for another member's address.
 */
public final class ClusterTls {
  static final String PROTOCOL = "TLSv1.3";
  static final List<String> CIPHERS = List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
  private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private ClusterTls() {}

  /** The {@code pekko.remote.artery} settings of this host's transport; throws SettingsException for a bad store. */
  public static Config pekkoConfig(HaSettings s) {
    if (!(s.transport() instanceof TransportSettings.MutualTls t)) {
      return ConfigFactory.parseString("pekko.remote.artery.transport = tcp");
    }
    char[] pw = password(t.passwordFile());
    X509Certificate cert = hostCertificate(t.keyStore(), pw, s.hostId(), s.hostAddress());
    checkTrust(t.trustStore(), pw, cert);
    String p = "pekko.remote.artery.ssl.config-ssl-engine.";
    String password = new String(pw);
    return ConfigFactory.empty()
        .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
        .withValue("pekko.remote.artery.ssl.ssl-engine-provider",
            ConfigValueFactory.fromAnyRef("org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider"))
        .withValue(p + "key-store", ConfigValueFactory.fromAnyRef(t.keyStore().toAbsolutePath().toString()))
        .withValue(p + "trust-store", ConfigValueFactory.fromAnyRef(t.trustStore().toAbsolutePath().toString()))
        .withValue(p + "key-store-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(p + "key-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(p + "trust-store-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(p + "protocol", ConfigValueFactory.fromAnyRef(PROTOCOL))
        .withValue(p + "enabled-algorithms", ConfigValueFactory.fromIterable(CIPHERS))
        .withValue(p + "require-mutual-authentication", ConfigValueFactory.fromAnyRef(true))
        .withValue(p + "hostname-verification", ConfigValueFactory.fromAnyRef(true));
  }

  /** The transport an actor system runs: TLS only with Artery's tls-tcp. */
  public static TransportSettings.Kind running(Config pekko) {
    return pekko.getString("pekko.remote.artery.transport").equals("tls-tcp") ? TransportSettings.Kind.TLS
        : TransportSettings.Kind.PLAIN_TCP;
  }

  private static char[] password(Path file) {
    String key = "vmha.tls.password-file";
    privateFile(key, file, "a file whose first line is the stores' password (./vmha certs writes store-password)");
    try {
      char[] pw = HostCertificate.readPassword(file);
      if (pw.length == 0) throw new SettingsException(key, file, "a file whose first line is the stores' password; it is empty");
      return pw;
    } catch (IOException e) {
      throw new SettingsException(key, file, "a readable file (" + e.getMessage() + ")");
    }
  }

  /** This host's certificate, after checking that the key store opens and belongs to this host. */
  private static X509Certificate hostCertificate(Path file, char[] pw, String hostId, String address) {
    String key = "vmha.tls.key-store";
    privateFile(key, file, "this host's key store (./vmha certs writes <host id>.p12)");
    KeyStore ks = open(key, file, pw);
    try {
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.isKeyEntry(alias) || !(ks.getCertificate(alias) instanceof X509Certificate cert)) continue;
        String cn = HostCertificate.commonName(cert);
        if (!cn.equals(hostId)) {
          throw new SettingsException(key, file, "the key store of " + hostId + ": it holds the certificate of \""
              + cn + "\"");
        }
        if (!HostCertificate.names(cert).contains(address)) {
          throw new SettingsException(key, file, "a certificate naming vmha.host.address " + address + " (peers verify"
              + " it); it names " + HostCertificate.names(cert) + ": issue it again with ./vmha certs --host "
              + hostId + "=" + address);
        }
        valid(key, file, cert);
        return cert;
      }
    } catch (GeneralSecurityException e) {
      throw new SettingsException(key, file, "a readable PKCS12 key store (" + e.getMessage() + ")");
    }
    throw new SettingsException(key, file, "a key store holding this host's key and certificate; it holds no key");
  }

  /** The trust store must hold the CA that signed this host's certificate, or every peer would refuse it. */
  private static void checkTrust(Path file, char[] pw, X509Certificate own) {
    String key = "vmha.tls.trust-store";
    if (!Files.isReadable(file)) {
      throw new SettingsException(key, file, "the cluster's trust store (./vmha certs writes trust.p12); no such readable file");
    }
    KeyStore ts = open(key, file, pw);
    List<String> cas = new ArrayList<>();
    try {
      for (String alias : Collections.list(ts.aliases())) {
        if (!(ts.getCertificate(alias) instanceof X509Certificate ca) || !ts.isCertificateEntry(alias)) continue;
        cas.add(ca.getSubjectX500Principal().getName());
        try {
          own.verify(ca.getPublicKey());
          valid(key, file, ca);
          return;
        } catch (GeneralSecurityException notThisOne) {
          // signed by another CA of the store, or by none
        }
      }
    } catch (GeneralSecurityException e) {
      throw new SettingsException(key, file, "a readable PKCS12 trust store (" + e.getMessage() + ")");
    }
    throw new SettingsException(key, file, "the CA that signed this host's certificate (" + own.getIssuerX500Principal()
        .getName() + "); it trusts " + (cas.isEmpty() ? "no CA" : cas));
  }

  private static KeyStore open(String key, Path file, char[] pw) {
    try {
      return ClusterCa.load(file, pw);
    } catch (IOException e) {
      // PKCS12 reports a wrong password as an IOException whose cause is UnrecoverableKeyException
      throw new SettingsException(key, file, "a PKCS12 store that opens with the password in vmha.tls.password-file ("
          + (e.getCause() != null ? e.getCause().getClass().getSimpleName() : e.getMessage()) + ")");
    } catch (GeneralSecurityException e) {
      throw new SettingsException(key, file, "a PKCS12 store (" + e.getMessage() + ")");
    }
  }

  private static void valid(String key, Path file, X509Certificate cert) {
    try {
      cert.checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new SettingsException(key, file, "a certificate valid now; " + cert.getSubjectX500Principal().getName()
          + " is valid from " + cert.getNotBefore().toInstant() + " to " + cert.getNotAfter().toInstant()
          + " (renew: ./vmha certs, docs/SECURITY.md)");
    }
  }

  /** A secret readable by its owner only, like ssh's keys: a store others can read is a key others can use. */
  private static void privateFile(String key, Path file, String what) {
    if (!Files.isReadable(file)) throw new SettingsException(key, file, what + "; no such readable file");
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      perms.retainAll(OTHERS);
      if (!perms.isEmpty()) {
        throw new SettingsException(key, file, "a file only its owner can read or write (chmod 600); it allows " + perms);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new SettingsException(key, file, what + " (" + e.getMessage() + ")");
    }
  }
}
