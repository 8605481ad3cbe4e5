package dev.vmha.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** What a host certificate says about its host, and the store password file, for ClusterCa and ClusterTls. */
final class HostCertificate {
  private HostCertificate() {}

  /** The subject's CN: the host id. */
  static String commonName(X509Certificate cert) {
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) return rdn.getValue().toString();
      }
    } catch (InvalidNameException e) {
      return "";
    }
    return "";
  }

  /** The subject alternative names (IP addresses and DNS names): the host's address. */
  static List<String> names(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) for (List<?> san : sans) out.add(String.valueOf(san.get(1)));
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return out;
  }

  /** The password on the file's first line. */
  static char[] readPassword(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return lines.isEmpty() ? new char[0] : lines.get(0).strip().toCharArray();
  }
}
