package dev.vmha.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.history.EventLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Restart priorities, ready conditions, VM protection and dependency cycles. */
class VmProtectionTest {

  @ParameterizedTest
  @CsvSource({
      "highest, HIGHEST", "HIGH, HIGH", "Medium, MEDIUM", "low, LOW", "lowest, LOWEST", "disabled, DISABLED",
      "restart, MEDIUM", "best-effort, BEST_EFFORT", "Best-Effort, BEST_EFFORT", "unprotected, DISABLED",
      "'', DISABLED"})
  void vSphereLevelsAndXenServerClassesParse(String text, RestartPriority expected) {
    assertEquals(expected, RestartPriority.parse(text));
  }

  @ParameterizedTest
  @EnumSource(RestartPriority.class)
  void configNamesParseBackAndOnlyDisabledIsNotRestarted(RestartPriority p) {
    assertEquals(p, RestartPriority.parse(p.configName()));
    assertEquals(p != RestartPriority.DISABLED, p.restarted());
  }

  @ParameterizedTest
  @ValueSource(strings = {"urgent", "best_effort", " high", "0"})
  void unknownPrioritiesNameTheAllowedValues(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RestartPriority.parse(text));
    assertTrue(e.getMessage().contains("\"highest\"") && e.getMessage().contains("\"best-effort\""), e.getMessage());
  }

  @Test
  void readyConditions() {
    assertEquals(ReadyCondition.RESOURCES_ALLOCATED, ReadyCondition.parse("resources-allocated"));
    assertEquals(ReadyCondition.POWERED_ON, ReadyCondition.parse("Powered-On"));
    for (ReadyCondition r : ReadyCondition.values()) assertEquals(r, ReadyCondition.parse(r.configName()));
    assertEquals("one of \"resources-allocated\", \"powered-on\"",
        assertThrows(IllegalArgumentException.class, () -> ReadyCondition.parse("booted")).getMessage());
    String guest = assertThrows(IllegalArgumentException.class, () -> ReadyCondition.parse("guest-heartbeat"))
        .getMessage();
    assertTrue(guest.contains("guest-heartbeat needs VM monitoring"), guest);
  }

  @Test
  void defaultsAreMediumOrderZeroReadyWhenResourcesAreAllocated() {
    assertEquals(new VmProtection(RestartPriority.MEDIUM, 0, ReadyCondition.RESOURCES_ALLOCATED,
        Duration.ofSeconds(600), List.of()), VmProtection.defaults());
  }

  @Test
  void protectionIsValidatedAndCopied() {
    VmProtection d = VmProtection.defaults();
    assertThrows(IllegalArgumentException.class,
        () -> new VmProtection(d.priority(), -1, d.ready(), d.readyTimeout(), List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new VmProtection(d.priority(), 0, d.ready(), Duration.ofSeconds(-1), List.of()));
    assertThrows(NullPointerException.class, () -> new VmProtection(null, 0, d.ready(), d.readyTimeout(), List.of()));
    List<String> deps = new ArrayList<>(List.of("dns1"));
    VmProtection p = new VmProtection(d.priority(), 0, d.ready(), Duration.ZERO, deps);
    deps.add("dns2");
    assertEquals(List.of("dns1"), p.dependsOn());
  }

  @Test
  void protectionRoundTripsThroughJson() throws Exception {
    VmProtection p = new VmProtection(RestartPriority.BEST_EFFORT, 3, ReadyCondition.POWERED_ON,
        Duration.ofMillis(1500), List.of("dns1", "db1"));
    String json = EventLog.JSON.writeValueAsString(p);
    assertEquals(p, EventLog.JSON.readValue(json, VmProtection.class), json);
  }

  @Test
  void noCycleInADagOrWithUnknownDependencies() {
    assertEquals(Optional.empty(), Dependencies.findCycle(Map.of()));
    assertEquals(Optional.empty(), Dependencies.findCycle(Map.of(
        "app", List.of("db", "dns"), "db", List.of("dns", "ghost"), "dns", List.of(), "web", List.of("app", "db"))));
  }

  @Test
  void aCycleIsReturnedClosed() {
    assertEquals(Optional.of(List.of("db1", "dns1", "db1")),
        Dependencies.findCycle(Map.of("dns1", List.of("db1"), "db1", List.of("dns1"))));
    assertEquals(Optional.of(List.of("b", "c", "d", "b")),
        Dependencies.findCycle(Map.of("a", List.of("b"), "b", List.of("c"), "c", List.of("d"), "d", List.of("b"))));
  }

  @Test
  void aSelfDependencyIsACycle() {
    assertEquals(Optional.of(List.of("a", "a")), Dependencies.findCycle(Map.of("a", List.of("a"))));
  }

  @Test
  void theCycleFoundDoesNotDependOnMapOrder() {
    Map<String, List<String>> deps = Map.of("x", List.of("y"), "y", List.of("x"), "p", List.of("q"), "q", List.of("p"));
    assertEquals(Optional.of(List.of("p", "q", "p")), Dependencies.findCycle(deps));
    assertFalse(Dependencies.findCycle(Map.of("x", List.of("y"), "y", List.of())).isPresent());
  }
}
