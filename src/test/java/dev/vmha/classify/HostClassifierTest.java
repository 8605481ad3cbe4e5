package dev.vmha.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.HostClassifier.Decision;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classifier's decision table, written out by hand from the rules in {@link HostClassifier}'s javadoc.
 *
 * <p>Fixed for every row: hostTimeout 10 s, interval 1 s (so the observation lag is 5 s and the fence bound
 * hostTimeout + lag is 15 s), heartbeat datastores configured. The columns:
 * <ul>
 *   <li>silence: FRESH = 3 s (&lt; hostTimeout), STALE = 10 s (exactly hostTimeout: no longer fresh);
 *   <li>reachability (4 values); management ping ANSWERS / SILENT;
 *   <li>datastore heartbeat ages: NONE (no readable datastore shows the host); ALL_STALE = ds1 18 s, ds2 20 s (still
 *       past the 15 s fence bound); ONE_FRESH = ds1 2 s, ds2 18 s; ALL_FRESH = ds1 1 s, ds2 3 s (a datastore is
 *       fresh when age + 5 s &lt; silence, i.e. age &lt; 5 s); STILL_UNFENCED = ds1 6 s, ds2 12 s (neither fresh
 *       nor still past the fence bound yet: DEAD, but not settled); PARTLY_FENCED = ds1 16 s, ds2 8 s (still past
 *       the fence bound on one datastore only: DEAD, not settled);
 *   <li>the power-on file's isolated flag;
 *   <li>expected verdict, and whether it is settled ("settled") or must wait ("wait").
 * </ul>
 */
class HostClassifierTest {

  private static final Duration HOST_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  private static final Map<String, Duration> SILENCE = Map.of(
      "FRESH", Duration.ofSeconds(3),
      "STALE", Duration.ofSeconds(10));

  private static final Map<String, Map<String, Duration>> DATASTORE_AGES = Map.of(
      "NONE", Map.of(),
      "ALL_STALE", Map.of("ds1", Duration.ofSeconds(18), "ds2", Duration.ofSeconds(20)),
      "ONE_FRESH", Map.of("ds1", Duration.ofSeconds(2), "ds2", Duration.ofSeconds(18)),
      "ALL_FRESH", Map.of("ds1", Duration.ofSeconds(1), "ds2", Duration.ofSeconds(3)),
      "STILL_UNFENCED", Map.of("ds1", Duration.ofSeconds(6), "ds2", Duration.ofSeconds(12)),
      "PARTLY_FENCED", Map.of("ds1", Duration.ofSeconds(16), "ds2", Duration.ofSeconds(8)));

