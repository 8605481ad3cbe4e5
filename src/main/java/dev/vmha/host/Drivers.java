package dev.vmha.host;

import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.InMemoryHypervisor;
import dev.vmha.hypervisor.ProcessHypervisor;
import dev.vmha.ping.IcmpPinger;
import dev.vmha.ping.Pinger;
import dev.vmha.ping.TcpPinger;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The host's I/O boundaries; tests pass simulated ones.
 *
 * @param pinger probes other hosts' management addresses (vmha.ping.method)
 * @param isolationPinger probes the isolation addresses (always ICMP for real)
 */
public record Drivers(Hypervisor hypervisor, List<Datastore> datastores, Pinger pinger, Pinger isolationPinger) {

  /** The drivers the settings name, doing their blocking I/O on {@code io}. */
  public static Drivers fromSettings(HaSettings s, Executor io) {
    List<Datastore> ds = s.datastores().stream().<Datastore>map(p -> new DirectoryDatastore(p, io)).toList();
    Hypervisor hv = switch (s.hypervisorType()) {
      case IN_MEMORY -> new InMemoryHypervisor(s.hostId());
      case PROCESS -> new ProcessHypervisor(s.hostId(), s.dataDir().resolve("vms"),
          ProcessHypervisor.diskDir(s.firstDatastore().orElseThrow()), s.leaseTiming().powerOffMax(), io);
    };
    Pinger pinger = switch (s.pingMethod()) {
      case ICMP -> new IcmpPinger(io);
      case TCP -> new TcpPinger(io);
    };
    return new Drivers(hv, ds, pinger, new IcmpPinger(io));
  }
}
