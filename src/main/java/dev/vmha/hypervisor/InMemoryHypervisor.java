package dev.vmha.hypervisor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A simulated hypervisor for tests: VMs live in a map; faults are injected by the test. */
public final class InMemoryHypervisor implements Hypervisor {
  private final String hostId;
  private final Map<String, VmSpec> running = new LinkedHashMap<>();
  private boolean refusePowerOn;
  private java.time.Duration powerOnTime = java.time.Duration.ZERO;

  public InMemoryHypervisor(String hostId) {
    this.hostId = hostId;
  }

  public String hostId() {
    return hostId;
  }

  @Override
  public synchronized CompletionStage<List<VmSpec>> poweredOn() {
    return CompletableFuture.completedFuture(List.copyOf(running.values()));
  }

  /** The VM runs at once; the power-on completes after {@link #powerOnTime}, as a real boot takes a while. */
  @Override
  public synchronized CompletionStage<Void> powerOn(VmSpec vm) {
    if (refusePowerOn) return CompletableFuture.failedFuture(new HypervisorException(hostId + " refuses power-on (injected)"));
    if (running.containsKey(vm.name())) {
      return CompletableFuture.failedFuture(new HypervisorException(vm.name() + " is already on at " + hostId));
    }
    running.put(vm.name(), vm);
    if (powerOnTime.isZero()) return CompletableFuture.completedFuture(null);
    return CompletableFuture.runAsync(() -> {},
        CompletableFuture.delayedExecutor(powerOnTime.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
  }

  public synchronized void powerOnTime(java.time.Duration d) {
    this.powerOnTime = d;
  }

  @Override
  public synchronized CompletionStage<Void> powerOff(String vm) {
    running.remove(vm);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> shutdownGuest(String vm) {
    return powerOff(vm);
  }

  /** The VM leaves at once; its state is its spec (nothing else to carry in memory). */
  @Override
  public synchronized CompletionStage<MigrationImage> migrateOut(String vm) {
    VmSpec spec = running.remove(vm);
    if (spec == null) return CompletableFuture.failedFuture(new HypervisorException(vm + " is not on at " + hostId));
    return CompletableFuture.completedFuture(new MigrationImage(spec, ""));
  }

  @Override
  public CompletionStage<Void> migrateIn(MigrationImage image) {
    return powerOn(image.vm());
  }

  /** Ground truth for safety checks. */
  public synchronized List<String> runningNames() {
    return new ArrayList<>(running.keySet());
  }

  /** The host lost power: every VM stops at once. */
  public synchronized void powerLoss() {
    running.clear();
  }

  public synchronized void refusePowerOn(boolean refuse) {
    this.refusePowerOn = refuse;
  }
}
