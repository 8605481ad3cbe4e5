package dev.vmha.restart;

import dev.vmha.JsonSerializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How HA restarts one VM: its priority and start order (VMs of one priority start in ascending order, 0 first),
 * when it counts as ready for the next group (or after readyTimeout regardless), and the VMs that must be ready
 * before it starts. A VM depending on itself is a cycle, refused by {@link Dependencies#findCycle}.
 */
public record VmProtection(
    RestartPriority priority, int order, ReadyCondition ready, Duration readyTimeout, List<String> dependsOn)
    implements JsonSerializable {

  public VmProtection {
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(ready, "ready");
    if (order < 0) throw new IllegalArgumentException("order must be at least 0, was " + order);
    if (readyTimeout == null || readyTimeout.isNegative()) {
      throw new IllegalArgumentException("readyTimeout must be zero or more, was " + readyTimeout);
    }
    dependsOn = List.copyOf(dependsOn);
  }

  /** The shipped vmha.vm-defaults: medium, order 0, ready once resources are allocated or after 600 s, no dependencies. */
  public static VmProtection defaults() {
    return new VmProtection(RestartPriority.MEDIUM, 0, ReadyCondition.RESOURCES_ALLOCATED, Duration.ofSeconds(600),
        List.of());
  }
}
