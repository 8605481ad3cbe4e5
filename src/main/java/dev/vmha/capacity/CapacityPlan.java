package dev.vmha.capacity;

import dev.vmha.JsonSerializable;
import dev.vmha.config.CapacitySettings;
import dev.vmha.restart.RestartPriority;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's capacity as the master keeps it and `vmha status` shows it (issue 23): the policy's verdict, the
 * largest N a failover plan exists for, and the protected VMs that would not come back after which failures. Pure.
 *
 * @param policy what the cluster promises (vmha.capacity.policy)
 * @param hostFailures the configured N, the host failures to tolerate
 * @param ok the policy holds (always, when it is disabled)
 * @param max the largest N a failover plan exists for; empty when the policy is disabled
 * @param violations what breaks the policy, in words
 * @param wouldNotComeBack protected VMs left without room, from the first uncovered failure sets (at most
 *     {@link #SHOWN})
 */
public record CapacityPlan(CapacitySettings.Policy policy, int hostFailures, boolean ok,
    Optional<FailoverPlanner.Max> max, List<String> violations, List<Unplaced> wouldNotComeBack)
    implements JsonSerializable {

  /** A protected VM on {@code host} that would find no room if the hosts {@code failed} failed together. */
  public record Unplaced(String vm, String host, RestartPriority priority, List<String> failed, String why)
      implements JsonSerializable {
    public String describe() {
      return "if " + String.join(", ", failed) + " failed, " + vm + " (on " + host + ") would not come back: " + why;
    }
  }

  /**
   * The most failure sets of one size the largest N enumerates (the verdict on the configured N enumerates
   * {@link FailoverPlanner#MAX_SETS}): it is computed on every change of the cluster, so a large cluster gets "at
   * least N" at once rather than an exact N seconds later.
   */
  public static final long MAX_SETS = 100_000;

  /** VMs listed in {@link #wouldNotComeBack} at most. */
  public static final int SHOWN = 20;

  public CapacityPlan {
    violations = List.copyOf(violations);
    wouldNotComeBack = List.copyOf(wouldNotComeBack);
  }

  public static CapacityPlan of(Cluster c, CapacitySettings s) {
    CapacityCheck.Report r = CapacityCheck.judge(c, s);
    if (s.policy() == CapacitySettings.Policy.DISABLED) {
      return new CapacityPlan(s.policy(), s.hostFailures(), true, Optional.empty(), List.of(), List.of());
    }
    List<Unplaced> left = new ArrayList<>();
    r.plan().ifPresent(v -> v.uncovered().forEach(p -> p.left().stream()
        .filter(l -> l.priority().owedRoom())
        .forEach(l -> {
          if (left.size() < SHOWN) left.add(new Unplaced(l.vm(), l.from(), l.priority(), p.failed(), l.why()));
        })));
    FailoverPlanner.Max max = FailoverPlanner.of(c, MAX_SETS).max();
    return new CapacityPlan(s.policy(), s.hostFailures(), r.ok(), Optional.of(max), r.violations(), left);
  }

  /** One line: the verdict, N and the largest N. */
  public String describe() {
    if (policy == CapacitySettings.Policy.DISABLED) return "capacity policy disabled: not checked";
    String most = max.map(m -> "; a failover plan exists for up to " + m.failures() + " host failure"
        + (m.failures() == 1 ? "" : "s") + (m.exact() ? "" : " at least")).orElse("");
    return (ok ? "capacity OK" : "OVERCOMMITTED") + " (policy " + policy.configName()
        + (policy == CapacitySettings.Policy.HOST_FAILURES ? ", N = " + hostFailures : "") + ")" + most
        + (ok ? "" : ": " + String.join("; ", violations));
  }
}
