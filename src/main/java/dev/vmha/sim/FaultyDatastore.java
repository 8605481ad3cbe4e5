package dev.vmha.sim;

import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** One host's access to a real datastore, which a simulation can cut (the host loses its storage path). */
public final class FaultyDatastore implements Datastore {
  private final Datastore real;
  private final BooleanSupplier cut;

  /** @param cut whether this host's access is cut right now */
  public FaultyDatastore(Datastore real, BooleanSupplier cut) {
    this.real = real;
    this.cut = cut;
  }

  @Override
  public String name() {
    return real.name();
  }

  @Override
  public CompletionStage<Void> writeHeartbeat(HostHeartbeat heartbeat) {
    return guarded(() -> real.writeHeartbeat(heartbeat));
  }

  @Override
  public CompletionStage<Void> writePowerOn(PowerOnFile file) {
    return guarded(() -> real.writePowerOn(file));
  }

  @Override
  public CompletionStage<DatastoreScan> scan() {
    return guarded(real::scan);
  }

  @Override
  public CompletionStage<Optional<ProtectedList>> readProtectedList() {
    return guarded(real::readProtectedList);
  }

  @Override
  public CompletionStage<Void> writeProtectedList(ProtectedList list) {
    return guarded(() -> real.writeProtectedList(list));
  }

  @Override
  public CompletionStage<Boolean> repairLease(VmLease next) {
    return guarded(() -> real.repairLease(next));
  }

  @Override
  public CompletionStage<Boolean> writeListLock(HostHeartbeat lock, Optional<ListLockSeen> replacing) {
    return guarded(() -> real.writeListLock(lock, replacing));
  }

  @Override
  public CompletionStage<Optional<VmLease>> readLease(String vm) {
    return guarded(() -> real.readLease(vm));
  }

  @Override
  public CompletionStage<Boolean> swapLease(Optional<VmLease> expected, VmLease next) {
    return guarded(() -> real.swapLease(expected, next));
  }

  @Override
  public CompletionStage<Void> releaseLease(VmLease held) {
    return guarded(() -> real.releaseLease(held));
  }

  private <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> op) {
    if (cut.getAsBoolean()) {
      return CompletableFuture.failedFuture(new UncheckedIOException(
          new IOException("datastore " + real.name() + " unreachable (injected fault)")));
    }
    return op.get();
  }
}
