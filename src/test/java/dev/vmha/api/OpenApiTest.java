package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document and the routes agree both ways: every route HttpApi serves ({@link ApiAccess#ROUTES}, plus
 * /health and /ready) is documented, and every documented path and method is routed — asked of a running API, none
 * answers 404 or 405.
 */
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");
  @TempDir Path dir;
  private TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    agent = new TestAgent("OpenApiTest", dir);
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
  }

  /** "GET /api/v1/hosts/*" for each documented path and method, path parameters as *. */
  @SuppressWarnings("unchecked")
  static Set<String> documented() throws Exception {
    try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.yaml")) {
      Map<String, Object> doc = new Yaml().load(in);
      assertTrue(String.valueOf(doc.get("openapi")).startsWith("3."), "an OpenAPI 3 document");
      Set<String> routes = new TreeSet<>();
      ((Map<String, Map<String, Object>>) doc.get("paths")).forEach((path, item) -> item.keySet().stream()
          .filter(METHODS::contains)
          .forEach(m -> routes.add(m.toUpperCase() + " " + path.replaceAll("\\{[^}]+}", "*"))));
      return routes;
    }
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws Exception {
    Set<String> routed = new TreeSet<>(Set.of("GET /health", "GET /ready"));
    ApiAccess.ROUTES.forEach(r -> routed.add(r.method() + " " + r.path()));
    assertEquals(routed, documented());
    for (String route : documented()) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1);
      // a host and a VM the stub master knows and the stub history mentions
      String concrete = path.replace("/hosts/*", "/hosts/host2").replace("/vms/*", "/vms/vm1")
          .replace("/*", "/host1");
      String body = route.equals("POST /api/v1/vms") ? "{\"name\": \"vm9\", \"memoryMb\": 256}"
          : route.equals("POST /api/v1/vms/*/protection") ? "{\"order\": 1}"
          : route.equals("POST /api/v1/hosts/*/maintenance") ? "{\"enter\": true}"
          : method.equals("POST") ? "{}" : null;
      if (concrete.endsWith("/stream")) { // it never ends: only its status is read
        assertEquals(200, agent.streamStatus(concrete, agent.tokens.admin()), route);
        continue;
      }
      HttpResponse<String> r = agent.send(method, concrete, agent.tokens.admin(), body);
      assertNotEquals(404, r.statusCode(), route + ": " + r.body());
      assertNotEquals(405, r.statusCode(), route + ": " + r.body());
      if (!concrete.equals("/ready")) assertEquals(200, r.statusCode(), route + ": " + r.body());
    }
  }

  @Test
  void theAgentServesTheDocumentAndNoLongerTheUnversionedPaths() throws Exception {
    HttpResponse<String> r = agent.get("/api/v1/openapi.yaml");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/yaml"), r.headers().toString());
    try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.yaml")) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), r.body());
    }
    for (String old : new String[] {"/api/status", "/api/events", "/api/history", "/api/alerts"}) {
      // an admin token: any other is refused (403) first, as for every route not in ApiAccess
      assertEquals(404, agent.send("GET", old, agent.tokens.admin(), null).statusCode(), old);
    }
    assertEquals(404, agent.send("POST", "/api/vms", agent.tokens.admin(), "{\"name\": \"x\"}").statusCode());
  }
}
