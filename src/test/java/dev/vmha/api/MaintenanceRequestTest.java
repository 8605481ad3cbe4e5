package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class MaintenanceRequestTest {

  private static String error(String body) {
    StringBuilder e = new StringBuilder();
    assertEquals(Optional.empty(), MaintenanceRequest.parse(body, e), body);
    return e.toString();
  }

  @Test
  void enterTrueOrFalseIsTheWholeBody() {
    assertEquals(Optional.of(new MaintenanceRequest(true)), MaintenanceRequest.parse("{\"enter\": true}",
        new StringBuilder()));
    assertEquals(Optional.of(new MaintenanceRequest(false)), MaintenanceRequest.parse("{\"enter\":false}",
        new StringBuilder()));
  }

  @Test
  void anyOtherBodyIsRefusedNamingWhatIsWrong() {
    assertTrue(error("enter").startsWith("the body is not JSON"), error("enter"));
    assertTrue(error("{}").startsWith("enter: required"), error("{}"));
    assertTrue(error("{\"enter\": \"yes\"}").startsWith("enter: required"));
    assertTrue(error("[true]").startsWith("enter: required"));
    assertTrue(error("{\"enter\": true, \"force\": true}").startsWith("unknown field"));
  }
}
