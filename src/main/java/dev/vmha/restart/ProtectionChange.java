package dev.vmha.restart;

import dev.vmha.JsonSerializable;
import dev.vmha.config.IsolationResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An operator's change to how a VM is restarted: each field given replaces the VM's, each left empty keeps it
 * ({@code ./vmha vm set VM --priority high --order 2 --after db --isolation-response shutdown}). Checked by {@code api.VmRequestRule}; whether the
 * dependencies name protected VMs and close no cycle only the master knows.
 */
public record ProtectionChange(
    Optional<RestartPriority> priority, Optional<Integer> order, Optional<ReadyCondition> ready,
    Optional<Duration> readyTimeout, Optional<List<String>> dependsOn, Optional<IsolationResponse> isolationResponse)
    implements JsonSerializable {

  public static final ProtectionChange NONE = new ProtectionChange(Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public boolean isEmpty() {
    return equals(NONE);
  }

  /** {@code p} with this change over it. */
  public VmProtection applyTo(VmProtection p) {
    return new VmProtection(priority.orElse(p.priority()), order.orElse(p.order()), ready.orElse(p.ready()),
        readyTimeout.orElse(p.readyTimeout()), dependsOn.orElse(p.dependsOn()),
        isolationResponse.isPresent() ? isolationResponse : p.isolationResponse());
  }
}
