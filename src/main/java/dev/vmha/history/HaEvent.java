package dev.vmha.history;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.vmha.JsonSerializable;
import dev.vmha.api.ApiRole;
import dev.vmha.classify.Evidence;
import dev.vmha.classify.SelfDiagnosis;
import dev.vmha.classify.Verdict;
import dev.vmha.config.IsolationResponse;
import dev.vmha.election.EmergencyAction;
import dev.vmha.election.Role;
import dev.vmha.config.WatchdogSettings;
import dev.vmha.isolation.Enforcement;
import dev.vmha.restart.VmProtection;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.restart.WaitReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every decision vmha takes, as one record per kind. {@code at} is when it was taken, {@code by} the host that took
 * it. Persisted by {@link HistoryJournal} as JSON (Pekko's jackson-json, type name in {@code type}); a change to a
 * record's fields raises its schema version through a {@code JacksonMigration} that reads the older JSON (see
 * {@link DatastoreAccessChangedMigration} and application.conf). {@link #describe()} is the one readable text of
 * each event, used by the log, the timeline and the demo.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = HaEvent.AgentStarted.class, name = "AgentStarted"),
  @JsonSubTypes.Type(value = HaEvent.ElectionStarted.class, name = "ElectionStarted"),
  @JsonSubTypes.Type(value = HaEvent.MasterElected.class, name = "MasterElected"),
  @JsonSubTypes.Type(value = HaEvent.RoleChanged.class, name = "RoleChanged"),
  @JsonSubTypes.Type(value = HaEvent.MembershipChanged.class, name = "MembershipChanged"),
  @JsonSubTypes.Type(value = HaEvent.HostSilent.class, name = "HostSilent"),
  @JsonSubTypes.Type(value = HaEvent.HostJudged.class, name = "HostJudged"),
  @JsonSubTypes.Type(value = HaEvent.VmProtected.class, name = "VmProtected"),
  @JsonSubTypes.Type(value = HaEvent.VmRestartPlanned.class, name = "VmRestartPlanned"),
  @JsonSubTypes.Type(value = HaEvent.VmRestartAttempted.class, name = "VmRestartAttempted"),
  @JsonSubTypes.Type(value = HaEvent.VmRestarted.class, name = "VmRestarted"),
  @JsonSubTypes.Type(value = HaEvent.VmRestartFailed.class, name = "VmRestartFailed"),
  @JsonSubTypes.Type(value = HaEvent.VmAwaitingCapacity.class, name = "VmAwaitingCapacity"),
  @JsonSubTypes.Type(value = HaEvent.VmNotRestarted.class, name = "VmNotRestarted"),
  @JsonSubTypes.Type(value = HaEvent.DatastoreAccessChanged.class, name = "DatastoreAccessChanged"),
  @JsonSubTypes.Type(value = HaEvent.StateFileCorrupt.class, name = "StateFileCorrupt"),
  @JsonSubTypes.Type(value = HaEvent.HostSelfFenced.class, name = "HostSelfFenced"),
  @JsonSubTypes.Type(value = HaEvent.HostUnfenced.class, name = "HostUnfenced"),
  @JsonSubTypes.Type(value = HaEvent.IsolationCheckStarted.class, name = "IsolationCheckStarted"),
  @JsonSubTypes.Type(value = HaEvent.SelfDiagnosed.class, name = "SelfDiagnosed"),
  @JsonSubTypes.Type(value = HaEvent.IsolationResponseApplied.class, name = "IsolationResponseApplied"),
  @JsonSubTypes.Type(value = HaEvent.IsolationEnded.class, name = "IsolationEnded"),
  @JsonSubTypes.Type(value = HaEvent.ProtectedListOwnership.class, name = "ProtectedListOwnership"),
  @JsonSubTypes.Type(value = HaEvent.VmLeaseFenced.class, name = "VmLeaseFenced"),
  @JsonSubTypes.Type(value = HaEvent.VmStoppedInGuest.class, name = "VmStoppedInGuest"),
  @JsonSubTypes.Type(value = HaEvent.VmPoweredOff.class, name = "VmPoweredOff"),
  @JsonSubTypes.Type(value = HaEvent.HostMaintenanceChanged.class, name = "HostMaintenanceChanged"),
  @JsonSubTypes.Type(value = HaEvent.VmMigrated.class, name = "VmMigrated"),
  @JsonSubTypes.Type(value = HaEvent.VmNotMigrated.class, name = "VmNotMigrated"),
  @JsonSubTypes.Type(value = HaEvent.VmRestartWaiting.class, name = "VmRestartWaiting"),
  @JsonSubTypes.Type(value = HaEvent.VmRestartRetryScheduled.class, name = "VmRestartRetryScheduled"),
  @JsonSubTypes.Type(value = HaEvent.VmReady.class, name = "VmReady"),
  @JsonSubTypes.Type(value = HaEvent.WatchdogArmed.class, name = "WatchdogArmed"),
  @JsonSubTypes.Type(value = HaEvent.WatchdogDisarmed.class, name = "WatchdogDisarmed"),
  @JsonSubTypes.Type(value = HaEvent.WatchdogFailed.class, name = "WatchdogFailed"),
  @JsonSubTypes.Type(value = HaEvent.WatchdogNearMiss.class, name = "WatchdogNearMiss"),
  @JsonSubTypes.Type(value = HaEvent.LeaseRenewalLate.class, name = "LeaseRenewalLate"),
  @JsonSubTypes.Type(value = HaEvent.WatchdogFired.class, name = "WatchdogFired"),
  @JsonSubTypes.Type(value = HaEvent.ApiRequest.class, name = "ApiRequest"),
  @JsonSubTypes.Type(value = HaEvent.DuplicateHostId.class, name = "DuplicateHostId"),
  @JsonSubTypes.Type(value = HaEvent.ClusterHaSwitched.class, name = "ClusterHaSwitched"),
  @JsonSubTypes.Type(value = HaEvent.HostHaSwitched.class, name = "HostHaSwitched"),
  @JsonSubTypes.Type(value = HaEvent.VmRetryAsked.class, name = "VmRetryAsked"),
  @JsonSubTypes.Type(value = HaEvent.VmProtectionSet.class, name = "VmProtectionSet"),
  @JsonSubTypes.Type(value = HaEvent.VmUnprotected.class, name = "VmUnprotected"),
  @JsonSubTypes.Type(value = HaEvent.EmergencyAsked.class, name = "EmergencyAsked"),
  @JsonSubTypes.Type(value = HaEvent.HostEnforcementChanged.class, name = "HostEnforcementChanged"),
  @JsonSubTypes.Type(value = HaEvent.CapacityPlanChanged.class, name = "CapacityPlanChanged"),
  @JsonSubTypes.Type(value = HaEvent.CapacityAdmission.class, name = "CapacityAdmission"),
})
public sealed interface HaEvent extends JsonSerializable {
  Instant at();

