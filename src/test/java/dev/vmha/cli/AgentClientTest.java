package dev.vmha.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What `./vmha vm ...` prints of an agent's answer: the API's JSON error with its field, never raw JSON. */
class AgentClientTest {
  @Test
  void aRefusalPrintsItsFieldAndErrorAndASuccessItsMessage() {
    assertEquals("dependsOn: web1 would wait forever for ghost: not a protected VM; power it on first",
        new AgentClient.Reply(400, "{\"error\":\"web1 would wait forever for ghost: not a protected VM; power it on"
            + " first\",\"field\":\"dependsOn\"}").text());
    assertEquals("web1 is already protected (placed at host2)",
        new AgentClient.Reply(409, "{\"error\":\"web1 is already protected (placed at host2)\"}").text());
    assertEquals("web1 powered on at host2 and protected",
        new AgentClient.Reply(200, "{\"message\":\"web1 powered on at host2 and protected\",\"ok\":true}").text());
    assertEquals("HTTP 502: Bad Gateway", new AgentClient.Reply(502, "Bad Gateway").text());
  }
}
