package dev.vmha.host;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a host tells the master with every heartbeat: who it is, its capacity and the VMs powered on there; while it
 * is fenced (it lost its datastores), that it takes no VM; and the VMs that stopped here without an operator's
 * power-off (guest shutdown or crash, isolation response, fence), each until it is powered on here again; and the
 * VMs being started here, which are not lost although no poll shows them yet.
 *
 * @param seq the hypervisor poll this report comes from: one agent's reports are ordered by it, so the master can
 *     tell a stop record sent before it placed a VM here from one sent after (a slow or duplicated report may arrive
 *     after the power-on's answer)
 */
public record HostReport(
    String hostId, PingTarget management, long memoryMb, int cpus, List<VmSpec> poweredOn,
    ActorRef<HostVms.Command> vms, boolean fenced, List<StoppedVm> stopped, List<String> starting, long seq)
    implements JsonSerializable {
  public HostReport {
    poweredOn = List.copyOf(poweredOn);
    stopped = List.copyOf(stopped);
    starting = List.copyOf(starting);
  }

  /** Whether this host runs the VM or is starting it. */
  public boolean has(String vm) {
    return starting.contains(vm) || poweredOn.stream().anyMatch(v -> v.name().equals(vm));
  }

  public long usedMemoryMb() {
    return poweredOn.stream().mapToLong(VmSpec::memoryMb).sum();
  }
}