  String by();

  /** One line for an operator's timeline. */
  String describe();

  record AgentStarted(Instant at, String by, String address, List<String> datastores) implements HaEvent {
    public String describe() {
      return "agent started at " + address + ", datastores " + datastores;
    }
  }

  record ElectionStarted(Instant at, String by, String reason) implements HaEvent {
    public String describe() {
      return "entered election: " + reason;
    }
  }

  record MasterElected(Instant at, String by, String master, List<String> candidates, String rule) implements HaEvent {
    public String describe() {
      return "election over: " + master + " wins among " + candidates + " (" + rule + ")";
    }
  }

  /** {@code why}: what made a host follow a master it heard (the election, a better rank, the isolation's end). */
  record RoleChanged(Instant at, String by, Role from, Role to, Optional<String> master, Optional<String> why)
      implements HaEvent {
    public String describe() {
      return "role " + from + " -> " + to + why.map(w -> " (" + w + ")").orElse("")
          + master.map(m -> " (master " + m + ")").orElse("");
    }
  }

  record MembershipChanged(Instant at, String by, String host, String change) implements HaEvent {
    public String describe() {
      return "cluster membership: " + host + " " + change;
    }
  }

  record HostSilent(Instant at, String by, String host, Duration silentFor) implements HaEvent {
    public String describe() {
      return host + " silent for " + silentFor.toMillis() + " ms: pinging it and checking its datastore heartbeat";
    }
  }

