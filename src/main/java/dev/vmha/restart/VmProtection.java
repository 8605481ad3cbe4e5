package dev.vmha.restart;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.vmha.JsonSerializable;
import dev.vmha.config.IsolationResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How HA restarts one VM: its priority and start order (VMs of one priority start in ascending order, 0 first),
 * when it counts as ready for the next group (or after readyTimeout regardless), and the VMs that must be ready
 * before it starts. A VM depending on itself is a cycle, refused by {@link Dependencies#findCycle}. An operator may
 * give it its own isolation response ({@code ./vmha vm set VM --isolation-response leave-powered-on}, vSphere's
 * per-VM override), which wins over the configured ones; lists and events written before it existed read without.
 */
public record VmProtection(
    RestartPriority priority, int order, ReadyCondition ready, Duration readyTimeout, List<String> dependsOn,
    // written as null when it has none; the state files refuse every other null
    @JsonSetter(nulls = Nulls.AS_EMPTY) Optional<IsolationResponse> isolationResponse) implements JsonSerializable {

  /** Without an isolation response of its own: the configured one applies. */
  public VmProtection(
      RestartPriority priority, int order, ReadyCondition ready, Duration readyTimeout, List<String> dependsOn) {
    this(priority, order, ready, readyTimeout, dependsOn, Optional.empty());
  }

  public VmProtection {
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(ready, "ready");
    if (order < 0) throw new IllegalArgumentException("order must be at least 0, was " + order);
    if (readyTimeout == null || readyTimeout.isNegative()) {
      throw new IllegalArgumentException("readyTimeout must be zero or more, was " + readyTimeout);
    }
    dependsOn = List.copyOf(dependsOn);
    // a list or an event written before the per-VM isolation response existed has none
    if (isolationResponse == null) isolationResponse = Optional.empty();
  }

  /** The shipped vmha.vm-defaults: medium, order 0, ready once resources are allocated or after 600 s, no dependencies. */
  public static VmProtection defaults() {
    return new VmProtection(RestartPriority.MEDIUM, 0, ReadyCondition.RESOURCES_ALLOCATED, Duration.ofSeconds(600),
        List.of());
  }
}
