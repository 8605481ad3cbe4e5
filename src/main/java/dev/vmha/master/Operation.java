package dev.vmha.master;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.vmha.JsonSerializable;
import dev.vmha.restart.ProtectionChange;
import java.util.Optional;

/**
 * An operator's change to HA itself, beyond power-on and power-off (issue 22), decided by {@link Operations}. Each
 * names who asked ({@code askedBy}: the API token's name), which the event recording the change carries.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Operation.SwitchHa.class, name = "SwitchHa"),
  @JsonSubTypes.Type(value = Operation.Retry.class, name = "Retry"),
  @JsonSubTypes.Type(value = Operation.Protect.class, name = "Protect"),
  @JsonSubTypes.Type(value = Operation.Unprotect.class, name = "Unprotect"),
  @JsonSubTypes.Type(value = Operation.SetProtection.class, name = "SetProtection"),
  @JsonSubTypes.Type(value = Operation.Move.class, name = "Move"),
})
public sealed interface Operation extends JsonSerializable {
  String askedBy();

  /** Enable or disable HA for the cluster ({@code host} empty) or for one host. */
  record SwitchHa(Optional<String> host, boolean enable, String askedBy) implements Operation {}

  /** Retry a given-up VM, or one waiting for its next retry: its failed attempts reset, it is planned again. */
  record Retry(String vm, String askedBy) implements Operation {}

  /** Protect a VM that runs at a live host, with its configured protection and {@code change} over it. */
  record Protect(String vm, ProtectionChange change, String askedBy) implements Operation {}

  /** Unprotect a VM: HA no longer restarts it; it keeps running. */
  record Unprotect(String vm, String askedBy) implements Operation {}

  /** Change how a protected VM is restarted: priority, order, ready condition, dependencies. */
  record SetProtection(String vm, ProtectionChange change, String askedBy) implements Operation {}

  /** Live-migrate a running VM to host {@code to} (decided by {@link Maintenance#move}: one migration at a time). */
  record Move(String vm, String to, String askedBy) implements Operation {}
}
