package dev.vmha.testing;

import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A datastore that hands every call to another; a test overrides the calls it controls. */
public class ForwardingDatastore implements Datastore {
  protected final Datastore inner;

  public ForwardingDatastore(Datastore inner) {
    this.inner = inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public CompletionStage<Void> writeHeartbeat(HostHeartbeat heartbeat) {
    return inner.writeHeartbeat(heartbeat);
  }

  @Override
  public CompletionStage<Void> writePowerOn(PowerOnFile file) {
    return inner.writePowerOn(file);
  }

  @Override
  public CompletionStage<DatastoreScan> scan() {
    return inner.scan();
  }

  @Override
  public CompletionStage<Optional<ProtectedList>> readProtectedList() {
    return inner.readProtectedList();
  }

  @Override
  public CompletionStage<Void> writeProtectedList(ProtectedList list) {
    return inner.writeProtectedList(list);
  }

  @Override
  public CompletionStage<Boolean> writeListLock(HostHeartbeat lock, Optional<ListLockSeen> replacing) {
    return inner.writeListLock(lock, replacing);
  }

  @Override
  public CompletionStage<Optional<VmLease>> readLease(String vm) {
    return inner.readLease(vm);
  }

  @Override
  public CompletionStage<Boolean> swapLease(Optional<VmLease> expected, VmLease next) {
    return inner.swapLease(expected, next);
  }

  @Override
  public CompletionStage<Boolean> repairLease(VmLease next) {
    return inner.repairLease(next);
  }

  @Override
  public CompletionStage<Void> releaseLease(VmLease held) {
    return inner.releaseLease(held);
  }
}
