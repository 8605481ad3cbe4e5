package dev.vmha.restart;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Why a VM that needs a home is not started now: one vocabulary for the planner, the master, the events and
 * {@code explain}. In JSON (events, status) each is its {@link #code}, the string events have always carried.
 */
public enum WaitReason {
  /** The planner: a VM of an earlier start group is being started and not ready yet. */
  EARLIER_GROUP("earlier-group", "VMs of an earlier start group are not ready yet"),
  /** The planner: a VM it depends on is not ready. */
  DEPENDENCY("dependency", "a VM it depends on is not ready"),
  /** The planner: no live host has the memory it needs. */
  NO_ROOM("no-room", "no live host has room for it"),
  /**
   * The master: no live host has room, after failures beyond the failover plan (more hosts down than it covers, or
   * the cluster was overcommitted): the protected VM waits as best-effort, as XenServer handles an overcommit.
   */
  BEYOND_PLAN("beyond-plan", "more hosts failed than the failover plan covers: it waits as best-effort for room"),
  /** The planner: every host with room has all its start slots in use. */
  NO_START_SLOT("no-start-slot", "every host with room has all its start slots in use"),
  /** The master: its lease is held by a host that may still run it. */
  LEASE("lease", "its lease is still held by another host, which may still run it"),
  /** The master holds no protected-list lock. */
  LIST_LOCK("list-lock", "the master holds no protected-list lock: the cluster is partitioned and the other side's"
      + " master owns the list"),
  /** The master's side, without heartbeat datastores, holds no strict majority (or has held one too briefly). */
  NO_MAJORITY("no-majority", "the master's side holds no strict majority of the hosts (no heartbeat datastores)"),
  /**
   * Without heartbeat datastores, the master could not write the protected list that records the restart to its
   * host's disk, the one record a next agent there reads: the power-on waits for a write that succeeds.
   */
  LIST_NOT_STORED("list-not-stored", "the master could not write the protected list recording its restart to its"
      + " host's disk (no heartbeat datastores)"),
  /** An operator disabled HA for the cluster, or for the host the VM was lost from. */
  HA_DISABLED("ha-disabled", "HA is disabled (for the cluster, or the host it was lost from) by an operator"),
  /** A host that may run it has not shown since: its power-on went unanswered, or another side may have started it. */
  POWER_STATE_UNKNOWN("unknown", "a host that may run it has not reported since (a power-on went unanswered, or"
      + " another side held the majority)");

  private final String code;
  private final String meaning;

  WaitReason(String code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The short form, as events and status carry it. */
  @JsonValue
  public String code() {
    return code;
  }

  /** What it means, as an operator reads it. */
  public String meaning() {
    return meaning;
  }

  public static Optional<WaitReason> of(String code) {
    return Arrays.stream(values()).filter(r -> r.code.equals(code)).findFirst();
  }

  @JsonCreator
  static WaitReason fromJson(String code) {
    return of(code).orElseThrow(() -> new IllegalArgumentException("unknown wait reason '" + code + "'"));
  }
}
