package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import java.util.List;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reads of /api/v1 against a stub master ({@link TestAgent}): what each answers, and its 404, 400 and 503. */
class HttpApiV1Test {
  @TempDir Path dir;
  private TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    agent = new TestAgent("HttpApiV1Test", dir);
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
  }

  private JsonNode json(String path, int status) throws Exception {
    HttpResponse<String> r = agent.get(path);
    assertEquals(status, r.statusCode(), path + ": " + r.body());
    return EventLog.JSON.readTree(r.body());
  }

  @Test
  void hostsListTheDeadAndRemovedWithSinceWhenAndTheirHeartbeatAges() throws Exception {
    JsonNode hosts = json("/api/v1/hosts", 200);
    assertEquals(2, hosts.size());
    JsonNode h2 = json("/api/v1/hosts/host2", 200);
    assertEquals("DEAD", h2.path("verdict").asText());
    assertEquals("REMOVED", h2.path("reachability").asText());
    assertEquals("2026-12-01T03:12:12Z", h2.path("since").asText());
    assertEquals(60_000, h2.path("networkHeartbeatAgeMs").asLong());
    assertEquals(59_000, h2.path("datastoreHeartbeatAgesMs").path("ds1").asLong());
    JsonNode missing = json("/api/v1/hosts/nosuch", 404);
    assertEquals("host", missing.path("field").asText());
    assertTrue(missing.path("error").asText().contains("no host \"nosuch\"") && missing.path("error").asText()
        .contains("host1, host2"), missing.toString());
  }

  @Test
  void vmsShowStateProtectionReasonAndAttempts() throws Exception {
    JsonNode vm = json("/api/v1/vms/vm1", 200);
    assertEquals("running", vm.path("state").path("kind").asText());
    assertEquals("MEDIUM", vm.path("protection").path("priority").asText());
    assertEquals(0, vm.path("protection").path("order").asInt());
    assertEquals(0, vm.path("recoveryAttempts").asInt());
    assertEquals("", vm.path("reason").asText());
    assertEquals(1, json("/api/v1/vms", 200).size());
    assertTrue(json("/api/v1/vms/nosuch", 404).path("error").asText().contains("no VM \"nosuch\""));
  }

  @Test
  void clusterAndDatastoresSummariseTheMastersView() throws Exception {
    JsonNode c = json("/api/v1/cluster", 200);
    assertEquals("host1", c.path("master").asText());
    assertTrue(c.path("haEnabled").asBoolean());
    assertEquals("HOST_FAILURES", c.path("policy").asText());
    assertEquals(1, c.path("hostsByVerdict").path("DEAD").asInt());
    assertEquals(1, c.path("vmsByState").path("running").asInt());
    assertEquals(3, c.path("listVersion").asLong());
    JsonNode ds = json("/api/v1/datastores", 200).get(0);
    assertEquals("host1", ds.path("listLockOwner").asText());
    assertEquals(59_000, ds.path("heartbeatAgesMs").path("host2").asLong());
  }

  @Test
  void eventsAreQueriedBySinceHostVmAndLimitAndABadQueryIsNamed() throws Exception {
    assertEquals(4, json("/api/v1/events", 200).size());
    assertEquals(3, json("/api/v1/events?host=host2", 200).size()); // VmProtected at host2, HostSilent, HostJudged
    assertEquals(2, json("/api/v1/events?vm=vm1", 200).size());
    JsonNode last = json("/api/v1/events?limit=1", 200);
    assertEquals("VmRestarted", last.get(0).path("type").asText());
    assertEquals(2, json("/api/v1/events?since=2026-12-01T03:12:12Z", 200).size());
    assertEquals("since", json("/api/v1/events?since=yesterday", 400).path("field").asText());
    assertEquals("limit", json("/api/v1/events?limit=0", 400).path("field").asText());
    assertEquals("colour", json("/api/v1/events?colour=red", 400).path("field").asText());
  }

  /** Issue 22: whichever agent is asked, the cluster's decisions: those another agent took are served with its own. */
  @Test
  void eventsAndExplainCarryTheDecisionsOtherAgentsSent() throws Exception {
    HaEvent fenced = new HaEvent.HostSelfFenced(TestAgent.T0.plusSeconds(9), "host2", "no datastore", List.of("vm1"));
    agent.events.heard(List.of(fenced));
    JsonNode all = json("/api/v1/events", 200);
    assertEquals(5, all.size());
    assertEquals("HostSelfFenced", all.get(1).path("type").asText(), all.toString());
    JsonNode byHost2 = json("/api/v1/events?host=host2", 200);
    assertEquals(4, byHost2.size());
    assertEquals("host2", byHost2.get(1).path("by").asText());
    JsonNode vm = json("/api/v1/vms/vm1/explain", 200);
    assertTrue(vm.path("cited").toString().contains("HostSelfFenced"), vm.toString());
    assertEquals("the journals of host1; the other hosts' decisions this agent heard: host2 since "
        + fenced.at() + " (older ones are in those hosts' own journals: ./vmha explain reads every journal it can)",
        vm.path("sources").asText());
  }

  @Test
  void explainAnswersWhatTheCliPrintsAndNamesWhatNoEventMentions() throws Exception {
    JsonNode vm = json("/api/v1/vms/vm1/explain", 200);
    assertTrue(vm.path("verdict").asText().startsWith("vm1 runs at host1: restarted there"), vm.toString());
    assertTrue(vm.path("cited").size() >= 2, vm.toString());
    JsonNode host = json("/api/v1/hosts/host2/explain", 200);
    assertTrue(host.path("verdict").asText().startsWith("host2 was judged DEAD at 03:12:12.000 by host1: no heartbeat"
        + " anywhere (silent since 03:12:04.000)"), host.toString());
    assertEquals(2, host.path("cited").size(), host.toString());
    assertTrue(json("/api/v1/vms/nosuch/explain", 404).path("error").asText().contains("no event mentions nosuch"));
    assertTrue(json("/api/v1/hosts/host9/explain", 404).path("error").asText().contains("no event mentions host9"));
  }

  @Test
  void withoutAMasterTheMastersViewIs503NoMasterAndTheClusterSaysWhy() throws Exception {
    agent.masterKnown.set(false);
    for (String p : new String[] {"/api/v1/hosts", "/api/v1/hosts/host2", "/api/v1/vms", "/api/v1/datastores"}) {
      JsonNode r = json(p, 503);
      assertTrue(r.path("noMaster").asBoolean() && r.path("error").asText().contains("no master elected yet"),
          p + ": " + r);
    }
    JsonNode c = json("/api/v1/cluster", 200);
    assertTrue(c.path("master").isMissingNode(), c.toString());
    assertEquals(0, c.path("hosts").asInt());
    assertTrue(c.path("note").asText().contains("no master elected yet"), c.toString());
  }
}