  // silence reachability ping  datastores  isolated-flag  -> verdict  settled
  private static final String TABLE = """
      FRESH  REACHABLE    ANSWERS  NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    ANSWERS  NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    ANSWERS  ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    ANSWERS  ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    ANSWERS  ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    ANSWERS  ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    ANSWERS  ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    ANSWERS  ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    ANSWERS  STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    ANSWERS  PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    SILENT   NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    SILENT   NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    SILENT   ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    SILENT   ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    SILENT   ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    SILENT   ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    SILENT   ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    SILENT   ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    SILENT   STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    SILENT   STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  REACHABLE    SILENT   PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  REACHABLE    SILENT   PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  SILENT   NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  SILENT   NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  SILENT   ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  SILENT   ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  SILENT   ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  SILENT   ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  SILENT   ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  SILENT   ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  SILENT   STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  SILENT   STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  UNREACHABLE  SILENT   PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  UNREACHABLE  SILENT   PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      ANSWERS  NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      ANSWERS  NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      ANSWERS  ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      ANSWERS  ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      ANSWERS  ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      ANSWERS  ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      ANSWERS  ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      ANSWERS  ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      ANSWERS  STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      ANSWERS  PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      SILENT   NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      SILENT   NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      SILENT   ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      SILENT   ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      SILENT   ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      SILENT   ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      SILENT   ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      SILENT   ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      SILENT   STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      SILENT   STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  REMOVED      SILENT   PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  REMOVED      SILENT   PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      SILENT   NONE            NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      SILENT   NONE            ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      SILENT   ALL_STALE       NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      SILENT   ALL_STALE       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      SILENT   ONE_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      SILENT   ONE_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      SILENT   ALL_FRESH       NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      SILENT   ALL_FRESH       ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      SILENT   STILL_UNFENCED  NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      SILENT   STILL_UNFENCED  ISOLATED_FLAG  ALIVE              settled
      FRESH  UNKNOWN      SILENT   PARTLY_FENCED   NOT_ISOLATED   ALIVE              settled
      FRESH  UNKNOWN      SILENT   PARTLY_FENCED   ISOLATED_FLAG  ALIVE              settled
      STALE  REACHABLE    ANSWERS  NONE            NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  NONE            ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  ALL_STALE       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  ALL_STALE       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  ONE_FRESH       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  ONE_FRESH       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  ALL_FRESH       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  ALL_FRESH       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  STILL_UNFENCED  NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  PARTLY_FENCED   NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   NONE            NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   NONE            ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   ALL_STALE       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   ALL_STALE       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   ONE_FRESH       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   ONE_FRESH       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   ALL_FRESH       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   ALL_FRESH       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   STILL_UNFENCED  NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   STILL_UNFENCED  ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   PARTLY_FENCED   NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REACHABLE    SILENT   PARTLY_FENCED   ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  NONE            NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  NONE            ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  ALL_STALE       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  ALL_STALE       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  ONE_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNREACHABLE  ANSWERS  ONE_FRESH       ISOLATED_FLAG  PARTITIONED        settled
      STALE  UNREACHABLE  ANSWERS  ALL_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNREACHABLE  ANSWERS  ALL_FRESH       ISOLATED_FLAG  PARTITIONED        settled
      STALE  UNREACHABLE  ANSWERS  STILL_UNFENCED  NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  PARTLY_FENCED   NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNREACHABLE  SILENT   NONE            NOT_ISOLATED   PARTITIONED        settled
      STALE  UNREACHABLE  SILENT   NONE            ISOLATED_FLAG  PARTITIONED        settled
      STALE  UNREACHABLE  SILENT   ALL_STALE       NOT_ISOLATED   DEAD               settled
      STALE  UNREACHABLE  SILENT   ALL_STALE       ISOLATED_FLAG  DEAD               settled
      STALE  UNREACHABLE  SILENT   ONE_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNREACHABLE  SILENT   ONE_FRESH       ISOLATED_FLAG  ISOLATED           settled
      STALE  UNREACHABLE  SILENT   ALL_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNREACHABLE  SILENT   ALL_FRESH       ISOLATED_FLAG  ISOLATED           settled
      STALE  UNREACHABLE  SILENT   STILL_UNFENCED  NOT_ISOLATED   DEAD               wait
      STALE  UNREACHABLE  SILENT   STILL_UNFENCED  ISOLATED_FLAG  DEAD               wait
      STALE  UNREACHABLE  SILENT   PARTLY_FENCED   NOT_ISOLATED   DEAD               wait
      STALE  UNREACHABLE  SILENT   PARTLY_FENCED   ISOLATED_FLAG  DEAD               wait
      STALE  REMOVED      ANSWERS  NONE            NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  NONE            ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  ALL_STALE       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  ALL_STALE       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  ONE_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  REMOVED      ANSWERS  ONE_FRESH       ISOLATED_FLAG  PARTITIONED        settled
      STALE  REMOVED      ANSWERS  ALL_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  REMOVED      ANSWERS  ALL_FRESH       ISOLATED_FLAG  PARTITIONED        settled
      STALE  REMOVED      ANSWERS  STILL_UNFENCED  NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  PARTLY_FENCED   NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  REMOVED      ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  REMOVED      SILENT   NONE            NOT_ISOLATED   PARTITIONED        settled
      STALE  REMOVED      SILENT   NONE            ISOLATED_FLAG  PARTITIONED        settled
      STALE  REMOVED      SILENT   ALL_STALE       NOT_ISOLATED   DEAD               settled
      STALE  REMOVED      SILENT   ALL_STALE       ISOLATED_FLAG  DEAD               settled
      STALE  REMOVED      SILENT   ONE_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  REMOVED      SILENT   ONE_FRESH       ISOLATED_FLAG  ISOLATED           settled
      STALE  REMOVED      SILENT   ALL_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  REMOVED      SILENT   ALL_FRESH       ISOLATED_FLAG  ISOLATED           settled
      STALE  REMOVED      SILENT   STILL_UNFENCED  NOT_ISOLATED   DEAD               wait
      STALE  REMOVED      SILENT   STILL_UNFENCED  ISOLATED_FLAG  DEAD               wait
      STALE  REMOVED      SILENT   PARTLY_FENCED   NOT_ISOLATED   DEAD               wait
      STALE  REMOVED      SILENT   PARTLY_FENCED   ISOLATED_FLAG  DEAD               wait
      STALE  UNKNOWN      ANSWERS  NONE            NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  NONE            ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  ALL_STALE       NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  ALL_STALE       ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  ONE_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNKNOWN      ANSWERS  ONE_FRESH       ISOLATED_FLAG  PARTITIONED        settled
      STALE  UNKNOWN      ANSWERS  ALL_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNKNOWN      ANSWERS  ALL_FRESH       ISOLATED_FLAG  PARTITIONED        settled
      STALE  UNKNOWN      ANSWERS  STILL_UNFENCED  NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  STILL_UNFENCED  ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  PARTLY_FENCED   NOT_ISOLATED   AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      ANSWERS  PARTLY_FENCED   ISOLATED_FLAG  AGENT_UNREACHABLE  settled
      STALE  UNKNOWN      SILENT   NONE            NOT_ISOLATED   PARTITIONED        settled
      STALE  UNKNOWN      SILENT   NONE            ISOLATED_FLAG  PARTITIONED        settled
      STALE  UNKNOWN      SILENT   ALL_STALE       NOT_ISOLATED   DEAD               settled
      STALE  UNKNOWN      SILENT   ALL_STALE       ISOLATED_FLAG  DEAD               settled
      STALE  UNKNOWN      SILENT   ONE_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNKNOWN      SILENT   ONE_FRESH       ISOLATED_FLAG  ISOLATED           settled
      STALE  UNKNOWN      SILENT   ALL_FRESH       NOT_ISOLATED   PARTITIONED        settled
      STALE  UNKNOWN      SILENT   ALL_FRESH       ISOLATED_FLAG  ISOLATED           settled
      STALE  UNKNOWN      SILENT   STILL_UNFENCED  NOT_ISOLATED   DEAD               wait
      STALE  UNKNOWN      SILENT   STILL_UNFENCED  ISOLATED_FLAG  DEAD               wait
      STALE  UNKNOWN      SILENT   PARTLY_FENCED   NOT_ISOLATED   DEAD               wait
      STALE  UNKNOWN      SILENT   PARTLY_FENCED   ISOLATED_FLAG  DEAD               wait
      """;

