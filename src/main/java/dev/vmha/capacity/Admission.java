package dev.vmha.capacity;

import dev.vmha.config.CapacitySettings;
import java.util.Optional;

/**
 * Admission control (issue 23, vmha.capacity.admission): whether an operation that changes the cluster — power on
 * or protect a VM, put a host in maintenance — may go ahead under the capacity policy. The one decision point every
 * such operation calls, with the cluster as it would be after it. Pure.
 *
 * <p>An operation that leaves the policy holding is allowed; one after which it does not hold is refused with the
 * reason, or allowed with that reason as a warning (admission = warn) — also when the cluster was overcommitted
 * already, as XenServer refuses operations on an overcommitted pool.
 */
public final class Admission {
  private Admission() {}

  public enum Outcome { ALLOWED, WARNED, REFUSED }

  /** The outcome and, unless allowed, why; {@code after}: the plan the cluster would have. */
  public record Decision(Outcome outcome, String reason, CapacityPlan after) {}

  /**
   * @param now the plan the cluster has now (empty: none yet)
   * @param after the cluster as it would be after the operation
   * @param operation what is asked, as an operator reads it ("power on web9 at host2")
   */
  public static Decision judge(Optional<CapacityPlan> now, Cluster after, CapacitySettings s, String operation) {
    CapacityPlan plan = CapacityPlan.of(after, s);
    if (plan.ok()) return new Decision(Outcome.ALLOWED, "", plan);
    String example = plan.wouldNotComeBack().stream().findFirst().map(u -> "; " + u.describe()).orElse("");
    String reason = operation + " would leave the cluster without room for its failovers (vmha.capacity.policy = "
        + s.policy().configName() + "): " + String.join("; ", plan.violations())
        + example + (now.map(CapacityPlan::ok).orElse(true) ? "" : " (the cluster is overcommitted already)");
    return new Decision(s.admission() == CapacitySettings.Admission.REFUSE ? Outcome.REFUSED : Outcome.WARNED, reason,
        plan);
  }
}
