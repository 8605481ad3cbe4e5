package dev.vmha.lease;

import dev.vmha.datastore.DatastoreView.LeaseObservation;
import dev.vmha.datastore.VmLease;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether a master may send a VM to a new host, judged by the VM's lease alone (seed 001's file lock): when the lease
 * is free, or has stood still for the {@link LeaseTiming#expiry()} — by then its holder has powered the VM off
 * itself. A lease the master cannot read says nothing, so nothing starts. Pure.
 */
public final class LeaseRule {
  private LeaseRule() {}

  /** The verdict: {@code grant} is the expired lease the new host may replace (empty: there was none). */
  public record Decision(boolean mayStart, Optional<VmLease> grant, String why) {}

  public static Decision mayStart(String vm, LeaseObservation o, Duration expiry) {
    if (!o.readable()) {
      return new Decision(false, Optional.empty(), "its lease datastore " + o.datastore()
          + " is not readable by the master: whether " + vm + " still runs somewhere is unknown");
    }
    if (o.lease().isEmpty()) return new Decision(true, Optional.empty(), "its lease is free");
    VmLease l = o.lease().get();
    if (o.stillFor().compareTo(expiry) >= 0) {
      return new Decision(true, o.lease(), "its lease held by " + l.owner() + " expired (not renewed for "
          + o.stillFor().toMillis() + " ms, expiry " + expiry.toMillis() + " ms)");
    }
    return new Decision(false, Optional.empty(), "its lease is held by " + l.owner() + " (renewed "
        + o.stillFor().toMillis() + " ms ago; it expires for others after " + expiry.toMillis()
        + " ms unrenewed): it may still run there");
  }
}
