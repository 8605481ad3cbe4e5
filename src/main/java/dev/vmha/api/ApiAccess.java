package dev.vmha.api;

import java.util.List;
import java.util.Optional;

/**
 * Who may call which API route: the role each route needs, and the answer to a request given the token it carried.
 * Pure: no HTTP, no files. A route missing from {@link #ROUTES} needs {@link ApiRole#ADMIN}, so a route added to the
 * API without an entry here is closed to every lower role until it is given one. {@code GET /health},
 * {@code GET /ready} and the dashboard's static files ({@code /}, {@code /ui/...}) are answered before any token check
 * (HttpApi) and are not listed here.
 */
public final class ApiAccess {
  /** One route: its method, its path with {@code *} for one path segment (a VM or host name), and its role. */
  public record Route(String method, String path, ApiRole need) {
    boolean matches(String m, String p) {
      // pekko-http answers HEAD like GET (transparent HEAD requests)
      if (!method.equals(m) && !(method.equals("GET") && m.equals("HEAD"))) return false;
      String[] want = path.split("/", -1);
      String[] got = p.split("/", -1);
      if (want.length != got.length) return false;
      for (int i = 0; i < want.length; i++) {
        if (want[i].equals("*") ? got[i].isEmpty() : !want[i].equals(got[i])) return false;
      }
      return true;
    }
  }

  public static final List<Route> ROUTES = List.of(
      new Route("GET", "/api/v1/openapi.yaml", ApiRole.READ),
      new Route("GET", "/api/v1/status", ApiRole.READ),
      new Route("GET", "/api/v1/cluster", ApiRole.READ),
      new Route("GET", "/api/v1/hosts", ApiRole.READ),
      new Route("GET", "/api/v1/hosts/*", ApiRole.READ),
      new Route("GET", "/api/v1/hosts/*/explain", ApiRole.READ),
      new Route("GET", "/api/v1/vms", ApiRole.READ),
      new Route("GET", "/api/v1/vms/*", ApiRole.READ),
      new Route("GET", "/api/v1/vms/*/explain", ApiRole.READ),
      new Route("GET", "/api/v1/datastores", ApiRole.READ),
      new Route("GET", "/api/v1/events", ApiRole.READ),
      new Route("GET", "/api/v1/events/stream", ApiRole.READ),
      new Route("GET", "/api/v1/history", ApiRole.READ),
      new Route("GET", "/api/v1/alerts", ApiRole.READ),
      new Route("GET", "/metrics", ApiRole.READ),
      new Route("POST", "/api/v1/vms", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/vms/*/power-off", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/cluster/ha/enable", ApiRole.ADMIN),
      new Route("POST", "/api/v1/cluster/ha/disable", ApiRole.ADMIN),
      new Route("POST", "/api/v1/hosts/*/ha/enable", ApiRole.ADMIN),
      new Route("POST", "/api/v1/hosts/*/ha/disable", ApiRole.ADMIN),
      new Route("POST", "/api/v1/vms/*/retry", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/vms/*/protect", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/vms/*/unprotect", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/vms/*/protection", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/vms/*/move-to/*", ApiRole.OPERATOR),
      new Route("POST", "/api/v1/emergency/force-master/*", ApiRole.ADMIN),
      new Route("POST", "/api/v1/emergency/reset-election", ApiRole.ADMIN),
      new Route("POST", "/api/v1/local/emergency/ha-disable", ApiRole.ADMIN),
      new Route("POST", "/api/v1/local/emergency/ha-enable", ApiRole.ADMIN),
      new Route("POST", "/api/v1/hosts/*/maintenance", ApiRole.OPERATOR));

  /** What to do with a request. */
  public sealed interface Decision {}

  /** Let it through, on behalf of this caller. */
  public record Allowed(ApiCaller caller) implements Decision {}

  /** Answer with this HTTP status (401, 403; 503 from ApiAuth) and this error; it never contains a secret. */
  public record Refused(int status, String error) implements Decision {}

  private ApiAccess() {}

  public static ApiRole need(String method, String path) {
    return route(method, path).map(Route::need).orElse(ApiRole.ADMIN);
  }

  private static Optional<Route> route(String method, String path) {
    return ROUTES.stream().filter(r -> r.matches(method, path)).findFirst();
  }

  /**
   * @param presented whether the request carried a bearer token at all
   * @param caller the token it carried, when that token is known
   */
  public static Decision decide(boolean presented, Optional<ApiCaller> caller, String method, String path) {
    if (!presented) {
      return new Refused(401, "no API token: send the header \"Authorization: Bearer <token>\" (./vmha token add"
          + " creates one)");
    }
    if (caller.isEmpty()) return new Refused(401, "unknown API token");
    ApiRole need = need(method, path);
    if (!caller.get().role().covers(need)) {
      // the route's pattern, not the request's path: a path is the caller's input, of any length
      String what = route(method, path).map(r -> r.method() + " " + r.path()).orElse("this request");
      return new Refused(403, "token \"" + caller.get().token() + "\" has role " + caller.get().role().label() + "; "
          + what + " needs role " + need.label() + " or above");
    }
    return new Allowed(caller.get());
  }
}
