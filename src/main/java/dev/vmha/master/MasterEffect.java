package dev.vmha.master;

import dev.vmha.capacity.Cluster;
import dev.vmha.config.CapacitySettings;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the master asks its shell to do. Effects whose completion matters come back as a {@link MasterInput}; the
 * machine holds back whatever must follow them (a start after the list that protects the VM is written).
 */
public sealed interface MasterEffect {

  /** Record a decision in the history. */
  record Emit(HaEvent event) implements MasterEffect {}

  /** A line for the agent's log (not a decision). */
  record Log(boolean warn, String message) implements MasterEffect {}

  /** Ask this host's datastore heartbeat for its view: answered by {@link MasterInput.ViewRead}. */
  record ReadView() implements MasterEffect {}

  /** Read the protected list from every datastore: answered by {@link MasterInput.ListRead}. */
  record ReadList() implements MasterEffect {}

  /** Write the list to these datastores (those whose lock is held): answered by {@link MasterInput.ListWritten}. */
  record WriteList(ProtectedList list, List<String> datastores) implements MasterEffect {}

  /** Take or renew the list lock on a datastore: answered by {@link MasterInput.LockWritten}. */
  record WriteListLock(String datastore, HostHeartbeat lock, Optional<ListLockSeen> replacing) implements MasterEffect {}

  /** Ping a host's management address ({@code target} empty: none known, unanswered at once). */
  record Ping(String host, Optional<PingTarget> target, Duration timeout) implements MasterEffect {}

  /** Remove a host's member (at {@code address}) from the cluster. */
  record Down(String host, String address, String why) implements MasterEffect {}

  /**
   * Start one restart attempt at {@code hosts} (the first is the target, the others fallbacks), after the
   * {@code decision} is persisted, if there is one; answered by {@link MasterInput.Restarted}.
   */
  record PersistThenStart(
      Optional<HaEvent> decision, VmSpec vm, Optional<VmLease> grant, List<String> hosts, int attempt)
      implements MasterEffect {}

  /**
   * Live-migrate a VM: its writer at {@code from} stops and its lease is released, then it starts at {@code to};
   * answered by {@link MasterInput.Migrated}.
   */
  record Migrate(VmSpec vm, String from, String to) implements MasterEffect {}

  /** Power a VM off at a host for an operator: answered by {@link MasterInput.PoweredOff}. */
  record PowerOff(RequestId request, String vm, String host) implements MasterEffect {}

  /**
   * Answer an operator's request ({@code invalidField}: the request field a refusal is about; {@code
   * alreadyProtected}: a power-on refused because what it asked for holds already; {@code notFound}: refused
   * because the VM or host it names is unknown).
   */
  record Reply(RequestId request, boolean ok, String message, Optional<String> invalidField, boolean alreadyProtected,
      boolean notFound) implements MasterEffect {
    Reply(RequestId request, boolean ok, String message, Optional<String> invalidField) {
      this(request, ok, message, invalidField, false, false);
    }

    Reply(RequestId request, boolean ok, String message, Optional<String> invalidField, boolean alreadyProtected) {
      this(request, ok, message, invalidField, alreadyProtected, false);
    }

    /** A refusal because what the request names does not exist (the API answers 404). */
    static Reply notFound(RequestId request, String message) {
      return new Reply(request, false, message, Optional.empty(), false, true);
    }
  }

  /**
   * Compute the capacity plan of {@code cluster}, version {@code version} of it ({@link CapacityWatch}), off the
   * master's step and within {@code settings.planTimeout()}: answered by {@link MasterInput.Planned} or {@link
   * MasterInput.PlanFailed}.
   */
  record Plan(long version, Cluster cluster, CapacitySettings settings) implements MasterEffect {}

  /** Tell the election FSM that runs this master. */
  record ToElection(MasterNotice notice) implements MasterEffect {}
}
