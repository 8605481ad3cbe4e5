package dev.vmha.datastore;

import dev.vmha.hypervisor.VmSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The datastore heartbeat as the {@link HeartbeatMachine} keeps it.
 *
 * @param counter the last heartbeat counter sent
 * @param localVms the VMs powered on here, once the VM manager told
 * @param inFlight a round is running: a tick does not start another
 * @param ticksSinceRound ticks since the last round started: the next view ages by as many intervals
 * @param isolatedStopped while isolated, the VMs its response stopped
 * @param watchdog what the power-on file says of the watchdog
 * @param waiting who waits for the flag to be written, and whether the round in flight was started after they asked
 * @param <W> how the shell names a waiter
 */
public record HeartbeatState<W>(
    DatastoreView view, long counter, Optional<List<VmSpec>> localVms, boolean inFlight, int ticksSinceRound,
    boolean firstRoundDone, Optional<List<VmSpec>> isolatedStopped, WatchdogFlag watchdog, Map<W, Boolean> waiting) {
  public HeartbeatState {
    waiting = Map.copyOf(waiting);
  }

  public static <W> HeartbeatState<W> initial(List<String> datastores) {
    return new HeartbeatState<>(DatastoreView.initial(datastores), 0, Optional.empty(), false, 0, false,
        Optional.empty(), WatchdogFlag.NOT_ARMED, Map.of());
  }

  HeartbeatState<W> round(DatastoreView v, long c, boolean flight, int ticks, boolean first, Map<W, Boolean> w) {
    return new HeartbeatState<>(v, c, localVms, flight, ticks, first, isolatedStopped, watchdog, w);
  }

  HeartbeatState<W> vms(List<VmSpec> vms) {
    return new HeartbeatState<>(view, counter, Optional.of(vms), inFlight, ticksSinceRound, firstRoundDone,
        isolatedStopped, watchdog, waiting);
  }

  HeartbeatState<W> isolated(Optional<List<VmSpec>> stopped) {
    return new HeartbeatState<>(view, counter, localVms, inFlight, ticksSinceRound, firstRoundDone, stopped, watchdog,
        waiting);
  }

  HeartbeatState<W> watchdog(WatchdogFlag flag, Map<W, Boolean> w) {
    return new HeartbeatState<>(view, counter, localVms, inFlight, ticksSinceRound, firstRoundDone, isolatedStopped,
        flag, w);
  }

  /** What the power-on file says this round, if anything is known yet. */
  Optional<PowerOnFile> powerOnFile(String hostId) {
    if (isolatedStopped.isPresent()) {
      return Optional.of(new PowerOnFile(hostId, true, isolatedStopped.get(), watchdog));
    }
    return localVms.map(vms -> new PowerOnFile(hostId, false, vms, watchdog));
  }
}
