package dev.vmha.master;

import dev.vmha.JsonSerializable;
import java.util.Optional;

/**
 * An operator request's answer. {@code invalidField}: the request field a refusal is about (the API answers 400);
 * {@code notFound}: the VM or host it names is unknown (404); else the cluster's state refuses it now (409).
 */
public record OperationResult(boolean ok, String message, Optional<String> invalidField, boolean alreadyProtected,
    boolean notFound) implements JsonSerializable {
  public OperationResult(boolean ok, String message) {
    this(ok, message, Optional.empty(), false, false);
  }
}
