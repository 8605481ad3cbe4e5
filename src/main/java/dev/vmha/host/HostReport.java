package dev.vmha.host;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** What a host tells the master with every heartbeat: who it is, its capacity and the VMs powered on there. */
public record HostReport(
    String hostId, PingTarget management, long memoryMb, int cpus, List<VmSpec> poweredOn,
    ActorRef<HostVms.Command> vms) implements JsonSerializable {
  public HostReport {
    poweredOn = List.copyOf(poweredOn);
  }

  public long usedMemoryMb() {
    return poweredOn.stream().mapToLong(VmSpec::memoryMb).sum();
  }
}
