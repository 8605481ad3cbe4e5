package dev.vmha.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DatastoreView.LeaseObservation;
import dev.vmha.datastore.VmLease;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaseRuleTest {
  private static final Duration EXPIRY = Duration.ofMillis(15_150);
  private static final VmLease HELD = new VmLease("db1", "host3", 42, Instant.EPOCH);

  private static LeaseObservation seen(boolean readable, Optional<VmLease> lease, long stillForMs) {
    return new LeaseObservation("ds1", readable, lease, Duration.ofMillis(stillForMs));
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

  @Test
  void theExpiryOutlastsTheHoldersFenceByEveryMargin() {
    LeaseTiming t = new LeaseTiming(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(2), 0.01);
    assertEquals(Duration.ofMillis(15_150), t.expiry(), "(10 + 1 + 2 + 2) s x 1.01");
    assertEquals(Duration.ofMillis(5_150), t.margin());
    LeaseTiming exact = new LeaseTiming(Duration.ofSeconds(3), Duration.ofMillis(250), Duration.ZERO, Duration.ZERO, 0);
    assertEquals(Duration.ofMillis(3_250), exact.expiry(), "no margins: fence deadline plus one renewal interval");
  }
}
