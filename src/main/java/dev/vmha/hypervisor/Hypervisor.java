package dev.vmha.hypervisor;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The I/O boundary to the host's hypervisor. Every call completes asynchronously; a refused operation completes
 * exceptionally with {@link HypervisorException}. Later: live migration.
 */
public interface Hypervisor {

  /** The VMs powered on at this host. */
  CompletionStage<List<VmSpec>> poweredOn();

  /** Powers a VM on; fails if it is already on here. */
  CompletionStage<Void> powerOn(VmSpec vm);

  /** Hard power-off; completes normally if the VM was already off. */
  CompletionStage<Void> powerOff(String vm);

  /** Asks the guest to shut down; the VM is off once {@link #poweredOn()} no longer lists it. */
  CompletionStage<Void> shutdownGuest(String vm);
}
