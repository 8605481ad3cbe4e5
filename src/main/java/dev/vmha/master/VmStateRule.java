package dev.vmha.master;

import dev.vmha.classify.Verdict;
import dev.vmha.restart.WaitReason;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Derives a protected VM's {@link VmState} from the master's view: the hosts' reports and verdicts, the restarts
 * pending and in flight. Says only what is known: a VM whose host is not heard is running there as last reported
 * (or unknown) since that host was last heard; a VM its fenced host powered off is fenced, not waiting for room.
 * Pure.
 */
public final class VmStateRule {
  private VmStateRule() {}

  /**
   * A host as the master knows it.
   *
   * @param heard it beat within hostTimeout
   * @param lastHeard when its last network heartbeat arrived
   * @param fenced its last report says it fenced itself
   * @param lastReported the VMs its last report listed as running or starting
   */
  public record HostFacts(
      Verdict verdict, String reason, boolean heard, Instant lastHeard, boolean fenced, Set<String> lastReported) {}

  /** A start in flight at {@code host}. */
  public record Start(String host, int attempt, Instant since) {}

  /** A VM lost from a host and waiting for a home; {@code waitingFor} empty: placed in the next round. */
  public record Lost(
      String from, String reason, int failedAttempts, Instant retryAt, Optional<WaitReason> waitingFor,
      String waitingWhy) {}

  /** One protected VM: the host the protected list places it on, and where its recovery stands. */
  public record VmFacts(
      String name, String placedOn, Optional<Start> starting, Optional<Lost> lost, Optional<String> givenUp) {}

  /**
   * @param hosts every host the master knows, by id
   * @param masterSince when this master took over: a host it has never heard is unknown since then
   */
  public static VmState derive(VmFacts vm, Map<String, HostFacts> hosts, Instant now, Instant masterSince) {
    for (Map.Entry<String, HostFacts> h : hosts.entrySet()) {
      HostFacts f = h.getValue();
      if (f.verdict() == Verdict.ALIVE && f.heard() && f.lastReported().contains(vm.name())) {
        return new VmState.Running(h.getKey());
      }
    }
    if (vm.starting().isPresent()) {
      Start s = vm.starting().get();
      return new VmState.Starting(s.host(), s.attempt(), s.since());
    }
    if (vm.lost().isPresent()) {
      Lost l = vm.lost().get();
      HostFacts from = hosts.get(l.from());
      if (from != null && from.fenced()) return new VmState.Fenced(l.from(), l.reason());
      if (l.retryAt().isAfter(now)) return new VmState.RetryScheduled(l.from(), l.failedAttempts(), l.retryAt());
      return new VmState.Waiting(l.from(), l.reason(), l.waitingFor(), l.waitingWhy());
    }
    if (vm.givenUp().isPresent()) return new VmState.GivenUp(vm.placedOn(), vm.givenUp().get());
    HostFacts at = hosts.get(vm.placedOn());
    if (at == null) {
      return new VmState.Unknown(vm.placedOn(), masterSince, Verdict.ALIVE, "not heard by this master yet");
    }
    if (at.verdict() == Verdict.DEAD || (at.verdict() == Verdict.ALIVE && at.heard())) {
      return new VmState.NotRunning(vm.placedOn());
    }
    String why = at.verdict() == Verdict.ALIVE ? "silent, not judged yet" : at.reason();
    return at.lastReported().contains(vm.name())
        ? new VmState.LastReported(vm.placedOn(), at.lastHeard(), at.verdict(), why)
        : new VmState.Unknown(vm.placedOn(), at.lastHeard(), at.verdict(), why);
  }
}
