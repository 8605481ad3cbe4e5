package dev.vmha.hypervisor;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The I/O boundary to the host's hypervisor. Every call completes asynchronously; a refused operation completes
 * exceptionally with {@link HypervisorException}.
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

  /**
   * The first half of a live migration: stops the VM's writer here, keeping its state, and completes once it has
   * stopped writing to its disk (only then may the target start it); fails, with the VM still running here, if
   * it could not be stopped. A hypervisor without live migration refuses it.
   */
  default CompletionStage<MigrationImage> migrateOut(String vm) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new HypervisorException("this hypervisor cannot migrate " + vm));
  }

  /** The second half: starts the VM here from the state its source left; fails if it is already on here. */
  default CompletionStage<Void> migrateIn(MigrationImage image) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new HypervisorException("this hypervisor cannot migrate " + image.vm().name() + " in"));
  }
}
