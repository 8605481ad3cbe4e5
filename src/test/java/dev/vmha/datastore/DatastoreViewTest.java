package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DatastoreView.CorruptFile;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatastoreViewTest {
  private static final Duration S = Duration.ofSeconds(1);
  private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");

  private static DatastoreScan scan(String ds, Map<String, Long> counters) {
    return scan(ds, counters, Map.of(), Map.of());
  }

  private static DatastoreScan scan(String ds, Map<String, Long> counters, Map<String, PowerOnFile> powerOn,
      Map<String, String> corrupt) {
    Map<String, HostHeartbeat> hbs = new HashMap<>();
    counters.forEach((h, c) -> hbs.put(h, new HostHeartbeat(h, c, T)));
    return new DatastoreScan(ds, hbs, powerOn, corrupt);
  }


  @Test
  void initialViewKnowsNothing() {
    DatastoreView v = DatastoreView.initial(List.of("ds1", "ds2"));
    assertEquals(Duration.ZERO, v.now());
    assertEquals(0, v.accessibleCount());
    assertEquals(List.of("ds1", "ds2"), List.copyOf(v.accessible().keySet()));
    assertEquals(Map.of(), v.heartbeatAges("h1"));
    assertEquals(Optional.empty(), v.powerOn("h1"));
    assertEquals(Set.of(), v.knownHosts());
    assertEquals(Set.of(), v.corrupt());
    assertEquals(Duration.ZERO, v.sinceOwnWrite());
  }

  @Test
  void accessibleFollowsTheLastRound() {
    DatastoreView v = DatastoreView.initial(List.of("ds1", "ds2", "ds3"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of()), "ds3", scan("ds3", Map.of())));
    assertEquals(2, v.accessibleCount());
    assertEquals(Map.of("ds1", true, "ds2", false, "ds3", true), v.accessible());
    v = v.next(S, Map.of("ds2", scan("ds2", Map.of())));
    assertEquals(1, v.accessibleCount());
    assertEquals(Map.of("ds1", false, "ds2", true, "ds3", false), v.accessible());
    v = v.next(S, Map.of());
    assertEquals(0, v.accessibleCount());
    assertEquals(Duration.ofSeconds(3), v.now());
  }

  @Test
  void scansOfUnconfiguredDatastoresAreIgnored() {
    DatastoreView v = DatastoreView.initial(List.of("ds1"))
        .next(S, Map.of("other", scan("other", Map.of("h1", 1L), Map.of(), Map.of("host-x-hb", "bad"))));
    assertEquals(Map.of("ds1", false), v.accessible());
    assertEquals(Set.of(), v.knownHosts());
    assertEquals(Set.of(), v.corrupt());
  }

  @Test
  void firstSightingCountsAsAgeZero() {
    DatastoreView v = DatastoreView.initial(List.of("ds1")).next(S, Map.of());
    v = v.next(S, Map.of());
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 99L))));
    assertEquals(Map.of("ds1", Duration.ZERO), v.heartbeatAges("h1"));
    assertEquals(Set.of("h1"), v.knownHosts());
  }

  @Test
  void ageGrowsWhileTheCounterStandsStillAndResetsWhenItMoves() {
    DatastoreView v = DatastoreView.initial(List.of("ds1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 5L))));
    assertEquals(Map.of("ds1", Duration.ZERO), v.heartbeatAges("h1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 5L))));
    assertEquals(Map.of("ds1", Duration.ofSeconds(1)), v.heartbeatAges("h1"));
    v = v.next(Duration.ofSeconds(3), Map.of("ds1", scan("ds1", Map.of("h1", 5L))));
    assertEquals(Map.of("ds1", Duration.ofSeconds(4)), v.heartbeatAges("h1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 6L))));
    assertEquals(Map.of("ds1", Duration.ZERO), v.heartbeatAges("h1"));
    v = v.next(Duration.ofMillis(500), Map.of("ds1", scan("ds1", Map.of("h1", 6L))));
    assertEquals(Map.of("ds1", Duration.ofMillis(500)), v.heartbeatAges("h1"));
  }

  @Test
  void anyCounterChangeCountsAsMovementEvenBackwards() {
    DatastoreView v = DatastoreView.initial(List.of("ds1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 10L))));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 10L))));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 1L)))); // the host restarted its counter
    assertEquals(Map.of("ds1", Duration.ZERO), v.heartbeatAges("h1"));
  }

  @Test
  void agesArePerDatastoreAndOnlyForReadableOnes() {
    DatastoreView v = DatastoreView.initial(List.of("ds1", "ds2"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 1L, "h2", 1L)), "ds2", scan("ds2", Map.of("h1", 1L))));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 2L, "h2", 1L)), "ds2", scan("ds2", Map.of("h1", 1L))));
    assertEquals(Map.of("ds1", Duration.ZERO, "ds2", S), v.heartbeatAges("h1"));
    assertEquals(Map.of("ds1", S), v.heartbeatAges("h2"));
    assertEquals(Set.of("h1", "h2"), v.knownHosts());
    // ds2 stops answering: it says nothing about anyone
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 2L, "h2", 1L))));
    assertEquals(Map.of("ds1", S), v.heartbeatAges("h1"));
    // ds2 answers again with the same counter: the age counts the time it was unreadable
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 2L, "h2", 1L)), "ds2", scan("ds2", Map.of("h1", 1L))));
    assertEquals(Map.of("ds1", Duration.ofSeconds(2), "ds2", Duration.ofSeconds(3)), v.heartbeatAges("h1"));
    assertEquals(List.of("ds1", "ds2"), List.copyOf(v.heartbeatAges("h1").keySet()));
  }

  @Test
  void heartbeatMissingFromAScanKeepsItsAge() {
    DatastoreView v = DatastoreView.initial(List.of("ds1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 1L))));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of()))); // e.g. the file turned corrupt
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of())));
    assertEquals(Map.of("ds1", Duration.ofSeconds(2)), v.heartbeatAges("h1"));
  }

  @Test
  void unknownHostHasNoAges() {
    DatastoreView v = DatastoreView.initial(List.of("ds1")).next(S, Map.of("ds1", scan("ds1", Map.of("h1", 1L))));
    assertEquals(Map.of(), v.heartbeatAges("h2"));
  }

  @Test
  void powerOnFilesArePickedUpFirstDatastoreInConfiguredOrderWins() {
    PowerOnFile onDs1 = new PowerOnFile("h1", false, List.of(new VmSpec("vm1", 1, 1)));
    PowerOnFile onDs2 = new PowerOnFile("h1", true, List.of(new VmSpec("vm2", 1, 1)));
    PowerOnFile h2 = new PowerOnFile("h2", false, List.of());
    DatastoreView v = DatastoreView.initial(List.of("ds2", "ds1"));
    v = v.next(S, Map.of(
        "ds1", scan("ds1", Map.of(), Map.of("h1", onDs1), Map.of()),
        "ds2", scan("ds2", Map.of(), Map.of("h1", onDs2, "h2", h2), Map.of())));
    assertEquals(Optional.of(onDs2), v.powerOn("h1"), "ds2 comes first in the configured order");
    assertEquals(Optional.of(h2), v.powerOn("h2"));
    assertEquals(Optional.empty(), v.powerOn("h3"));
  }

  @Test
  void powerOnFileIsKeptWhenNoDatastoreShowsItAndReplacedWhenOneDoes() {
    PowerOnFile before = new PowerOnFile("h1", false, List.of(new VmSpec("vm1", 1, 1)));
    PowerOnFile after = new PowerOnFile("h1", true, List.of(new VmSpec("vm1", 1, 1)));
    DatastoreView v = DatastoreView.initial(List.of("ds1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of(), Map.of("h1", before), Map.of())));
    v = v.next(S, Map.of());
    assertEquals(Optional.of(before), v.powerOn("h1"), "an unreadable datastore does not erase what was known");
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of(), Map.of(), Map.of())));
    assertEquals(Optional.of(before), v.powerOn("h1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of(), Map.of("h1", after), Map.of())));
    assertEquals(Optional.of(after), v.powerOn("h1"));
  }

  @Test
  void corruptSetIsThisRoundsOnly() {
    DatastoreView v = DatastoreView.initial(List.of("ds1", "ds2"));
    v = v.next(S, Map.of(
        "ds1", scan("ds1", Map.of(), Map.of(), Map.of("host-a-hb", "/ds1/.vmha/host-a-hb: checksum mismatch")),
        "ds2", scan("ds2", Map.of(), Map.of(), Map.of(
            "host-b-poweron", "/ds2/.vmha/host-b-poweron: truncated (no checksum line)",
            "host-c-hb", "/ds2/.vmha/host-c-hb: checksum mismatch"))));
    assertEquals(Set.of(
        new CorruptFile("ds1", "host-a-hb", "/ds1/.vmha/host-a-hb: checksum mismatch"),
        new CorruptFile("ds2", "host-b-poweron", "/ds2/.vmha/host-b-poweron: truncated (no checksum line)"),
        new CorruptFile("ds2", "host-c-hb", "/ds2/.vmha/host-c-hb: checksum mismatch")), v.corrupt());
    assertEquals(Optional.of("/ds1/.vmha/host-a-hb: checksum mismatch"), v.corruptFile("ds1", "host-a-hb"));
    assertEquals(Optional.empty(), v.corruptFile("ds2", "host-a-hb"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of())));
    assertEquals(Set.of(), v.corrupt());
  }

  @Test
  void ownWriteIsTrackedInVirtualTime() {
    DatastoreView v = DatastoreView.initial(List.of("ds1"));
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of()))).ownHeartbeatWritten(true);
    assertEquals(Duration.ZERO, v.sinceOwnWrite());
    v = v.next(S, Map.of()).ownHeartbeatWritten(false);
    v = v.next(Duration.ofSeconds(2), Map.of()).ownHeartbeatWritten(false);
    assertEquals(Duration.ofSeconds(3), v.sinceOwnWrite());
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of()))).ownHeartbeatWritten(true);
    assertEquals(Duration.ZERO, v.sinceOwnWrite());
  }

  @Test
  void nextLeavesTheOldViewUnchanged() {
    DatastoreView v0 = DatastoreView.initial(List.of("ds1")).next(S, Map.of("ds1", scan("ds1", Map.of("h1", 1L))));
    DatastoreView v1 = v0.next(S, Map.of("ds1", scan("ds1", Map.of("h1", 2L, "h2", 1L))));
    assertEquals(Set.of("h1"), v0.knownHosts());
    assertEquals(Map.of("ds1", Duration.ZERO), v0.heartbeatAges("h1"));
    assertEquals(Set.of("h1", "h2"), v1.knownHosts());
    assertTrue(v1.now().compareTo(v0.now()) > 0);
  }

  /** A corrupt lease file on the lease datastore shows in the VM's lease observation: no lease, yet not free. */
  @Test
  void aCorruptLeaseFileOnTheLeaseDatastoreShowsInTheObservation() {
    DatastoreView v = DatastoreView.initial(List.of("ds1", "ds2")).next(S, Map.of(
        "ds1", scan("ds1", Map.of(), Map.of(), Map.of("lease-db1", "/ds1/.vmha/lease-db1: checksum mismatch")),
        "ds2", scan("ds2", Map.of(), Map.of(), Map.of("lease-db2", "/ds2/.vmha/lease-db2: checksum mismatch"))));
    assertEquals(Optional.of("/ds1/.vmha/lease-db1: checksum mismatch"), v.lease("db1").corrupt());
    assertEquals(Optional.empty(), v.lease("db1").lease());
    assertEquals(Optional.empty(), v.lease("db2").corrupt(), "ds2 holds no leases");
    v = v.next(S, Map.of("ds1", scan("ds1", Map.of())));
    assertEquals(Optional.empty(), v.lease("db1").corrupt(), "repaired");
  }

  @Test
  void aLeaseAgesOnlyWhileItsWriteStandsStillAndOnlyOnTheLeaseDatastore() {
    VmLease l1 = VmLease.first("db1", "host2", java.time.Instant.EPOCH);
    DatastoreView v = DatastoreView.initial(List.of("ds1", "ds2"));
    java.util.function.Function<VmLease, Map<String, DatastoreScan>> scans = l -> Map.of(
        "ds1", new DatastoreScan("ds1", Map.of(), Map.of(), Map.of(), null, l == null ? Map.of() : Map.of("db1", l)),
        "ds2", new DatastoreScan("ds2", Map.of(), Map.of(), Map.of(), null,
            Map.of("db1", VmLease.first("db1", "host9", java.time.Instant.EPOCH))));
    v = v.next(Duration.ofSeconds(1), scans.apply(l1));
    assertEquals(Optional.of(l1), v.lease("db1").lease(), "the first datastore holds the leases");
    assertEquals(Duration.ZERO, v.lease("db1").stillFor(), "first seen counts as just renewed");
    v = v.next(Duration.ofSeconds(1), scans.apply(l1)).next(Duration.ofSeconds(1), scans.apply(l1));
    assertEquals(Duration.ofSeconds(2), v.lease("db1").stillFor());
    v = v.next(Duration.ofSeconds(1), scans.apply(l1.renewed(java.time.Instant.EPOCH)));
    assertEquals(Duration.ZERO, v.lease("db1").stillFor(), "a renewal resets the age");
    DatastoreView lost = v.next(Duration.ofSeconds(1), Map.of("ds2", scans.apply(null).get("ds2")));
    assertFalse(lost.lease("db1").readable(), "without the lease datastore nothing is known");
    DatastoreView released = v.next(Duration.ofSeconds(1), scans.apply(null));
    assertEquals(Optional.empty(), released.lease("db1").lease());
    assertTrue(released.lease("db1").readable());
  }
}
