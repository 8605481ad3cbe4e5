package dev.vmha.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The bounds and budgets docs/FAILURE-DETECTION.md states, with the vSphere defaults and the demo's settings. */
class TimingRulesTest {
  private static final TimingRules.Detection DEFAULTS = new TimingRules.Detection(Duration.ofSeconds(1), Duration.ofSeconds(10),
      Duration.ofSeconds(5), Duration.ofSeconds(15));
  private static final TimingRules.Detection DEMO = new TimingRules.Detection(Duration.ofMillis(250), Duration.ofSeconds(3),
      Duration.ofSeconds(1), Duration.ofSeconds(2));

  @Test
  void theBoundsAVerdictWaitsFor() {
    assertEquals(Duration.ofSeconds(15), TimingRules.datastoreStillBound(DEFAULTS.hostTimeout()));
    assertEquals(Duration.ofSeconds(25), TimingRules.majorityStillBound(DEFAULTS.hostTimeout()));
    assertEquals(Duration.ofSeconds(10), DEFAULTS.judgeAfter(true));
    assertEquals(Duration.ofSeconds(25), DEFAULTS.judgeAfter(false), "a host never heard may be in an election");
  }

  /**
   * A slave left out of its master's side is fenced by tR + T + 3i + d + T/2, strictly before the master may restart
   * its VMs at tR + 2.5 T: at the least hostTimeout 4i with a message just under an interval, as with the defaults.
   */
  @Test
  void aSlaveLeftOutOfTheMastersSideFencesBeforeTheMasterMayRestartItsVms() {
    Duration i = Duration.ofSeconds(1);
    for (Duration t : new Duration[] {TimingRules.minHostTimeout(i), DEFAULTS.hostTimeout()}) {
      Duration fenced = t.plus(i.multipliedBy(3)).plus(i.minusMillis(1)).plus(TimingRules.leftOutFenceAfter(t));
      assertTrue(fenced.compareTo(TimingRules.majorityStillBound(t)) < 0, "fenced by " + fenced + " with T " + t);
    }
    assertEquals(Duration.ofSeconds(5), TimingRules.leftOutFenceAfter(DEFAULTS.hostTimeout()));
  }

  /**
   * A host that never reported to a new master, counted from when the master came to know it (tK): it loses the master
   * at tK + T, may elect one of its slaves (W) and wait T for its beats, elect itself (W) and be left out by itself two
   * intervals in, fenced T/2 later: strictly before {@code neverReportedStillBound} (3.5 T) at every window the settings
   * allow without datastores, at the least hostTimeout and the defaults; {@code majorityStillBound} (2.5 T) is too
   * short for it at any window.
   */
  @Test
  void aHostThatNeverReportedToANewMasterFencesBeforeItIsJudgedDead() {
    Duration i = Duration.ofSeconds(1);
    for (Duration t : new Duration[] {TimingRules.minHostTimeout(i), DEFAULTS.hostTimeout()}) {
      Duration w = TimingRules.electionWindowLimit(t, i).minusMillis(1);
      Duration fenced = t.multipliedBy(2).plus(w.multipliedBy(2)).plus(i.multipliedBy(2))
          .plus(TimingRules.leftOutFenceAfter(t));
      assertTrue(fenced.compareTo(TimingRules.neverReportedStillBound(t)) < 0, "fenced by " + fenced + " with T " + t);
      assertTrue(fenced.compareTo(TimingRules.majorityStillBound(t)) > 0, "2.5 T would not do with T " + t);
    }
    assertEquals(Duration.ofSeconds(35), TimingRules.neverReportedStillBound(DEFAULTS.hostTimeout()));
  }

  /**
   * Seed 24528: a power-on sent before a master began to wait for the host arrives within a message's delay (under an
   * interval); a report received {@code powerOnArrivedBy} after the wait began was sent after it arrived.
   */
  @Test
  void aReportReceivedPowerOnArrivedByAfterTheWaitWasSentAfterAnEarlierPowerOnArrived() {
    Duration i = DEFAULTS.interval();
    Duration d = i.minusMillis(1);
    Duration arrivedBy = d; // sent at the latest when the wait began (0)
    Duration reportSentAfter = TimingRules.powerOnArrivedBy(i).minus(d);
    assertTrue(reportSentAfter.compareTo(arrivedBy) > 0, "report sent after " + reportSentAfter);
    assertEquals(Duration.ofSeconds(2), TimingRules.powerOnArrivedBy(i));
  }

