package dev.vmha.election;

import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.host.HostReport;
import dev.vmha.isolation.Enforcement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link ElectionMachine}'s state: the phase of the role FSM and what every phase keeps.
 *
 * @param listedFsms how many election FSMs the service registry lists, this host's included
 * @param report this host's latest report
 * @param list the newest protected list seen (its own as master, else from a master's heartbeats)
 * @param view the latest datastore view
 * @param enforcement whether this host enforces HA on itself (an operator's emergency disable suspends it)
 * @param disk without datastores, the protected list on this host's own disk as far as this agent knows
 * @param <C> how the shell names a master's coordinator
 */
public record ElectionState<C>(
    Phase<C> phase, int listedFsms, Optional<HostReport> report, Optional<ProtectedList> list,
    Optional<DatastoreView> view, Enforcement enforcement, DiskCopy disk) {

  /** As an agent starts; {@code datastores}: whether its hosts heartbeat through datastores ({@link DiskCopy}). */
  public static <C> ElectionState<C> initial(boolean datastores) {
    return new ElectionState<>(new Uninitialized<>(), 0, Optional.empty(), Optional.empty(), Optional.empty(),
        Enforcement.ON, DiskCopy.atStart(datastores));
  }

  /**
   * Without datastores, the list this host keeps on its own disk ({@link dev.vmha.datastore.HostListCopy}): the one
   * known to be there ({@code stored}: read as the agent started, or there once this agent's last store ended), and
   * whether a store of the replica is out, and the epoch promised there and to which master ({@code promise}: no list
   * of an older epoch is taken, stored or reported held; {@code promiseKnown}: read as the agent started, or stored since — until then no
   * list is taken, as it might be of an epoch older than the one promised). A slave reports holding only what is
   * stored, so a majority that holds a list holds it across restarts of its agents.
   */
  public record DiskCopy(Optional<ProtectedList> stored, boolean storing, ListPromise promise, boolean promiseKnown) {
    /** As an agent starts: with datastores no promise is kept (the lock orders the lists), so none is awaited. */
    static DiskCopy atStart(boolean datastores) {
      return new DiskCopy(Optional.empty(), false, ListPromise.NONE, datastores);
    }

    /** {@code l} is on the disk; no store is out. */
    DiskCopy holding(ProtectedList l) {
      return new DiskCopy(Optional.of(l), false, promise, promiseKnown);
    }

    DiskCopy storing(boolean out) {
      return new DiskCopy(stored, out, promise, promiseKnown);
    }

    /** The promise {@code p} is on the disk. */
    DiskCopy promised(ListPromise p) {
      return new DiskCopy(stored, storing, promise.later(p), true);
    }

    /**
     * Whether a list may be stored or held here: the promise on the disk is known, and the list is not of an epoch
     * older than it.
     */
    boolean admits(ProtectedList l) {
      return promiseKnown && ProtectedList.epoch(l.version()) >= promise.epoch();
    }

    /** Whether {@code l} is to be stored: it is newer than the stored list, or another of its version. */
    boolean behind(ProtectedList l) {
      return stored.map(l::replaces).orElse(true);
    }
  }

  public sealed interface Phase<C> {
    Role role();
  }

  /** Waiting for this agent to be a cluster member. */
  public record Uninitialized<C>() implements Phase<C> {
    public Role role() {
      return Role.UNINITIALIZED;
    }
  }

  /**
   * Collecting ballots.
   *
   * @param lostMaster the master whose silence caused this election, if any
   * @param extensions intervals the election has run beyond its window
   * @param coldStart present on a cold start
   */
  public record Electing<C>(
      Map<String, Rank> ballots, Optional<String> lostMaster, int extensions, Optional<ColdStart> coldStart)
      implements Phase<C> {
    public Role role() {
      return Role.ELECTION;
    }

    Electing<C> ballot(Rank r) {
      Map<String, Rank> next = new HashMap<>(ballots);
      next.put(r.hostId(), r);
      return new Electing<>(Map.copyOf(next), lostMaster, extensions, coldStart);
    }

    Electing<C> extended() {
      return new Electing<>(ballots, lostMaster, extensions + 1, coldStart);
    }

    Electing<C> known(Optional<DatastoreView> view) {
      return new Electing<>(ballots, lostMaster, extensions, coldStart.map(cs -> cs.known(view)));
    }
  }

  /**
   * A cold-start election: the virtual time of this host's datastore rounds when it began (from the first view
   * received, if it began before any): hosts whose heartbeat moves after it are starting too.
   */
  public record ColdStart(Optional<Duration> since) {
    ColdStart known(Optional<DatastoreView> view) {
      return since.isPresent() ? this : new ColdStart(view.map(DatastoreView::now));
    }
  }

  /** Following {@code master}; its coordinator is known from its first heartbeat. */
  /**
   * {@code masterListed}: the master's last beat carried its protected list (it has read one), not older than the one
   * this host holds. {@code lastBeat}: the master's last beat heard, which it passes on to a host that cannot hear it
   * ({@link ElectionEffect.RelayBeat}).
   */
  public record Slave<C>(Rank master, Optional<C> coordinator, boolean masterListed,
      Optional<ElectionInput.MasterBeatHeard<C>> lastBeat) implements Phase<C> {
    public Role role() {
      return Role.SLAVE;
    }
  }

  /**
   * Master, running its own coordinator; {@code side}: the hosts the coordinator last counted as heard (without
   * datastores), which its beats carry, and the epoch its coordinator proposes (without datastores; 0: none yet).
   */
  public record Master<C>(Optional<Set<String>> side, long proposal) implements Phase<C> {
    public Master(Optional<Set<String>> side) {
      this(side, 0);
    }

    public Role role() {
      return Role.MASTER;
    }
  }

  /**
   * A self-diagnosis in progress: what triggered it, whether a master diagnoses itself (its coordinator keeps
   * running), the silences to hand a new coordinator, and what has been heard so far.
   */
  public record Diagnosing<C>(
      String trigger, boolean asMaster, Map<String, Duration> knownSilence, Instant started, boolean addressAnswered,
      boolean electionTraffic) implements Phase<C> {
    public Role role() {
      return asMaster ? Role.MASTER : Role.ELECTION;
    }

    Diagnosing<C> answered() {
      return new Diagnosing<>(trigger, asMaster, knownSilence, started, true, electionTraffic);
    }

    Diagnosing<C> traffic() {
      return new Diagnosing<>(trigger, asMaster, knownSilence, started, addressAnswered, true);
    }
  }

  /** Isolated; {@code responseRequested} once the VM manager was asked to apply the isolation response. */
  public record Isolated<C>(boolean responseRequested) implements Phase<C> {
    public Role role() {
      return Role.ISOLATED;
    }
  }

  ElectionState<C> phase(Phase<C> p) {
    return new ElectionState<>(p, listedFsms, report, list, view, enforcement, disk);
  }

  ElectionState<C> listed(int fsms) {
    return new ElectionState<>(phase, fsms, report, list, view, enforcement, disk);
  }

  ElectionState<C> seen(DatastoreView v) {
    return new ElectionState<>(phase, listedFsms, report, list, Optional.of(v), enforcement, disk);
  }

  ElectionState<C> reported(HostReport r) {
    return new ElectionState<>(phase, listedFsms, Optional.of(r), list, view, enforcement, disk);
  }

  /** Keeps the newer of the list held and {@code l}. */
  ElectionState<C> newer(ProtectedList l) {
    if (list.isPresent() && list.get().version() > l.version() || !disk.admits(l)) return this;
    return new ElectionState<>(phase, listedFsms, report, Optional.of(l), view, enforcement, disk);
  }

  /**
   * {@code l} is on this host's disk: held too if it is newer than the list held (of the same version, the one held
   * stays: it may have come with a beat while {@code l} was being stored).
   */
  ElectionState<C> onDisk(ProtectedList l) {
    Optional<ProtectedList> held = list.isPresent() && list.get().version() >= l.version() ? list : Optional.of(l);
    return new ElectionState<>(phase, listedFsms, report, held, view, enforcement, disk.holding(l));
  }

  ElectionState<C> disk(DiskCopy d) {
    return new ElectionState<>(phase, listedFsms, report, list, view, enforcement, d);
  }

  ElectionState<C> enforcing(Enforcement e) {
    return new ElectionState<>(phase, listedFsms, report, list, view, e, disk);
  }

  /** The datastores this host sees, the first part of its rank. */
  int datastoresSeen() {
    return view.map(DatastoreView::accessibleCount).orElse(0);
  }

  /** The hosts whose datastore heartbeat moved after virtual time {@code t} of this host's datastore rounds. */
  Set<String> beatingSince(Duration t) {
    return view.map(v -> v.movedSince(t)).orElse(Set.of());
  }
}