  private static List<String[]> rows() {
    return TABLE.lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")).toList();
  }

  static Stream<Arguments> table() {
    return rows().stream().map(r -> Arguments.of(r[0], Reachability.valueOf(r[1]), r[2], r[3], r[4],
        Verdict.valueOf(r[5]), r[6]));
  }

  @ParameterizedTest(name = "[{index}] silence {0}, {1}, ping {2}, ds {3}, {4} -> {5} {6}")
  @MethodSource("table")
  void decisionTable(String silence, Reachability reach, String ping, String ds, String flag, Verdict expected,
      String settled) {
    Evidence e = new Evidence(SILENCE.get(silence), reach, ping.equals("ANSWERS"), DATASTORE_AGES.get(ds),
        flag.equals("ISOLATED_FLAG"), HOST_TIMEOUT, INTERVAL, true, 1, 4);
    Decision d = new HostClassifier().classify(e);
    assertEquals(expected, d.verdict(), d.reason());
    assertEquals(settled.equals("settled"), d.settled(), d.reason());
    assertFalse(d.reason().isBlank());
  }

  @Test
  void tableCoversEveryCombinationExactlyOnce() {
    List<String[]> rows = rows();
    Set<String> seen = new HashSet<>();
    for (String[] r : rows) {
      assertEquals(7, r.length, String.join(" ", r));
      assertTrue(SILENCE.containsKey(r[0]), r[0]);
      Reachability.valueOf(r[1]);
      assertTrue(Set.of("ANSWERS", "SILENT").contains(r[2]), r[2]);
      assertTrue(DATASTORE_AGES.containsKey(r[3]), r[3]);
      assertTrue(Set.of("NOT_ISOLATED", "ISOLATED_FLAG").contains(r[4]), r[4]);
      Verdict.valueOf(r[5]);
      assertTrue(Set.of("settled", "wait").contains(r[6]), r[6]);
      assertTrue(seen.add(String.join(" ", Arrays.copyOf(r, 5))), "duplicate row " + String.join(" ", r));
    }
    assertEquals(2 * Reachability.values().length * 2 * DATASTORE_AGES.size() * 2, seen.size());
  }

  private static Evidence silent(Duration silence, Map<String, Duration> ages, boolean isolated) {
    return new Evidence(silence, Reachability.UNREACHABLE, false, ages, isolated, HOST_TIMEOUT, INTERVAL, true, 3, 4);
  }

