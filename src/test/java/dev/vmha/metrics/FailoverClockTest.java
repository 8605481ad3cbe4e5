package dev.vmha.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A failover's duration is measured from the events alone: verdict DEAD/ISOLATED → the VM running again. */
class FailoverClockTest {
  private static final Instant T0 = Instant.parse("2026-12-02T03:12:00Z");

  static HaEvent.HostJudged judged(String host, Verdict v, int s) {
    return new HaEvent.HostJudged(T0.plusSeconds(s), "host1", host, v, "test", null);
  }

  static HaEvent.VmRestartPlanned planned(String vm, String from, int s) {
    return new HaEvent.VmRestartPlanned(T0.plusSeconds(s), "host1", vm, from, "host2", "room");
  }

  static HaEvent.VmRestarted restarted(String vm, int s) {
    return new HaEvent.VmRestarted(T0.plusSeconds(s), "host1", vm, "host2");
  }

  @Test
  void fromTheVerdictToEachVmRunningAgainKeepingTheFirstPlanAcrossRetries() {
    FailoverClock c = new FailoverClock();
    assertEquals(Optional.empty(), c.on(judged("host3", Verdict.DEAD, 0)));
    c.on(planned("web1", "host3", 1));
    c.on(planned("db1", "host3", 1));
    c.on(new HaEvent.VmRestartFailed(T0.plusSeconds(2), "host1", "web1", "host2", "refused"));
    c.on(planned("web1", "host3", 4)); // planned again after the failure: still since the verdict
    assertEquals(Optional.of(Duration.ofSeconds(3)), c.on(restarted("db1", 3)));
    assertEquals(Optional.of(Duration.ofSeconds(6)), c.on(restarted("web1", 6)));
    assertEquals(Optional.empty(), c.on(restarted("web1", 7)), "measured once");
  }

  @Test
  void anIsolatedHostCountsAPartitionedOneAndAGuestStopDoNot() {
    FailoverClock c = new FailoverClock();
    c.on(judged("host2", Verdict.ISOLATED, 0));
    c.on(planned("app1", "host2", 0));
    assertEquals(Optional.of(Duration.ofSeconds(2)), c.on(restarted("app1", 2)));
    c.on(judged("host4", Verdict.PARTITIONED, 0));
    c.on(planned("app2", "host4", 1)); // a VM stopped in its guest on host4, say
    assertEquals(Optional.empty(), c.on(restarted("app2", 2)));
  }

  @Test
  void aVmGivenUpOrPoweredOffEndsNoFailover() {
    FailoverClock c = new FailoverClock();
    c.on(judged("host3", Verdict.DEAD, 0));
    c.on(planned("web1", "host3", 1));
    c.on(planned("web2", "host3", 1));
    c.on(new HaEvent.VmNotRestarted(T0.plusSeconds(2), "host1", "web1", "retries exhausted"));
    c.on(new HaEvent.VmPoweredOff(T0.plusSeconds(2), "host1", "web2", "host2"));
    assertEquals(Optional.empty(), c.on(restarted("web1", 9)));
    assertEquals(Optional.empty(), c.on(restarted("web2", 9)));
  }

  @Test
  void whatIsRememberedIsBounded() {
    FailoverClock c = new FailoverClock();
    for (int i = 0; i <= FailoverClock.MAX_TRACKED; i++) c.on(judged("h" + i, Verdict.DEAD, 0));
    c.on(planned("first", "h0", 1)); // h0, the eldest, was forgotten
    c.on(planned("last", "h" + FailoverClock.MAX_TRACKED, 1));
    assertEquals(Optional.empty(), c.on(restarted("first", 2)));
    assertEquals(Optional.of(Duration.ofSeconds(2)), c.on(restarted("last", 2)));
  }
}