  record HostJudged(Instant at, String by, String host, Verdict verdict, String reason, Evidence evidence)
      implements HaEvent {
    public String describe() {
      return host + " declared " + verdict + ": " + reason;
    }
  }

  record VmProtected(Instant at, String by, String vm, String host) implements HaEvent {
    public String describe() {
      return vm + " protected, running at " + host;
    }
  }

  record VmRestartPlanned(Instant at, String by, String vm, String failedHost, String target, String reason)
      implements HaEvent {
    public String describe() {
      return vm + " (was on " + failedHost + ") to restart at " + target + ": " + reason;
    }
  }

  record VmRestartAttempted(Instant at, String by, String vm, String host, int attempt) implements HaEvent {
    public String describe() {
      return vm + " power-on at " + host + ", attempt " + attempt;
    }
  }

  record VmRestarted(Instant at, String by, String vm, String host) implements HaEvent {
    public String describe() {
      return vm + " running at " + host;
    }
  }

  record VmRestartFailed(Instant at, String by, String vm, String host, String reason) implements HaEvent {
    public String describe() {
      return vm + " power-on at " + host + " failed: " + reason;
    }
  }

  record VmAwaitingCapacity(Instant at, String by, String vm, String reason) implements HaEvent {
    public String describe() {
      return vm + " not restarted yet: " + reason;
    }
  }

  /** A VM that needs a home and is given up, with why: disabled, best-effort without room, retries exhausted. */
  record VmNotRestarted(Instant at, String by, String vm, String reason) implements HaEvent {
    public String describe() {
      return vm + " not restarted: " + reason;
    }
  }

  /** Schema version 2: {@code detail} renamed {@code reason}, as in every other event (DatastoreAccessChangedMigration). */
  record DatastoreAccessChanged(Instant at, String by, String datastore, boolean accessible, String reason)
      implements HaEvent {
    public String describe() {
      return "datastore " + datastore + (accessible ? " accessible" : " inaccessible: " + reason);
    }
  }

  record StateFileCorrupt(Instant at, String by, String datastore, String detail) implements HaEvent {
    public String describe() {
      return "corrupt state file on " + datastore + ", not trusted: " + detail;
    }
  }

  record HostSelfFenced(Instant at, String by, String reason, List<String> stopped) implements HaEvent {
    public String describe() {
      return "self-fenced, powered off " + stopped + ": " + reason;
    }
  }

  record HostUnfenced(Instant at, String by, String reason) implements HaEvent {
    public String describe() {
      return "fence lifted: " + reason;
    }
  }

  record IsolationCheckStarted(Instant at, String by, String trigger, List<String> addresses) implements HaEvent {
    public String describe() {
      return trigger + ": pinging isolation addresses " + addresses;
    }
  }

  /** {@code signals}: what the diagnosis observed; null in events recorded before it was added. */
  record SelfDiagnosed(Instant at, String by, String result, String reason, SelfDiagnosis.Signals signals)
      implements HaEvent {
    public String describe() {
      return "declares itself " + result + ": " + reason;
    }
  }

  /**
   * What an isolated host's response did, and the setting it applied: {@code response} (vmha.isolation.response) and
   * {@code vmResponses}, the per-VM overrides for the VMs listed here, so that {@link Replay} can re-decide it. Both
   * are missing in events recorded before they were added: {@code response} then reads as null.
   */
  record IsolationResponseApplied(
      Instant at, String by, List<String> stopped, List<String> keptRunning, List<String> failures,
      IsolationResponse response, Map<String, IsolationResponse> vmResponses) implements HaEvent {
    public IsolationResponseApplied {
      vmResponses = vmResponses == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(vmResponses));
    }

