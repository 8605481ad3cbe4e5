package dev.vmha.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JudgeTest {
  private static Judge.View master(String h, Map<String, List<String>> vms) {
    return new Judge.View(h, "MASTER", h, vms);
  }

  private static Judge.View slave(String h, String m) {
    return new Judge.View(h, "SLAVE", m, Map.of());
  }

  @Test
  void twoHostsWritingOneDiskAtOnceAreTwoWriters() {
    List<String> disk = List.of("host2 1 1000", "host4 1 1050", "host2 2 1100", "host4 2 1150");
    List<String> v = Judge.twoWriters(Map.of("iso2", disk), 0);
    assertEquals(1, v.size(), v.toString());
    assertTrue(v.get(0).startsWith("iso2: two writers"));
  }

  @Test
  void aFailoverAfterTheOldCopyStoppedIsNotTwoWriters() {
    List<String> disk = List.of("host2 1 1000", "host2 2 1100", "host4 1 5000", "host4 2 5100");
    assertEquals(List.of(), Judge.twoWriters(Map.of("vm", disk), 0));
    // and what was before --since is not judged
    assertEquals(List.of(), Judge.twoWriters(Map.of("vm", List.of("a 1 10", "b 1 11", "a 2 20", "b 2 21")), 100));
  }

  @Test
  void aVmRunsOnceWhenOneRunWroteRecently() {
    Map<String, List<String>> disks = Map.of("a", List.of("host1 1 9000000", "host1 2 9900000"),
        "b", List.of("host1 1 1000"), "c", List.of("host1 1 9800000", "host2 1 9850000"));
    List<String> v = Judge.runningOnce(Set.of("a", "b", "c"), disks, 10_000_000, 1_500_000);
    assertEquals(2, v.size(), v.toString());
    assertTrue(v.stream().anyMatch(s -> s.startsWith("b: runs 0")));
    assertTrue(v.stream().anyMatch(s -> s.startsWith("c: runs 2")));
  }

  @Test
  void eachComponentNeedsExactlyOneMasterFollowedByAll() {
    Map<String, Judge.View> split = Map.of("host1", master("host1", Map.of()), "host2", slave("host2", "host1"),
        "host3", master("host3", Map.of()), "host4", slave("host4", "host3"));
    assertEquals(List.of(), Judge.oneMasterPerComponent(List.of(Set.of("host1", "host2"), Set.of("host3", "host4")), split));
    // healed: the same views are two masters in one component
    assertEquals(1, Judge.oneMasterPerComponent(List.of(Set.of("host1", "host2", "host3", "host4")), split).size());
    // a host that does not answer is reported
    assertEquals(1, Judge.oneMasterPerComponent(List.of(Set.of("host1", "host2", "host5")),
        Map.of("host1", master("host1", Map.of()), "host2", slave("host2", "host1"))).size());
  }

  @Test
  void twoMastersReportingOneVmOnTheirOwnSidesIsADoubleRun() {
    List<Judge.View> views = List.of(master("host1", Map.of("host1", List.of("p1"))),
        master("host3", Map.of("host3", List.of("p1", "r1"))), slave("host2", "host1"));
    List<String> v = Judge.reportedOnce(Set.of("p1", "r1", "q1"), views);
    assertTrue(v.contains("p1: reported running on [host1, host3] at once"), v.toString());
    assertTrue(v.contains("q1: reported running nowhere"), v.toString());
    assertEquals(2, v.size());
  }
}
