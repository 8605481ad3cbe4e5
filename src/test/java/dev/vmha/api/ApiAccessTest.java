package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every route × every caller: the status the API answers (or "allowed"). */
class ApiAccessTest {
  /** A request and the least role that may send it; written out here, not derived from ApiAccess.ROUTES. */
  record Row(String method, String path, ApiRole least) {}

  static final List<Row> TABLE = List.of(
      new Row("GET", "/api/v1/status", ApiRole.READ),
      new Row("HEAD", "/api/v1/status", ApiRole.READ),
      new Row("GET", "/api/v1/events", ApiRole.READ),
      new Row("GET", "/api/v1/events/stream", ApiRole.READ),
      new Row("GET", "/api/v1/history", ApiRole.READ),
      new Row("GET", "/api/v1/alerts", ApiRole.READ),
      new Row("GET", "/api/v1/openapi.yaml", ApiRole.READ),
      new Row("GET", "/api/v1/cluster", ApiRole.READ),
      new Row("GET", "/api/v1/hosts", ApiRole.READ),
      new Row("GET", "/api/v1/hosts/web1", ApiRole.READ),
      new Row("GET", "/api/v1/hosts/web1/explain", ApiRole.READ),
      new Row("GET", "/api/v1/vms", ApiRole.READ),
      new Row("GET", "/api/v1/vms/web1", ApiRole.READ),
      new Row("GET", "/api/v1/vms/web1/explain", ApiRole.READ),
      new Row("GET", "/api/v1/datastores", ApiRole.READ),
      new Row("GET", "/metrics", ApiRole.READ),
      new Row("HEAD", "/metrics", ApiRole.READ),
      new Row("POST", "/api/v1/vms", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/vms/web1/power-off", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/vms/web1.example-2/power-off", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/cluster/ha/enable", ApiRole.ADMIN),
      new Row("POST", "/api/v1/cluster/ha/disable", ApiRole.ADMIN),
      new Row("POST", "/api/v1/hosts/web1/ha/enable", ApiRole.ADMIN),
      new Row("POST", "/api/v1/hosts/web1/ha/disable", ApiRole.ADMIN),
      new Row("POST", "/api/v1/vms/web1/retry", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/vms/web1/protect", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/vms/web1/unprotect", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/vms/web1/protection", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/vms/web1/move-to/web1", ApiRole.OPERATOR),
      new Row("POST", "/api/v1/emergency/force-master/web1", ApiRole.ADMIN),
      new Row("POST", "/api/v1/emergency/reset-election", ApiRole.ADMIN),
      new Row("POST", "/api/v1/local/emergency/ha-disable", ApiRole.ADMIN),
      new Row("POST", "/api/v1/local/emergency/ha-enable", ApiRole.ADMIN),
      new Row("POST", "/api/v1/hosts/web1/maintenance", ApiRole.OPERATOR),
      // not routes of the API (or not yet): closed to every role below admin
      new Row("POST", "/api/v1/status", ApiRole.ADMIN),
      new Row("GET", "/api/status", ApiRole.ADMIN),
      new Row("GET", "/api/v1/vms/web1/explain/more", ApiRole.ADMIN),
      new Row("DELETE", "/api/v1/vms/web1", ApiRole.ADMIN),
      new Row("POST", "/api/v1/vms//power-off", ApiRole.ADMIN),
      new Row("POST", "/api/v1/vms/a/b/power-off", ApiRole.ADMIN),
      new Row("GET", "/api/v1/status/", ApiRole.ADMIN),
      new Row("POST", "/api/v1/emergency/force-master", ApiRole.ADMIN),
      new Row("PUT", "/api/v1/settings", ApiRole.ADMIN),
      new Row("GET", "/metrics/", ApiRole.ADMIN),
      new Row("GET", "/api/explain/vm/", ApiRole.ADMIN),
      new Row("GET", "/api/explain/host/host1", ApiRole.ADMIN),
      new Row("POST", "/metrics", ApiRole.ADMIN),
      new Row("GET", "/", ApiRole.ADMIN));

  @Test
  void everyRouteForEveryRole() {
    for (Row row : TABLE) {
      for (ApiRole role : ApiRole.values()) {
        ApiAccess.Decision d = ApiAccess.decide(true, Optional.of(new ApiCaller("t-" + role.label(), role)),
            row.method(), row.path());
        String what = row.method() + " " + row.path() + " as " + role.label();
        if (role.compareTo(row.least()) >= 0) {
          assertEquals(new ApiAccess.Allowed(new ApiCaller("t-" + role.label(), role)), d, what);
        } else {
          ApiAccess.Refused r = (ApiAccess.Refused) d;
          assertEquals(403, r.status(), what);
          assertTrue(r.error().contains("has role " + role.label()) && r.error().contains("needs role "
              + row.least().label()), what + ": " + r.error());
        }
      }
      ApiAccess.Decision none = ApiAccess.decide(false, Optional.empty(), row.method(), row.path());
      assertEquals(401, ((ApiAccess.Refused) none).status(), row + " without a token");
      ApiAccess.Decision unknown = ApiAccess.decide(true, Optional.empty(), row.method(), row.path());
      assertEquals(new ApiAccess.Refused(401, "unknown API token"), unknown, row + " with an unknown token");
    }
  }

  @Test
  void everyRouteOfTheApiIsInTheTable() {
    for (ApiAccess.Route r : ApiAccess.ROUTES) {
      assertTrue(TABLE.stream().anyMatch(row -> row.method().equals(r.method())
          && row.path().equals(r.path().replace("*", "web1")) && row.least() == r.need()), r + " has no row");
    }
  }

  @Test
  void aRefusalNeverEchoesALongPath() {
    String name = "x".repeat(10_000);
    ApiAccess.Refused r = (ApiAccess.Refused) ApiAccess.decide(true, Optional.of(new ApiCaller("ro", ApiRole.READ)),
        "POST", "/api/v1/vms/" + name + "/power-off");
    assertFalse(r.error().contains("xxxx"), r.error());
    assertTrue(r.error().contains("POST /api/v1/vms/*/power-off needs role operator"), r.error());
  }

  @Test
  void theBearerSchemeIsReadWhateverItsCase() {
    assertEquals(Optional.of("vmha_abc"), ApiAuth.bearer(Optional.of("Bearer vmha_abc")));
    assertEquals(Optional.of("vmha_abc"), ApiAuth.bearer(Optional.of("bearer  vmha_abc ")));
    assertEquals(Optional.empty(), ApiAuth.bearer(Optional.of("Basic dXNlcjpwdw==")));
    assertEquals(Optional.empty(), ApiAuth.bearer(Optional.of("Bearer ")));
    assertEquals(Optional.empty(), ApiAuth.bearer(Optional.empty()));
  }
}
