package dev.vmha.hypervisor;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** A hypervisor whose every call fails with {@link HypervisorException} once it has taken longer than its bound. */
public final class BoundedHypervisor implements Hypervisor {
  private final Hypervisor hypervisor;
  private final CallBounds bounds;

  public BoundedHypervisor(Hypervisor hypervisor, CallBounds bounds) {
    this.hypervisor = hypervisor;
    this.bounds = bounds;
  }

  @Override
  public CompletionStage<List<VmSpec>> poweredOn() {
    return bounded("listing the VMs", bounds.listing(), hypervisor::poweredOn);
  }

  @Override
  public CompletionStage<Void> powerOn(VmSpec vm) {
    return bounded("powering " + vm.name() + " on", bounds.powerOn(), () -> hypervisor.powerOn(vm));
  }

  @Override
  public CompletionStage<Void> powerOff(String vm) {
    return bounded("powering " + vm + " off", bounds.powerOff(), () -> hypervisor.powerOff(vm));
  }

  @Override
  public CompletionStage<Void> shutdownGuest(String vm) {
    return bounded("asking " + vm + " to shut down", bounds.powerOff(), () -> hypervisor.shutdownGuest(vm));
  }

  @Override
  public CompletionStage<MigrationImage> migrateOut(String vm) {
    return bounded("migrating " + vm + " out", bounds.migrateOut(), () -> hypervisor.migrateOut(vm));
  }

  /** Bounded like a power-on: the VM starts from its state. */
  @Override
  public CompletionStage<Void> migrateIn(MigrationImage image) {
    return bounded("migrating " + image.vm().name() + " in", bounds.powerOn(), () -> hypervisor.migrateIn(image));
  }

  private static <T> CompletionStage<T> bounded(String what, Duration bound, Supplier<CompletionStage<T>> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    call.get().whenComplete((v, e) -> { if (e == null) result.complete(v); else result.completeExceptionally(e); });
    return result.orTimeout(bound.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e ->
        CompletableFuture.failedFuture(e instanceof TimeoutException
            ? new HypervisorException(what + " took longer than " + bound.toMillis() + " ms", e) : e));
  }
}