  @Test
  void deadReasonNamesSilencePingAndDatastoreAge() {
    Decision d = new HostClassifier().classify(silent(Duration.ofSeconds(10), Map.of("ds1", Duration.ofSeconds(18)), false));
    assertEquals(Verdict.DEAD, d.verdict());
    assertTrue(d.settled());
    assertEquals("no net heartbeat 10 s, ping silent, datastore ds1 hb 18 s old", d.reason());
  }

  @Test
  void deadReasonListsDatastoresInNameOrder() {
    Map<String, Duration> ages = new LinkedHashMap<>();
    ages.put("ds2", Duration.ofSeconds(20));
    ages.put("ds1", Duration.ofMillis(18500));
    Decision d = new HostClassifier().classify(silent(Duration.ofSeconds(12), ages, false));
    assertEquals("no net heartbeat 12 s, ping silent, datastore ds1 hb 18.5 s old, datastore ds2 hb 20 s old",
        d.reason());
  }

  @Test
  void aliveReasonGivesHeartbeatAge() {
    Decision d = new HostClassifier().classify(new Evidence(Duration.ofMillis(1500), Reachability.REACHABLE, true,
        Map.of(), false, HOST_TIMEOUT, INTERVAL, true, 4, 4));
    assertEquals(new Decision(Verdict.ALIVE, "net heartbeat 1.5 s old", true), d);
  }

  @Test
  void agentUnreachableReasonsSayWhoStillHearsTheHost() {
    HostClassifier c = new HostClassifier();
    Decision byCluster = c.classify(new Evidence(Duration.ofSeconds(11), Reachability.REACHABLE, false, Map.of(),
        false, HOST_TIMEOUT, INTERVAL, true, 3, 4));
    assertEquals("no net heartbeat 11 s, but the cluster failure detector still hears the host", byCluster.reason());
    Decision byPing = c.classify(new Evidence(Duration.ofSeconds(11), Reachability.REMOVED, true, Map.of(),
        false, HOST_TIMEOUT, INTERVAL, true, 3, 4));
    assertEquals("no net heartbeat 11 s, but its management address answers ping", byPing.reason());
  }

  @Test
  void isolatedAndPartitionedReasons() {
    HostClassifier c = new HostClassifier();
    Map<String, Duration> ages = Map.of("ds1", Duration.ofSeconds(1));
    assertEquals("no net heartbeat 20 s, ping silent, datastore ds1 hb 1 s old, power-on file says isolated",
        c.classify(silent(Duration.ofSeconds(20), ages, true)).reason());
    assertEquals("no net heartbeat 20 s, ping silent, datastore ds1 hb 1 s old: the host runs in another partition",
        c.classify(silent(Duration.ofSeconds(20), ages, false)).reason());
    Decision none = c.classify(silent(Duration.ofSeconds(20), Map.of(), false));
    assertTrue(none.reason().contains("none of its heartbeat datastores is readable"), none.reason());
  }

  @Test
  void unsettledDeadSaysHowLongItWaits() {
    Decision d = new HostClassifier().classify(silent(Duration.ofSeconds(10), Map.of("ds1", Duration.ofSeconds(10)), false));
    assertEquals(Verdict.DEAD, d.verdict());
    assertFalse(d.settled());
    assertEquals("no net heartbeat 10 s, ping silent, datastore ds1 hb 10 s old; waiting until its heartbeat has"
        + " been still 15 s, when it has surely fenced itself", d.reason());
  }

  @Test
  void netHeartbeatBoundaryIsExclusive() {
    HostClassifier c = new HostClassifier();
    assertEquals(Verdict.ALIVE, c.classify(silent(Duration.ofMillis(9999), Map.of(), false)).verdict());
    assertEquals(Verdict.PARTITIONED, c.classify(silent(Duration.ofMillis(10000), Map.of(), false)).verdict());
  }

  @Test
  void datastoreFreshnessBoundary() {
    HostClassifier c = new HostClassifier();
    // silence 20 s, lag 5 s: fresh iff age + 5 s < 20 s
    Decision fresh = c.classify(silent(Duration.ofSeconds(20), Map.of("ds1", Duration.ofMillis(14999)), true));
    assertEquals(Verdict.ISOLATED, fresh.verdict());
    Decision notFresh = c.classify(silent(Duration.ofSeconds(20), Map.of("ds1", Duration.ofSeconds(15)), true));
    assertEquals(Verdict.DEAD, notFresh.verdict());
    assertTrue(notFresh.settled(), "15 s = hostTimeout + lag is past the fence bound");
  }