  /**
   * Seed 1912: an agent that carries on its predecessors' minority clock counts it from {@code minorityNoticedBy}
   * after the last majority recorded, fences T later at its next round (one interval) and stops its VMs within one
   * more: strictly before the majority may restart them, {@code majorityStillBound} after it last heard the host.
   */
  @Test
  void aNewAgentCarryingTheMinorityClockOnFencesBeforeTheMajorityRestarts() {
    Duration i = Duration.ofSeconds(1);
    for (Duration t : new Duration[] {TimingRules.minHostTimeout(i), DEFAULTS.hostTimeout()}) {
      Duration fenced = TimingRules.minorityNoticedBy(t, i).plus(t).plus(i.multipliedBy(2));
      assertTrue(fenced.compareTo(TimingRules.majorityStillBound(t)) < 0, "fenced by " + fenced + " with T " + t);
    }
    assertEquals(4333, TimingRules.minorityNoticedBy(DEFAULTS.hostTimeout(), i).toMillis(), "T/3 + i");
  }

  @Test
  void theBudgetPerCaseWithTheDefaults() {
    assertEquals(Duration.ofSeconds(17), DEFAULTS.slavePowerLoss(), "max(T + P, 1.5 T + i) + i");
    assertEquals(Duration.ofSeconds(31), DEFAULTS.masterPowerLoss(), "max(T + W + P, 1.5 T + i) + i");
    assertEquals(Duration.ofSeconds(31), DEFAULTS.masterAndSlavePowerLoss());
    assertEquals(Duration.ofSeconds(32), DEFAULTS.isolatedSlave(), "T + W + P + 2i");
    assertEquals(Duration.ofSeconds(27), DEFAULTS.isolatedMaster(), "max(T + P, T + W) + 2i");
    assertEquals(Duration.ofSeconds(11), DEFAULTS.agentUnreachable(), "T + i");
  }

  @Test
  void aStalledMasterStepsDownOnceItsSlavesMayHaveElectedAnother() {
    assertEquals(Duration.ofSeconds(9), DEFAULTS.masterStall(), "T - i");
    // a slave's MASTER_LOST fires T after the last beat it heard, which went out up to one interval before the stall
    assertEquals(DEFAULTS.hostTimeout(), DEFAULTS.masterStall().plus(DEFAULTS.interval()));
  }

  @Test
  void aStalledSlaveRefusesQueuedPowerOnsOnceItsMasterMayHaveJudgedIt() {
    // the master judges a host whose silence it has followed T after its last report, sent up to i before the stall
    assertEquals(DEFAULTS.judgeAfter(true), DEFAULTS.slaveStall().plus(DEFAULTS.interval()));
  }

  @Test
  void theBudgetPerCaseWithTheDemoSettings() {
    assertEquals(Duration.ofMillis(5000), DEMO.slavePowerLoss());
    assertEquals(Duration.ofMillis(6250), DEMO.masterPowerLoss());
    assertEquals(Duration.ofMillis(6500), DEMO.isolatedSlave());
    assertEquals(Duration.ofMillis(5500), DEMO.isolatedMaster());
    assertEquals(Duration.ofMillis(3250), DEMO.agentUnreachable());
  }

