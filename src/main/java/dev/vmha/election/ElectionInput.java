package dev.vmha.election;

import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.Enforcement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the {@link ElectionMachine} is told, each at the time {@code at} it happened (the shell's clock; virtual in
 * tests and the simulation).
 *
 * @param <C> how the shell names a master's coordinator (an actor reference in the agent)
 */
public sealed interface ElectionInput<C> {
  Instant at();

  /** The election's timers (each scheduled by an {@link ElectionEffect}). */
  enum Timer {
    /** Every interval: heartbeats, ballots, the datastore view. */
    TICK,
    /** The election window closes, or is looked at again. */
    WINDOW_CLOSED,
    /** A slave heard no heartbeat from its master for hostTimeout. */
    MASTER_LOST,
    /** The isolation addresses had icmpPingTimeout to answer. */
    DIAGNOSIS_DUE,
    /** An isolated host pings its isolation addresses again. */
    RECHECK_ISOLATION,
    /** The isolation flag may leave the power-on file. */
    CLEAR_ISOLATION_FLAG
  }

  /**
   * The cluster as this host sees it when a timer fires.
   *
   * @param selfUp this host is a member (up or weakly up)
   * @param hosts the ids of the members that are vmha hosts, up or weakly up and reachable from here
   * @param unreachable the ids of the members that are vmha hosts, up or weakly up, that this host's own failure
   *     detector does not reach
   * @param idsByAddress host ids by the members' cluster addresses (host:port)
   */
  record Membership(boolean selfUp, Set<String> hosts, Set<String> unreachable, Map<String, String> idsByAddress) {
    public Membership {
      hosts = Set.copyOf(hosts);
      unreachable = Set.copyOf(unreachable);
      idsByAddress = Map.copyOf(idsByAddress);
    }
  }

  /**
   * A timer fired; a timer scheduled again or cancelled never fires from its earlier schedule (the shell keeps this,
   * as Pekko's timers do).
   */
  record Fired<C>(Instant at, Timer timer, Membership cluster) implements ElectionInput<C> {}

  /** How many election FSMs the service registry lists, this host's included. */
  record PeersListed<C>(Instant at, int fsms) implements ElectionInput<C> {}

  /** This host's latest datastore view. */
  record ViewRead<C>(Instant at, DatastoreView view) implements ElectionInput<C> {}

  /** This host's latest report, from its VM manager. */
  record Reported<C>(Instant at, HostReport report) implements ElectionInput<C> {}

  /** Another host's ballot (or this host's own, which the broadcast may bring back). */
  record BallotHeard<C>(Instant at, Rank rank) implements ElectionInput<C> {}

  /**
   * A master's heartbeat, with its coordinator, its protected list when it has one, and without datastores the hosts
   * it counts as heard.
   */
  record MasterBeatHeard<C>(Instant at, Rank master, C coordinator, Optional<ProtectedList> list,
      Optional<Set<String>> side, long proposal) implements ElectionInput<C> {
    public MasterBeatHeard(Instant at, Rank master, C coordinator, Optional<ProtectedList> list,
        Optional<Set<String>> side) {
      this(at, master, coordinator, list, side, 0);
    }
  }

  /**
   * Without datastores, the promise this host made ({@link ElectionEffect.StorePromise}) is on its disk: read as the
   * agent starts, or stored.
   */
  record PromiseOnDisk<C>(Instant at, ListPromise promise) implements ElectionInput<C> {}

  /** Without datastores, this host's own coordinator proposes {@code epoch} ({@code MasterNotice.Proposing}). */
  record Proposing<C>(Instant at, long epoch) implements ElectionInput<C> {}

  /**
   * Without datastores, each interval: the hosts this host's own coordinator counts as heard, while they are a strict
   * majority; {@code outnumbered}: fewer than half of the hosts report to it ({@code MasterNotice.Side}).
   */
  record SideChanged<C>(Instant at, Optional<Set<String>> side, boolean outnumbered) implements ElectionInput<C> {
    public SideChanged {
      side = side.map(Set::copyOf);
    }
  }

  /** This host's own coordinator changed the protected list. */
  record ListChanged<C>(Instant at, ProtectedList list) implements ElectionInput<C> {}

  /**
   * Without datastores, as the election starts: the protected list on this host's disk (written by the last master
   * here, or the last replica stored here), held as the replica until a newer one comes.
   */
  record DiskListRead<C>(Instant at, ProtectedList list) implements ElectionInput<C> {}

  /**
   * A {@link ElectionEffect.StoreReplica} ended: {@code onDisk} is the list on this host's disk now, the replica or a
   * newer one that was there already.
   */
  record ReplicaStored<C>(Instant at, ProtectedList onDisk) implements ElectionInput<C> {}

  /** A {@link ElectionEffect.StoreReplica} failed, or did not end in time (the shell warns of why). */
  record ReplicaNotStored<C>(Instant at) implements ElectionInput<C> {}

  /** This host's own coordinator heard none of the other hosts for hostTimeout. */
  record AllHostsSilent<C>(Instant at, int hosts) implements ElectionInput<C> {}

  /**
   * This agent did nothing for {@code idle}: its shell saw no input for that long ({@link dev.vmha.timing.StallWatch}),
   * or its own coordinator did. Told before the input that follows, which may have waited that long.
   */
  record Stalled<C>(Instant at, Duration idle) implements ElectionInput<C> {}

  /** This host's own coordinator stopped beyond its own restarts. */
  record CoordinatorStopped<C>(Instant at) implements ElectionInput<C> {}

  /** An isolation address answered a ping, or did not within icmpPingTimeout. */
  record IsolationPinged<C>(Instant at, String address, boolean answered) implements ElectionInput<C> {}

  /** The VM manager applied the isolation response: what it stopped, kept running and could not stop. */
  record ResponseApplied<C>(Instant at, List<VmSpec> stopped, List<VmSpec> keptRunning, List<String> failures)
      implements ElectionInput<C> {}

  /** Someone asks for this host's role. */
  record RoleAsked<C>(Instant at) implements ElectionInput<C> {}

  /**
   * An operator's emergency action aimed at {@code host} (for a reset: every host), asked at this agent or relayed
   * from the agent where it was asked ({@code relayed}); {@code askedBy}: the API token's name.
   */
  record Emergency<C>(Instant at, EmergencyAction action, String host, String askedBy, boolean relayed)
      implements ElectionInput<C> {}

  /**
   * An operator, at this agent, suspends this host's enforcement of HA or restores it ({@code ./vmha host
   * emergency-disable [--force]}, {@code emergency-enable}); {@code askedBy}: the API token's name.
   */
  record EnforcementAsked<C>(Instant at, Enforcement enforcement, boolean force, String askedBy)
      implements ElectionInput<C> {}
}
