package dev.vmha.host;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a host tells the master with every heartbeat: who it is, its capacity and the VMs powered on there; while it
 * is fenced (it lost its datastores), that it takes no VM and which VMs the fence powered off.
 */
public record HostReport(
    String hostId, PingTarget management, long memoryMb, int cpus, List<VmSpec> poweredOn,
    ActorRef<HostVms.Command> vms, boolean fenced, List<VmSpec> fencedOff) implements JsonSerializable {
  public HostReport {
    poweredOn = List.copyOf(poweredOn);
    fencedOff = List.copyOf(fencedOff);
  }

  public long usedMemoryMb() {
    return poweredOn.stream().mapToLong(VmSpec::memoryMb).sum();
  }
}