  @Test
  void theBoundsDerivedFromOneSettingWithTheDefaults() {
    Duration i = Duration.ofSeconds(1);
    Duration t = Duration.ofSeconds(10);
    assertEquals(Duration.ofSeconds(4), TimingRules.minHostTimeout(i), "4 i");
    assertEquals(Duration.ofSeconds(5), TimingRules.defaultWatchdogTimeout(t), "T/2");
    assertEquals(Duration.ofSeconds(2), TimingRules.minWatchdogTimeout(i), "2 i");
    assertEquals(Duration.ofMillis(3333), TimingRules.failureDetectorPause(t).truncatedTo(ChronoUnit.MILLIS), "T/3");
    assertEquals(Duration.ofSeconds(20), TimingRules.clusterJoinGiveUp(t), "2 T");
    assertEquals(Duration.ofMillis(2500), TimingRules.hypervisorListingBound(t), "T/4");
    assertEquals(Duration.ofSeconds(4), TimingRules.duplicateWatch(i, Duration.ofSeconds(2)), "2 i + io-delay-max");
    assertEquals(Duration.ofSeconds(30), TimingRules.rejoinLimit(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    assertEquals(Duration.ofSeconds(30), TimingRules.electionListingBound(Duration.ofSeconds(15)), "2 W");
    assertEquals(Duration.ofSeconds(18), TimingRules.electionElapsed(Duration.ofSeconds(15), i, 3), "W + 3 i");
    assertEquals(Duration.ofSeconds(25), TimingRules.coldStartElectionMinimum(Duration.ofSeconds(15), t), "W + T");
  }

  @Test
  void theCallBoundsAndRetries() {
    Duration i = Duration.ofSeconds(1);
    assertEquals(i, TimingRules.powerOffCallBound(i, Duration.ofMillis(10)), "at least one interval");
    assertEquals(Duration.ofSeconds(30), TimingRules.powerOffCallBound(i, Duration.ofSeconds(30)));
    assertEquals(Duration.ofSeconds(1), TimingRules.watchdogCheckPeriod(i, Duration.ofSeconds(60)), "i");
    assertEquals(Duration.ofMillis(500), TimingRules.watchdogCheckPeriod(i, Duration.ofSeconds(2)), "a quarter");
    assertEquals(Duration.ofSeconds(30), TimingRules.watchdogNearMiss(Duration.ofSeconds(60)));
    assertEquals(Duration.ofSeconds(20), TimingRules.leaseTakeBound(i));
    assertEquals(Duration.ofSeconds(4), TimingRules.disarmPublishBound(i));
    assertEquals(Duration.ofSeconds(2), TimingRules.gaugeAskBound(Duration.ofSeconds(6)));
    Duration base = Duration.ofMinutes(2);
    assertEquals(Duration.ofMinutes(2), TimingRules.backoff(base, 1));
    assertEquals(Duration.ofMinutes(16), TimingRules.backoff(base, 4), "vSphere's 0/2/6/14/30 min: 16 after 14");
    assertEquals(base.multipliedBy(1 << 20), TimingRules.backoff(base, 40), "the doubling stops at 2^20");
  }

  @Test
  void theLeaseFenceDeadlineCoversTheWatchdogsGrace() {
    Duration t = Duration.ofSeconds(10);
    Duration i = Duration.ofSeconds(1);
    assertEquals(t, TimingRules.leaseFenceAfter(t, i, Duration.ZERO), "without a watchdog: T");
    assertEquals(t, TimingRules.leaseFenceAfter(t, i, Duration.ofSeconds(5)), "the default T/2 leaves it at T");
    assertEquals(Duration.ofSeconds(32), TimingRules.leaseFenceAfter(t, i, Duration.ofSeconds(30)), "W + 2 i");
    assertEquals(Duration.ofSeconds(101), TimingRules.stretched(Duration.ofSeconds(100), 0.01));
  }

  /** Pekko's defaults: cluster-exiting 10 s, shutdown-flush-timeout 1 s and the guard's 2 s, the JVM's second. */
  @Test
  void anAgentStopsWithinTheClusterExitTheTransportGraceAndASecond() {
    com.typesafe.config.Config pekko = com.typesafe.config.ConfigFactory.load();
    assertEquals(Duration.ofSeconds(3), TimingRules.transportShutdownGrace(Duration.ofSeconds(1)));
    assertEquals(Duration.ofSeconds(14), TimingRules.agentStopBound(pekko));
  }

  /** Pekko's defaults: cluster-exiting 10 s, cluster-shutdown 5 s (the default phase timeout), terminate 10 s. */
  @Test
  void anActorSystemTerminatesWithinItsShutdownPhasesAndAMargin() {
    com.typesafe.config.Config pekko = com.typesafe.config.ConfigFactory.load();
    assertEquals(Duration.ofSeconds(35), TimingRules.actorSystemTerminationBound(pekko));
    assertEquals(Duration.ofSeconds(45), TimingRules.actorSystemTerminationBound(com.typesafe.config.ConfigFactory
        .parseString("pekko.coordinated-shutdown.default-phase-timeout = 15 s").withFallback(pekko)));
  }
}
