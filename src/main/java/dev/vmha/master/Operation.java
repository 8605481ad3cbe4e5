package dev.vmha.master;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.vmha.JsonSerializable;
import java.util.Optional;

/**
 * An operator's change to HA itself, beyond power-on and power-off (issue 22), decided by {@link Operations}. Each
 * names who asked ({@code askedBy}: the API token's name), which the event recording the change carries.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Operation.SwitchHa.class, name = "SwitchHa"),
  @JsonSubTypes.Type(value = Operation.Retry.class, name = "Retry"),
})
public sealed interface Operation extends JsonSerializable {
  String askedBy();

  /** Enable or disable HA for the cluster ({@code host} empty) or for one host. */
  record SwitchHa(Optional<String> host, boolean enable, String askedBy) implements Operation {}

  /** Retry a given-up VM, or one waiting for its next retry: its failed attempts reset, it is planned again. */
  record Retry(String vm, String askedBy) implements Operation {}
}
