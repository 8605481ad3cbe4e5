package dev.vmha.cli;

import dev.vmha.security.ClusterCa;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "certs", description = {
    "Create the cluster's CA and each host's TLS key store for the cluster transport (docs/SECURITY.md).",
    "Writes into --dir: ca.p12 and ca-password (keep them here, never on a host), trust.p12, <host id>.p12 and"
        + " store-password (copy these three to the host). Running it again reuses the CA and keeps every host"
        + " certificate that is still valid for its address: it adds hosts without rotating anything."})
final class CertsCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "Where the CA and the stores are (created 0700 if missing).")
  Path dir;

  @Option(names = "--host", paramLabel = "ID=ADDRESS", description = "A host to issue a certificate for: its"
      + " vmha.host.id and vmha.host.address, e.g. host1=10.0.0.11 (repeat for each host).")
  List<String> hosts = new ArrayList<>();

  @Option(names = "--rotate", description = "Replace the CA with a new one and issue every --host again; trust.p12"
      + " trusts both CAs until --retire-previous-ca. The rolling procedure: docs/SECURITY.md.")
  boolean rotate;

  @Option(names = "--retire-previous-ca", description = "End a rotation: trust.p12 trusts only the current CA.")
  boolean retire;

  @Override
  public Integer call() {
    List<ClusterCa.Host> parsed = new ArrayList<>();
    try {
      for (String h : hosts) parsed.add(ClusterCa.Host.parse(h));
    } catch (IllegalArgumentException e) {
      System.err.println("vmha certs: --host " + e.getMessage());
      return ExitCode.USAGE;
    }
    if (retire && (rotate || !parsed.isEmpty())) {
      System.err.println("vmha certs: --retire-previous-ca runs alone, after every host has its new certificate");
      return ExitCode.USAGE;
    }
    ClusterCa ca = new ClusterCa(dir);
    try {
      if (retire) {
        ca.retirePrevious();
        System.out.println("trust store " + dir.resolve(ClusterCa.TRUST_STORE) + " now trusts only the current CA");
        return ExitCode.OK;
      }
      ClusterCa.Result r = ca.issue(parsed, rotate);
      System.out.println(r.rotated() ? "new cluster CA in " + dir.resolve(ClusterCa.CA_STORE)
          + "; trust.p12 trusts it and the previous CA"
          : r.caCreated() ? "created the cluster CA in " + dir.resolve(ClusterCa.CA_STORE)
          : "reused the cluster CA in " + dir.resolve(ClusterCa.CA_STORE));
      for (String h : r.issued()) System.out.println("issued " + dir.resolve(ClusterCa.keyStoreName(h)));
      for (String h : r.kept()) System.out.println("kept   " + dir.resolve(ClusterCa.keyStoreName(h)) + " (valid)");
      return ExitCode.OK;
    } catch (IOException | GeneralSecurityException e) {
      System.err.println("vmha certs: " + e.getMessage());
      return ExitCode.FAILED;
    }
  }
}
