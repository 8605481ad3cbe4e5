package dev.vmha.demo;

import dev.vmha.api.ApiRole;
import dev.vmha.api.TokenFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The host file of an agent started by the demo or the lab: fast timings (interval 250 ms, hostTimeout 3 s, election
 * window 2 s with datastores and the derived 625 ms without, lease margins 250 ms) so a failover takes seconds, plus where the agent lives and the directory of its
 * TLS stores (./vmha certs). One text for both, so what the lab measures is what the demo shows.
 */
public record AgentConfig(String hostId, String address, int port, int httpPort, Path dataDir, List<String> seeds,
    List<Path> datastores, String isolationAddress, String pingMethod, String hypervisor, Path tlsDir) {

  /** The host file; {@code extra} (HOCON) is appended, so its keys override these. */
  public String render(String extra) {
    return """
        # generated: timeouts scaled down so a failover takes seconds
        das {
          failuredetectioninterval = 250ms
          config.fdm.hostTimeout = 3s
          config.fdm.icmpPingTimeout = 1s
          config.fdm.deadIcmpPingInterval = 3s
          heartbeatdsperhost = 2
          usedefaultisolationaddress = false
          isolationaddress1 = "%s"
        }
        vmha {
          host { id = "%s", address = "%s", port = %d, http-port = %d, memory-mb = 4096, cpus = 8,
                 data-dir = "%s" }
          cluster.seed-nodes = [%s]
          datastores = [%s]
          election.window = "%s"
          ping.method = "%s"
          restart { power-on-timeout = 10s, retry-base-delay = 2s }
          lease { io-delay-max = 250ms, power-off-max = 250ms }
          hypervisor.type = "%s"
          tls.dir = "%s"
        }
        """.formatted(isolationAddress, hostId, address, port, httpPort, dataDir, quoted(seeds),
        quoted(datastores.stream().map(Path::toString).toList()), datastores.isEmpty() ? "" : "2s", pingMethod,
        hypervisor, tlsDir) + extra;
  }

  /**
   * One admin token for every agent this generator starts ({@code <dir>/api-tokens} holds its hash, {@code
   * <dir>/admin.token} its secret; both 0600, made once) and the host-file lines naming both: the agents accept it,
   * and {@code ./vmha status|vm --config <host file>} sends it.
   */
  public static String adminToken(Path dir) throws IOException {
    Path tokens = dir.resolve("api-tokens");
    Path secret = dir.resolve(ADMIN_TOKEN);
    if (!Files.exists(secret) || !Files.exists(tokens)) {
      Files.deleteIfExists(tokens);
      TokenFiles.writeSecret(secret, TokenFiles.add(tokens, "admin", ApiRole.ADMIN));
    }
    return "vmha.api { tokens-file = \"" + tokens + "\", token-file = \"" + secret + "\" }\n";
  }

  /** The file that holds the secret of {@link #adminToken}'s token. */
  public static final String ADMIN_TOKEN = "admin.token";

  private static String quoted(List<String> items) {
    return items.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
  }
}