    public String describe() {
      return "isolation response" + (response == null ? "" : " " + response.configName() + (vmResponses.isEmpty()
          ? "" : " " + vmResponses)) + ": stopped " + stopped + ", kept running " + keptRunning
          + (failures.isEmpty() ? "" : ", failures " + failures) + "; power-on file marked isolated";
    }
  }

  record IsolationEnded(Instant at, String by, String reason) implements HaEvent {
    public String describe() {
      return "isolation over: " + reason;
    }
  }

  /** This master took ({@code owned} true) or lost the protected-list lock on these datastores. */
  record ProtectedListOwnership(Instant at, String by, boolean owned, List<String> datastores, String reason)
      implements HaEvent {
    public String describe() {
      return (owned ? "owns the protected list on " : "no longer owns the protected list on ") + datastores + ": "
          + reason;
    }
  }

  /** A host powered a VM off itself because it lost the VM's lease (seed 001's self-fencing, per VM). */
  record VmLeaseFenced(Instant at, String by, String vm, String reason) implements HaEvent {
    public String describe() {
      return vm + " powered off here: " + reason;
    }
  }

  record VmStoppedInGuest(Instant at, String by, String vm) implements HaEvent {
    public String describe() {
      return vm + " stopped from inside its guest (shutdown or crash): restarted like a failure";
    }
  }

  /** An operator powered a protected VM off through vmha: it is unprotected and not restarted. */
  record VmPoweredOff(Instant at, String by, String vm, String host) implements HaEvent {
    public String describe() {
      return vm + " powered off at " + host + " by an operator: no longer protected";
    }
  }

  /**
   * A host's maintenance mode changed ({@code NONE}: it left maintenance), at the request of {@code requestedBy}
   * (the API caller; the master itself when a draining host became empty); {@code detail} says what follows.
   */
  record HostMaintenanceChanged(
      Instant at, String by, String host, MaintenanceMode mode, String requestedBy, String detail) implements HaEvent {
    public String describe() {
      String what = switch (mode) {
        case ENTERING -> " enters maintenance";
        case IN_MAINTENANCE -> " is in maintenance";
        case NONE -> " left maintenance";
      };
      return "host " + host + what + " (asked by " + requestedBy + ")" + (detail.isEmpty() ? "" : ": " + detail);
    }
  }

  /** A VM was live-migrated: its writer at {@code from} stopped, then it started at {@code to}, its lease moved. */
  record VmMigrated(Instant at, String by, String vm, String from, String to, String reason) implements HaEvent {
    public String describe() {
      return vm + " migrated from " + from + " to " + to + " (" + reason + ")";
    }
  }

  /** A migration failed: {@code runsAt} where the VM runs now ("-": nowhere, it is restarted like a failure). */
  record VmNotMigrated(Instant at, String by, String vm, String from, String to, String runsAt, String reason)
      implements HaEvent {
    public String describe() {
      return vm + " not migrated from " + from + " to " + to + ": " + reason
          + (runsAt.equals("-") ? "; it runs nowhere and is restarted" : "; it runs at " + runsAt);
    }
  }

  /** A VM that needs a home does not start yet, and why (an earlier group, a dependency, its lease, a start slot). */
  record VmRestartWaiting(Instant at, String by, String vm, WaitReason kind, String reason) implements HaEvent {
    public String describe() {
      return vm + " waits (" + kind.code() + "): " + reason;
    }
  }

  record VmRestartRetryScheduled(Instant at, String by, String vm, int failedAttempts, Duration delay, String reason)
      implements HaEvent {
    public String describe() {
      return vm + " attempt " + failedAttempts + " failed (" + reason + "); next attempt in " + delay.toSeconds() + " s";
    }
  }

  /** A started VM met its ready condition (or its ready timeout passed): VMs ordered after it may start. */
  record VmReady(Instant at, String by, String vm, String how) implements HaEvent {
    public String describe() {
      return vm + " ready: " + how;
    }
  }

  /** The host's watchdog is armed: from now on it stops this host's VMs when the agent stops petting it. */
  record WatchdogArmed(Instant at, String by, WatchdogSettings.Type type, Duration timeout) implements HaEvent {
    public String describe() {
      return "watchdog (" + type.name().toLowerCase() + ") armed: it stops this host's VMs if not petted for "
          + timeout.toMillis() + " ms";
    }
  }

  /** The watchdog was disarmed (magic close) at a clean agent stop: nothing stops the VMs now. */
  record WatchdogDisarmed(Instant at, String by, WatchdogSettings.Type type, String reason) implements HaEvent {
    public String describe() {
      return "watchdog (" + type.name().toLowerCase() + ") disarmed: " + reason;
    }
  }

  /** The watchdog cannot be armed or petted (no watchdog process, a device error). */
  record WatchdogFailed(Instant at, String by, WatchdogSettings.Type type, String reason) implements HaEvent {
    public String describe() {
      return "watchdog (" + type.name().toLowerCase() + ") failing: " + reason;
    }
  }

  /** A pet came later than half the watchdog's timeout after the one before: the agent nearly let it fire. */
  record WatchdogNearMiss(Instant at, String by, Duration gap, Duration timeout) implements HaEvent {
    public String describe() {
      return "watchdog near-miss: petted " + gap.toMillis() + " ms after the pet before (timeout "
          + timeout.toMillis() + " ms)";
    }
  }

  /**
   * A VM's lease here has not been renewed for {@code unrenewedFor}, half of {@code fenceAfter} or more
   * ({@link dev.vmha.timing.TimingRules.Lease#lateAfter()}): the host nearly fenced the VM. Once per episode, until a renewal
   * lands again.
   */
  record LeaseRenewalLate(Instant at, String by, String vm, Duration unrenewedFor, Duration fenceAfter)
      implements HaEvent {
    public String describe() {
      return "lease of " + vm + " not renewed for " + unrenewedFor.toMillis() + " ms: renewals are late (this host"
          + " powers " + vm + " off at " + fenceAfter.toMillis() + " ms unrenewed)";
    }
  }

  /** The watchdog fired (recorded by the watchdog, reported by the agent when it next reached it). */
  record WatchdogFired(Instant at, String by, WatchdogSettings.Type type, List<String> stopped, String reason)
      implements HaEvent {
    public String describe() {
      return "watchdog (" + type.name().toLowerCase() + ") FIRED and stopped " + stopped + ": " + reason;
    }
  }

  /**
   * A change asked through this agent's HTTP API, recorded before it is passed on: who asked (the name of the token,
   * never its secret), with which role, and what. What the master then did follows as its own events.
   */
  record ApiRequest(Instant at, String by, String token, ApiRole role, String request, String vm) implements HaEvent {
    public String describe() {
      return "API request by token \"" + token + "\" (" + role.label() + "): " + request;
    }
  }

  /**
   * Another agent with this host's id is a member of the cluster, at {@code otherAddress}: the one of the two that
   * joined later stops ({@code thisAgentStops} says whether that is the recording agent).
   */
  record DuplicateHostId(Instant at, String by, String address, String otherAddress, boolean thisAgentStops)
      implements HaEvent {
    public String describe() {
      return "another agent with host id " + by + " is a cluster member at " + otherAddress + " (this one runs at "
          + address + "): " + (thisAgentStops ? "this agent joined later and stops"
          : "it joined later and stops; give each host its own vmha.host.id");
    }
  }

  /** An operator enabled or disabled HA for the cluster (stored in the protected list); {@code askedBy}: the token. */
  record ClusterHaSwitched(Instant at, String by, boolean enabled, String askedBy) implements HaEvent {
    public String describe() {
      return "HA " + (enabled ? "enabled" : "disabled: no failover, no restarts, no isolation response; VMs keep"
          + " running") + " for the cluster, asked by \"" + askedBy + "\"";
    }
  }

  /** An operator enabled or disabled HA for one host (stored in the protected list); {@code askedBy}: the token. */
  record HostHaSwitched(Instant at, String by, String host, boolean enabled, String askedBy) implements HaEvent {
    public String describe() {
      return "HA " + (enabled ? "enabled" : "disabled: its VMs are not failed over, it takes no restarts and runs no"
          + " isolation response") + " for host " + host + ", asked by \"" + askedBy + "\"";
    }
  }

  /** An operator asked to retry a VM: its {@code failedAttempts} were reset and it is planned again. */
  record VmRetryAsked(Instant at, String by, String vm, int failedAttempts, String askedBy) implements HaEvent {
    public String describe() {
      return vm + ": retry asked by \"" + askedBy + "\"; its " + failedAttempts + " failed attempts reset, planned"
          + " again";
    }
  }

  /**
  /**
   * The master's capacity verdict changed (or a new master computed its first): {@code ok} whether the policy holds
   * (a failover plan exists for N = {@code hostFailures}), {@code maxFailures} the largest N a plan exists for,
   * {@code summary} the plan in words (what breaks it, which VMs would not come back after which failures). Not
   * recorded while the policy is disabled.
   */
  record CapacityPlanChanged(Instant at, String by, boolean ok, int hostFailures, int maxFailures, String summary)
      implements HaEvent {
    public String describe() {
      return summary;
    }
  }

  /**
   * An operator protected a running VM ({@code newly}) or changed how a protected one is restarted: it is restarted as
   * {@code protection} from now on; {@code askedBy}: the token.
   */
  record VmProtectionSet(Instant at, String by, String vm, String host, VmProtection protection, boolean newly,
      String askedBy) implements HaEvent {
    public String describe() {
      return vm + (newly ? " protected at " + host : " restarted") + " with priority "
          + protection.priority().configName() + ", order " + protection.order() + (protection.dependsOn().isEmpty()
          ? "" : ", after " + String.join(", ", protection.dependsOn()))
          + protection.isolationResponse().map(r -> ", isolation response " + r.configName()).orElse("")
          + ", asked by \"" + askedBy + "\"";
    }
  }

  /** An operator unprotected a VM: HA no longer restarts it, and it keeps running at {@code host}. */
  record VmUnprotected(Instant at, String by, String vm, String host, String askedBy) implements HaEvent {
    public String describe() {
      return vm + " unprotected (it keeps running at " + host + "), asked by \"" + askedBy + "\"";
    }
  }

  /** An operator's emergency action on the election, taken by this host ({@code askedBy}: the token). */
  record EmergencyAsked(Instant at, String by, EmergencyAction action, String askedBy) implements HaEvent {
    public String describe() {
      return (action == EmergencyAction.FORCE_MASTER ? by + " forced to become master" : "election reset at " + by)
          + ", asked by \"" + askedBy + "\"";
    }
  }

  /**
   * HA's enforcement on host {@code by} suspended ({@code ./vmha host emergency-disable}: no self-fence, no isolation
   * response, VMs kept running) or restored; {@code forced} when the protected list it held did not show HA disabled
   * for it; {@code askedBy}: the API token's name, or the protected list that restored it.
   */
  record HostEnforcementChanged(Instant at, String by, Enforcement enforcement, boolean forced, String askedBy)
      implements HaEvent {
    public String describe() {
      return (enforcement.on() ? "HA's enforcement on " + by + " restored" : "HA's enforcement on " + by
          + " suspended (emergency disable" + (forced ? ", forced" : "") + "): its VMs keep running unfenced")
          + ", asked by \"" + askedBy + "\"";
    }
  }

  /**
   * Admission control judged an operation that would break the capacity policy: {@code refused} it, or let it go
   * ahead with this warning (vmha.capacity.admission). {@code host}: where the VM would run, or the host entering
   * maintenance; {@code vms}: the VM powered on or protected, or the protected VMs the maintenance would leave without
   * room after a failure.
   */
  record CapacityAdmission(Instant at, String by, String operation, String host, List<String> vms, boolean refused,
      String reason) implements HaEvent {
    public CapacityAdmission {
      vms = List.copyOf(vms);
    }

    public String describe() {
      return (refused ? "refused: " : "allowed with a warning: ") + reason;
    }
  }
}
