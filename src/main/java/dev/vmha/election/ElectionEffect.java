package dev.vmha.election;

import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.election.ElectionInput.Timer;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.Enforcement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * What the {@link ElectionMachine} asks its shell to do, in order.
 *
 * @param <C> how the shell names a master's coordinator
 */
public sealed interface ElectionEffect<C> {

  record Emit<C>(HaEvent event) implements ElectionEffect<C> {}

  /** A line for the agent's log (no event: nothing was decided). */
  record Log<C>(String message) implements ElectionEffect<C> {}

  /** Fire {@code timer} once after {@code after}, replacing its earlier schedule. */
  record Schedule<C>(Timer timer, Duration after) implements ElectionEffect<C> {}

  /** Fire {@code timer} every {@code every}, replacing its earlier schedule. */
  record Repeat<C>(Timer timer, Duration every) implements ElectionEffect<C> {}

  record Cancel<C>(Timer timer) implements ElectionEffect<C> {}

  /** Read this host's datastore view (answered by {@link ElectionInput.ViewRead}). */
  record AskView<C>() implements ElectionEffect<C> {}

  /** Send this host's ballot to every other host's election FSM. */
  record SendBallot<C>(Rank rank) implements ElectionEffect<C> {}

  /**
   * Send this master's heartbeat, with its own coordinator, its protected list and (without datastores) the hosts it
   * counts as heard and the epoch it proposes (0: none yet), to every other host.
   */
  record SendMasterBeat<C>(Rank rank, Optional<ProtectedList> list, Optional<Set<String>> side, long proposal)
      implements ElectionEffect<C> {
    public SendMasterBeat(Rank rank, Optional<ProtectedList> list, Optional<Set<String>> side) {
      this(rank, list, side, 0);
    }
  }

  /**
   * Without datastores, pass this slave's master's last beat on to host {@code to}, whose ballot came while the
   * master's beats reach this host: {@code to} may not hear the master itself ({@link ElectionMachine}).
   */
  record RelayBeat<C>(String to, ElectionInput.MasterBeatHeard<C> beat) implements ElectionEffect<C> {}

  /**
   * Whether {@code master}'s latest beat counts this host on its side (a beat with no side makes no claim: counted; a
   * host that becomes master counts itself). Without datastores the self-fence fences a host left out for
   * {@code TimingRules.leftOutFenceAfter}.
   */
  record CountedByMaster<C>(String master, boolean counted) implements ElectionEffect<C> {}

  /**
   * A slave's heartbeat, with its report, to its master's coordinator; with this host's replica of the protected list
   * while the master's beats carry none (a master that restarted and reads no datastore's copy takes it), and
   * {@code promise}: the epoch promised on this host's disk and to which master (without datastores); {@code holds}: the version of that
   * master's own list this host holds on its disk (without datastores a master's
   * restart waits until a strict majority holds the list that records it: on disk, so that it outlives their
   * agents).
   */
  record ReportTo<C>(C coordinator, HostReport report, Optional<ProtectedList> replica, Optional<Long> holds,
      ListPromise promise) implements ElectionEffect<C> {
    ReportTo(C coordinator, HostReport report, Optional<Long> holds) {
      this(coordinator, report, Optional.empty(), holds, ListPromise.NONE);
    }

    public ReportTo(C coordinator, HostReport report, Optional<ProtectedList> replica, Optional<Long> holds) {
      this(coordinator, report, replica, holds, ListPromise.NONE);
    }
  }

  /**
   * Without datastores, store on this host's disk the promise of an epoch to the master that proposed it: no list of
   * an older epoch is stored or held here from now on (answered by {@link ElectionInput.PromiseOnDisk}).
   */
  record StorePromise<C>(ListPromise promise) implements ElectionEffect<C> {}

  /**
   * Without datastores, store this replica on this host's disk, unless the list there is newer (answered by
   * {@link ElectionInput.ReplicaStored} or {@link ElectionInput.ReplicaNotStored}).
   */
  record StoreReplica<C>(ProtectedList list) implements ElectionEffect<C> {}

  /** This master's own report to its own coordinator. */
  record ReportToOwn<C>(HostReport report, ListPromise promise) implements ElectionEffect<C> {
    public ReportToOwn(HostReport report) {
      this(report, ListPromise.NONE);
    }
  }

  /**
   * Start this host's master coordinator.
   *
   * @param knownSilence how long hosts it need not wait for again have been silent
   * @param replica the newest protected list this host holds
   */
  record StartCoordinator<C>(Map<String, Duration> knownSilence, Optional<ProtectedList> replica)
      implements ElectionEffect<C> {}

  record StopCoordinator<C>() implements ElectionEffect<C> {}

  /** Ping one isolation address (answered by {@link ElectionInput.IsolationPinged}). */
  record PingIsolationAddress<C>(String address, Duration timeout) implements ElectionEffect<C> {}

  /**
   * Have the VM manager that sent {@code report} apply the isolation response (answered by
   * {@link ElectionInput.ResponseApplied}); {@code listed}: the VMs whose protection in the protected list this host
   * holds gives them a response of their own.
   */
  record ApplyIsolationResponse<C>(HostReport report, Map<String, IsolationResponse> listed)
      implements ElectionEffect<C> {
    public ApplyIsolationResponse {
      listed = Map.copyOf(listed);
    }

    /** Each VM's response: its own from the protected list (an operator set it last), else the configured one. */
    public Function<String, IsolationResponse> responseFor(Function<String, IsolationResponse> configured) {
      return vm -> listed.containsKey(vm) ? listed.get(vm) : configured.apply(vm);
    }
  }

  /** Mark this host's power-on files isolated, listing the VMs the response stopped. */
  record DeclareIsolated<C>(List<VmSpec> stopped) implements ElectionEffect<C> {}

  record ClearIsolationFlag<C>() implements ElectionEffect<C> {}

  /** Pass an emergency action on to every other host's election FSM. */
  record RelayEmergency<C>(EmergencyAction action, String host, String askedBy) implements ElectionEffect<C> {}

  /** Have this host's self-fence and lease keeper enforce HA, or stop (an operator's emergency disable). */
  record SetEnforcement<C>(Enforcement enforcement) implements ElectionEffect<C> {}

  /** Answer the operator who asked for an emergency action here. */
  record AnswerEmergency<C>(boolean ok, String message) implements ElectionEffect<C> {}

  /**
   * The answer to {@link ElectionInput.RoleAsked}.
   *
   * @param master the master's host id, once known
   * @param coordinator a slave's master's coordinator once heard; empty for a master (its own is the shell's)
   * @param listVersion the version of the protected list held, if any
   */
  record ReplyRole<C>(Role role, Optional<String> master, Optional<C> coordinator, OptionalLong listVersion)
      implements ElectionEffect<C> {}
}
