package dev.vmha.lab;

import dev.vmha.api.TokenFiles;
import dev.vmha.demo.AgentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The lab's host files: host i at {@code <subnet>.(10+i)} in its own namespace, the bridge's gateway
 * {@code <subnet>.1} as its isolation address, real ICMP, and the datastores through the host's own links
 * {@code hN/ds1 -> ../ds1} (a fault repoints them for one host). Every agent has the same ports: each has its own
 * network namespace.
 */
public final class LabConfig {
  public static final int CLUSTER_PORT = 2551;
  public static final int HTTP_PORT = 8551;
  /** Where lab up has ./vmha certs write the lab's CA and host stores. */
  public static final String CERTS = "certs";

  /**
   * The lab's restart grace, {@code vmha.watchdog.timeout}: every host runs the process watchdog (deploy/lab/lab starts
   * it outside the host's namespace), and an agent killed and restarted by its run loop must pet it again within this,
   * or its VMs are stopped and restarted elsewhere. Measured in the lab (docs/RELIABILITY.md, agent-restart; 2-core
   * machine, JVMs with the class-data archive): kill to the new agent's first pet 6.4-8.4 s, 9.6-13.3 s while other
   * work loaded the machine (load average 16-35), and once 22.5 s at load average 43 (the JVM and actor system took
   * 14.3 s, arming 7.7 s more); 30 s leaves a third of that again as margin.
   * Being longer than hostTimeout - 2 intervals, it lengthens the lease expiry ({@code TimingRules.leaseFenceAfter}): a
   * crashed host's VMs start elsewhere only after it, as with sbd or Proxmox.
   */
  static final String WATCHDOG = "vmha.watchdog { type = \"process\", timeout = 30s }\n";

  private LabConfig() {}

  public static String address(String subnet, int host) {
    return subnet + "." + (10 + host);
  }

  /**
   * The header file curl sends to every agent ({@code curl -H @file}, so the secret is in no command line): the
   * Authorization header of the lab's admin token ({@link AgentConfig#adminToken}).
   */
  public static final String AUTH_HEADER = "admin.header";

  /**
   * Writes {@code <dir>/hN.conf} for hosts 1..n, the admin token they all accept and its {@link #AUTH_HEADER};
   * {@code extra} (HOCON) is appended to each.
   */
  public static void write(Path dir, int hosts, String subnet, String hypervisor, List<String> datastores,
      String extra) throws IOException {
    String api = AgentConfig.adminToken(dir);
    TokenFiles.writeSecret(dir.resolve(AUTH_HEADER),
        "Authorization: Bearer " + TokenFiles.readSecret(dir.resolve(AgentConfig.ADMIN_TOKEN)));
    // every host is a seed node: the nodelist a cold start waits for (ElectionWindow)
    List<String> seeds = IntStream.rangeClosed(1, hosts).mapToObj(i -> address(subnet, i) + ":" + CLUSTER_PORT).toList();
    for (int i = 1; i <= hosts; i++) {
      Path hostDir = dir.resolve("h" + i);
      List<Path> ds = new ArrayList<>();
      for (String d : datastores) ds.add(hostDir.resolve(d));
      AgentConfig c = new AgentConfig("host" + i, address(subnet, i), CLUSTER_PORT, HTTP_PORT, hostDir.resolve("data"),
          seeds, ds, subnet + ".1", "icmp", hypervisor, dir.resolve(CERTS));
      Files.writeString(dir.resolve("h" + i + ".conf"), c.render(WATCHDOG + api + extra));
    }
  }
}
