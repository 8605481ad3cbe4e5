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

  /**
   * Where blocking I/O runs: hypervisor calls apart from the datastore and ping I/O of heartbeats, leases and fencing,
   * so that a hung hypervisor call never starves them.
   */
  public record Io(Executor hypervisor, Executor ha) {}

  /** The drivers the settings name, doing their blocking I/O on {@code io}. */
  public static Drivers fromSettings(HaSettings s, Io executors) {
    Executor io = executors.ha();
    List<Datastore> ds = s.datastores().stream().<Datastore>map(p -> new DirectoryDatastore(p, io)).toList();
    Hypervisor hv = switch (s.hypervisorType()) {
      case IN_MEMORY -> new InMemoryHypervisor(s.hostId());
      case PROCESS -> new ProcessHypervisor(s.hostId(), s.dataDir().resolve("vms"),
          s.diskDir(), s.hypervisorBounds().powerOff(), executors.hypervisor());
    };
    Pinger pinger = switch (s.pingMethod()) {
      case ICMP -> new IcmpPinger(io);
      case TCP -> new TcpPinger(io);
    };
    return new Drivers(hv, ds, pinger, new IcmpPinger(io));
  }
}
