package dev.vmha.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DatastoreView.LeaseObservation;
import dev.vmha.datastore.VmLease;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaseRuleTest {
  private static final Duration EXPIRY = Duration.ofMillis(15_150);
  private static final VmLease HELD = new VmLease("db1", "host3", 42, Instant.EPOCH);

  private static LeaseObservation seen(boolean readable, Optional<VmLease> lease, long stillForMs) {
    return new LeaseObservation("ds1", readable, lease, Duration.ofMillis(stillForMs), Optional.empty());
  }

  @Test
  void aFreeLeaseMayBeTakenWithoutAGrant() {
    LeaseRule.Decision d = LeaseRule.mayStart("db1", seen(true, Optional.empty(), 0), EXPIRY);
    assertTrue(d.mayStart());
    assertEquals(Optional.empty(), d.grant());
  }

  @Test
  void aLeaseStillBeingRenewedBlocksTheStartAndNamesItsHolder() {
    LeaseRule.Decision d = LeaseRule.mayStart("db1", seen(true, Optional.of(HELD), 15_149), EXPIRY);
    assertFalse(d.mayStart());
    assertTrue(d.why().contains("held by host3"), d.why());
  }

  @Test
  void aLeaseStillForTheExpiryMayBeReplacedExactlyAsSeen() {
    LeaseRule.Decision d = LeaseRule.mayStart("db1", seen(true, Optional.of(HELD), 15_150), EXPIRY);
    assertTrue(d.mayStart());
    assertEquals(Optional.of(HELD), d.grant(), "the new host swaps exactly the write the master judged");
  }

  @Test
  void anUnreadableLeaseDatastoreSaysNothingSoNothingStarts() {
    LeaseRule.Decision d = LeaseRule.mayStart("db1", seen(false, Optional.empty(), 99_999), EXPIRY);
    assertFalse(d.mayStart());
    assertTrue(d.why().contains("not readable"), d.why());
  }

  /** Issue 20 finding 8: a corrupt lease file is no free lease, however long it stands. */
  @Test
  void aCorruptLeaseFileBlocksTheStartWhateverItsAge() {
    LeaseObservation corrupt = new LeaseObservation("ds1", true, Optional.empty(), Duration.ofMillis(99_999),
        Optional.of("/ds1/.vmha/lease-db1: checksum mismatch"));
    LeaseRule.Decision d = LeaseRule.mayStart("db1", corrupt, EXPIRY);
    assertFalse(d.mayStart());
    assertTrue(d.why().contains("corrupt") && d.why().contains("checksum mismatch"), d.why());
  }

  /** The holder repairs its own corrupt lease only while nobody can have taken it: before its fence deadline. */
  @Test
  void onlyAHolderBeforeItsFenceDeadlineRepairsItsCorruptLease() {
    Duration fenceAfter = Duration.ofSeconds(10);
    assertTrue(LeaseRule.mayRepair(true, false, Duration.ofMillis(9_999), fenceAfter));
    assertFalse(LeaseRule.mayRepair(true, false, Duration.ofSeconds(10), fenceAfter), "at the deadline it fences");
    assertFalse(LeaseRule.mayRepair(true, true, Duration.ofSeconds(1), fenceAfter), "a fenced VM's lease");
    assertFalse(LeaseRule.mayRepair(false, false, Duration.ofSeconds(1), fenceAfter), "not held (not adopted yet)");
  }

  @Test
  void theExpiryOutlastsTheHoldersFenceByEveryMargin() {
    TimingRules.Lease t = new TimingRules.Lease(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(2), 0.01);
    assertEquals(Duration.ofMillis(15_150), t.expiry(), "(10 + 1 + 2 + 2) s x 1.01");
    assertEquals(Duration.ofMillis(5_150), t.margin());
    TimingRules.Lease exact = new TimingRules.Lease(Duration.ofSeconds(3), Duration.ofMillis(250), Duration.ZERO, Duration.ZERO, 0);
    assertEquals(Duration.ofMillis(3_250), exact.expiry(), "no margins: fence deadline plus one renewal interval");
  }

  /**
   * The timing property (docs/FAILURE-DETECTION.md, "Leases"), over many settings the configuration allows: the
   * expiry, seen on a clock up to clock-drift-max slower, covers both ways the holder stops a VM — the agent's fence,
   * and the watchdog of a dead or frozen agent, last petted before the pet deadline — and the pet deadline leaves the
   * agent at least an interval of renewals — for every watchdog timeout (restart grace), the fence deadline following
   * it ({@link TimingRules#leaseFenceAfter}).
   */
  @Test
  void theExpiryCoversTheAgentsFenceAndTheWatchdogForEverySettingAllowed() {
    java.util.Random r = new java.util.Random(19);
    for (int n = 0; n < 10_000; n++) {
      long i = 50 + r.nextInt(2000);
      long t = 4 * i + r.nextInt(60_000);
      // the watchdog timeout (the restart grace): from two intervals to far beyond hostTimeout
      long w = r.nextBoolean() ? 0 : 2 * i + (long) (r.nextDouble() * 3 * t);
      TimingRules.Lease lt = TimingRules.Lease.of(Duration.ofMillis(t), Duration.ofMillis(i), Duration.ofMillis(r.nextInt(5000)),
          Duration.ofMillis(r.nextInt(5000)), r.nextDouble() / 2, Duration.ofMillis(w));
      Duration seenByHolder = Duration.ofNanos((long) Math.floor(lt.expiry().toNanos() / (1 + lt.clockDriftMax())));
      String c = lt.toString();
      assertTrue(seenByHolder.compareTo(lt.agentStopsBy()) >= 0, c);
      assertTrue(seenByHolder.compareTo(lt.watchdogStopsBy()) >= 0, c);
      assertTrue(lt.fenceAfter().compareTo(Duration.ofMillis(t)) >= 0, "never fences before hostTimeout: " + c);
      // an agent restarted within the grace finds its leases untaken: the expiry outlasts the watchdog's timeout
      assertTrue(seenByHolder.compareTo(lt.watchdogTimeout()) > 0, c);
      if (w > 0) {
        assertTrue(lt.petDeadline().compareTo(lt.renewInterval()) >= 0, c);
        // last pet before the deadline, landed within an interval, fired after the timeout, noticed within an interval
        assertEquals(lt.petDeadline().plus(lt.renewInterval()).plus(lt.watchdogTimeout()).plus(lt.renewInterval())
            .plus(lt.powerOffMax()), lt.watchdogStopsBy(), c);
        assertTrue(lt.mayPet(lt.petDeadline()) && !lt.mayPet(lt.petDeadline().plusMillis(1)), c);
        assertTrue(lt.mayPet(lt.renewInterval()), "renewals that succeed every round allow every pet: " + c);
      }
    }
  }

  @Test
  void theVmsOfAHostWhoseAgentIsGoneRestartOnlyWithLeasesAndAnArmedWatchdog() {
    LeaseRule.AgentGone armed = LeaseRule.agentGone("host2", true, true);
    assertTrue(armed.restart());
    assertTrue(armed.why().contains("watchdog armed"), armed.why());
    LeaseRule.AgentGone unarmed = LeaseRule.agentGone("host2", true, false);
    assertFalse(unarmed.restart());
    assertTrue(unarmed.why().contains("not armed"), unarmed.why());
    assertFalse(LeaseRule.agentGone("host2", false, true).restart(), "no leases, no proof");
  }

  /** A host judged DEAD whose agent had stopped cleanly may only be cut off, its VMs running: they wait. */
  @Test
  void aDeadHostsVmsWaitOnlyWhenItsAgentStoppedCleanlyAndLeftThemRunning() {
    assertTrue(LeaseRule.deadHost("host2", WatchdogFlag.ARMED).restart());
    assertTrue(LeaseRule.deadHost("host2", WatchdogFlag.NOT_ARMED).restart(), "a power loss without a watchdog");
    LeaseRule.AgentGone stopped = LeaseRule.deadHost("host2", WatchdogFlag.AGENT_STOPPED);
    assertFalse(stopped.restart());
    assertTrue(stopped.why().contains("stopped cleanly"), stopped.why());
  }
}
