package dev.vmha.datastore;

import dev.vmha.hypervisor.VmSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the {@link HeartbeatMachine} is told, each at the wall time {@code at} it happened (it stamps the events).
 *
 * @param <W> how the shell names one who waits for the watchdog's flag to be written
 */
public sealed interface HeartbeatInput<W> {
  Instant at();

  /** One interval passed. */
  record Tick<W>(Instant at) implements HeartbeatInput<W> {}

  /**
   * A {@link HeartbeatEffect.Round} completed: the scans of the datastores that answered, why the others failed, and
   * whether the heartbeat reached at least one datastore.
   */
  record RoundDone<W>(Instant at, Map<String, DatastoreScan> scans, Map<String, String> failures,
      boolean wroteHeartbeat) implements HeartbeatInput<W> {
    public RoundDone {
      scans = Map.copyOf(scans);
      failures = Map.copyOf(failures);
    }
  }

  /** The VMs powered on at this host, from its VM manager. */
  record LocalVms<W>(Instant at, List<VmSpec> vms) implements HeartbeatInput<W> {
    public LocalVms {
      vms = List.copyOf(vms);
    }
  }

  /** The host declared itself isolated; its isolation response stopped these VMs. */
  record DeclareIsolated<W>(Instant at, List<VmSpec> stopped) implements HeartbeatInput<W> {
    public DeclareIsolated {
      stopped = List.copyOf(stopped);
    }
  }

  /** The host is back in a cluster. */
  record ClearIsolation<W>(Instant at) implements HeartbeatInput<W> {}

  /** What the power-on file says of the watchdog; {@code waiter} waits for it to be written, if anyone. */
  record LocalWatchdog<W>(Instant at, WatchdogFlag flag, Optional<W> waiter) implements HeartbeatInput<W> {}
}
