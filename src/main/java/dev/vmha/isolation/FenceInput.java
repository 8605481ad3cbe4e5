package dev.vmha.isolation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What the {@link FenceMachine} is told, each at the wall time {@code at} it happened (it stamps the events). */
public sealed interface FenceInput {
  Instant at();

  /**
   * One interval passed; the cluster as this host sees it then.
   *
   * @param members the host ids of the cluster's members
   * @param heard those of them neither leaving (down, removed) nor unreachable from here
   */
  record Tick(Instant at, Set<String> members, Set<String> heard) implements FenceInput {
    public Tick {
      members = Set.copyOf(members);
      heard = Set.copyOf(heard);
    }
  }

  /** This host's datastore view: when its own heartbeat last reached a datastore (the view's time). */
  record ViewRead(Instant at, Duration lastOwnWrite) implements FenceInput {}

  /**
   * Without datastores: whether {@code master}'s latest beat counts this host on its side (a host that becomes master
   * counts itself). Left out for {@link dev.vmha.timing.TimingRules#leftOutFenceAfter}, the host fences itself.
   */
  record CountedByMaster(Instant at, String master, boolean counted) implements FenceInput {}

  /**
   * Without datastores, once at the agent's start: the {@link MajorityRecord} the agents before this one left on the
   * host's disk (empty if none, or if it could not be trusted).
   */
  record RecordRead(Instant at, Optional<MajorityRecord> record) implements FenceInput {}

  /**
   * Without datastores, once at the agent's start instead of {@link RecordRead}: the record is there but cannot be
   * trusted (torn, altered, unreadable), so when the host last heard a majority is unknown.
   */
  record RecordUnreadable(Instant at, String why) implements FenceInput {}

  /** An operator suspended this host's enforcement of HA, or restored it (emergency disable, enable). */
  record Enforce(Instant at, Enforcement enforcement) implements FenceInput {}

  /** The VM manager fenced the host for {@code reason}: the VMs the hypervisor then shows stopped. */
  record Fenced(Instant at, String reason, List<String> stopped) implements FenceInput {
    public Fenced {
      stopped = List.copyOf(stopped);
    }
  }
}
