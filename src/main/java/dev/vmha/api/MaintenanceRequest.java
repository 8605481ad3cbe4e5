package dev.vmha.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * The body of {@code POST /api/v1/hosts/{id}/maintenance}: {@code {"enter": true}} to enter maintenance, {@code
 * {"enter": false}} to exit. Pure: {@link #parse} names what is wrong with any other body.
 */
public record MaintenanceRequest(boolean enter) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The request, or the error naming the field that is wrong. */
  public static Optional<MaintenanceRequest> parse(String body, StringBuilder error) {
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (java.io.IOException e) {
      error.append("the body is not JSON: expected {\"enter\": true} or {\"enter\": false}");
      return Optional.empty();
    }
    if (n == null || !n.isObject() || !n.has("enter") || !n.get("enter").isBoolean()) {
      error.append("enter: required, true (enter maintenance) or false (exit it)");
      return Optional.empty();
    }
    if (n.size() != 1) {
      error.append("unknown field(s) besides enter: the body is {\"enter\": true|false}");
      return Optional.empty();
    }
    return Optional.of(new MaintenanceRequest(n.get("enter").asBoolean()));
  }
}
