package dev.vmha.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.history.EventLog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A small HTTP client for an agent's API; it sends its token, if any, as {@code Authorization: Bearer}. */
final class AgentClient {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final String base;
  private final Optional<String> token;

  AgentClient(String hostPort, Optional<String> token) {
    this.base = "http://" + hostPort;
    this.token = token;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path));
    token.ifPresent(t -> r.header("Authorization", "Bearer " + t));
    return r;
  }

  record Reply(int status, String body) {
    JsonNode json() throws IOException {
      return EventLog.JSON.readTree(body);
    }

    /** Every answer of a vmha agent is a JSON object; anything else came from another kind of server. */
    boolean fromVmha() {
      try {
        return json().isObject();
      } catch (IOException e) {
        return false;
      }
    }

    /** What the agent answered: its message, or for a refusal its error (with the field it names, if one). */
    String text() {
      try {
        JsonNode j = json();
        if (j.hasNonNull("error")) {
          return (j.hasNonNull("field") ? j.get("field").asText() + ": " : "") + j.get("error").asText();
        }
        if (j.hasNonNull("message")) return j.get("message").asText();
      } catch (IOException e) {
        // not JSON (not a vmha agent?): shown as it came
      }
      return "HTTP " + status + ": " + body;
    }
  }

  Reply get(String path) throws IOException, InterruptedException {
    HttpRequest r = request(path).timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
    return new Reply(resp.statusCode(), resp.body());
  }

  Reply post(String path, String json) throws IOException, InterruptedException {
    HttpRequest r = request(path).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
    return new Reply(resp.statusCode(), resp.body());
  }
}