  @Test
  void fenceBoundaryIsInclusive() {
    HostClassifier c = new HostClassifier();
    Decision justBefore = c.classify(silent(Duration.ofSeconds(10), Map.of("ds1", Duration.ofMillis(14999)), false));
    assertEquals(Verdict.DEAD, justBefore.verdict());
    assertFalse(justBefore.settled());
    Decision at = c.classify(silent(Duration.ofSeconds(10), Map.of("ds1", Duration.ofSeconds(15)), false));
    assertEquals(Verdict.DEAD, at.verdict());
    assertTrue(at.settled());
  }

  @Test
  void oneDatastoreBelowFenceBoundKeepsDeadUnsettled() {
    Decision d = new HostClassifier().classify(silent(Duration.ofSeconds(10),
        Map.of("ds1", Duration.ofSeconds(30), "ds2", Duration.ofSeconds(14)), false));
    assertEquals(Verdict.DEAD, d.verdict());
    assertFalse(d.settled());
  }

  // --- no heartbeat datastores at all (vSAN case): the majority rule ---

  private static Evidence vsan(Duration silence, int side, int cluster) {
    return new Evidence(silence, Reachability.UNREACHABLE, false, Map.of(), false, HOST_TIMEOUT, INTERVAL, false,
        side, cluster);
  }

  @Test
  void withoutDatastoresAMinorityOrEvenSplitRestartsNothing() {
    HostClassifier c = new HostClassifier();
    Decision minority = c.classify(vsan(Duration.ofSeconds(60), 1, 4));
    assertEquals(Verdict.PARTITIONED, minority.verdict());
    assertTrue(minority.settled());
    assertTrue(minority.reason().contains("this side holds 1 of 4 hosts"), minority.reason());
    Decision even = c.classify(vsan(Duration.ofSeconds(60), 2, 4));
    assertEquals(Verdict.PARTITIONED, even.verdict());
    assertTrue(even.reason().contains("no strict majority"), even.reason());
  }

  @Test
  void withoutDatastoresAMajorityCallsDeadOnceTheMinorityHasFenced() {
    HostClassifier c = new HostClassifier();
    // fenced bound: 2 * hostTimeout + lag = 25 s
    Decision early = c.classify(vsan(Duration.ofMillis(24999), 3, 4));
    assertEquals(Verdict.DEAD, early.verdict());
    assertFalse(early.settled());
    assertTrue(early.reason().contains("waiting 25 s of silence"), early.reason());
    Decision late = c.classify(vsan(Duration.ofSeconds(25), 3, 4));
    assertEquals(Verdict.DEAD, late.verdict());
    assertTrue(late.settled());
    assertTrue(late.reason().contains("this side holds 3 of 4 hosts (a strict majority)"), late.reason());
    Decision twoOfThree = c.classify(vsan(Duration.ofSeconds(30), 2, 3));
    assertEquals(Verdict.DEAD, twoOfThree.verdict());
    assertTrue(twoOfThree.settled());
  }

  @Test
  void withoutDatastoresAReadableHeartbeatStillCounts() {
    // datastoresConfigured only matters when no age is known
    Evidence e = new Evidence(Duration.ofSeconds(20), Reachability.UNKNOWN, false,
        Map.of("ds1", Duration.ofSeconds(1)), true, HOST_TIMEOUT, INTERVAL, false, 1, 4);
    assertEquals(Verdict.ISOLATED, new HostClassifier().classify(e).verdict());
  }

  // --- Evidence ---

  @Test
  void evidenceCopiesAndSortsTheAgeMap() {
    Map<String, Duration> ages = new HashMap<>();
    ages.put("b", Duration.ofSeconds(1));
    ages.put("a", Duration.ofSeconds(2));
    Evidence e = silent(Duration.ofSeconds(10), ages, false);
    ages.clear();
    assertEquals(List.of("a", "b"), List.copyOf(e.datastoreHeartbeatAge().keySet()));
  }

  @Test
  void evidenceDerivedValues() {
    Evidence e = silent(Duration.ofSeconds(10), Map.of(), false);
    assertEquals(Duration.ofSeconds(5), e.observationLag());
    assertFalse(e.netHeartbeatFresh());
    assertFalse(e.datastoreHeartbeatFresh());
    assertFalse(e.datastoreHeartbeatStillPastFence(), "no datastore: never 'still past the fence'");
    assertThrows(NullPointerException.class, () -> silent(Duration.ofSeconds(1), null, false));
  }
}
