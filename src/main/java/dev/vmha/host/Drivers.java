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
import dev.vmha.config.WatchdogSettings;
import dev.vmha.watchdog.DeviceWatchdog;
import dev.vmha.watchdog.ProcessWatchdog;
import dev.vmha.watchdog.WatchdogDriver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The host's I/O boundaries; tests pass simulated ones.
 *
 * @param pinger probes other hosts' management addresses (vmha.ping.method)
 * @param isolationPinger probes the isolation addresses (always ICMP for real)
 */
public record Drivers(
    Hypervisor hypervisor, List<Datastore> datastores, Pinger pinger, Pinger isolationPinger, WatchdogDriver watchdog) {

  /** Without a watchdog (the simulated cluster: its hosts share one process). */
  public Drivers(Hypervisor hypervisor, List<Datastore> datastores, Pinger pinger, Pinger isolationPinger) {
    this(hypervisor, datastores, pinger, isolationPinger, WatchdogDriver.NONE);
  }

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
    WatchdogSettings w = s.watchdog();
    WatchdogDriver watchdog = switch (w.type()) {
      case DEVICE -> new DeviceWatchdog(w.device(), w.timeout(), s.failureDetectionInterval(),
          Path.of("/sys/class/watchdog"), io);
      case PROCESS -> new ProcessWatchdog(s.dataDir(), io);
      case NONE -> WatchdogDriver.NONE;
    };
    return new Drivers(hv, ds, pinger, new IcmpPinger(io), watchdog);
  }
}
