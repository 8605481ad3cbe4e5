package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class MajorityRuleTest {
  private static final Set<String> FIVE = Set.of("host1", "host2", "host3", "host4", "host5");

  @Test
  void aSideThatRemovedTheOtherSidesMembersIsStillTwoOfFive() {
    // issue 18 item 3: host1 downed host3..5, so its membership holds 2 of 2 — the known hosts still number 5
    MajorityRule.Count c = MajorityRule.count("host1", FIVE, Set.of("host2"));
    assertEquals(new MajorityRule.Count(2, 5), c);
    assertFalse(c.majority());
    assertTrue(c.minority());
    assertEquals("this side holds 2 of 5 hosts", c.describe());
  }

  @Test
  void onlyHostsHeardCountNotHostsMerelyKnown() {
    // the demo's case 5: a new master knows 4 hosts and hears one other; host1 on the other side is not counted
    MajorityRule.Count c = MajorityRule.count("host3", Set.of("host1", "host2", "host3", "host4"), Set.of("host2"));
    assertEquals(new MajorityRule.Count(2, 4), c);
    assertFalse(c.majority(), "an even split is no majority");
    assertFalse(c.minority(), "nor a minority: nobody fences");
  }

  @Test
  void aHostHeardButNotKnownCountsInNeitherAndSelfCountsInBoth() {
    MajorityRule.Count c = MajorityRule.count("host9", Set.of("host1", "host2"), Set.of("host1", "stranger"));
    assertEquals(new MajorityRule.Count(2, 3), c);
    assertTrue(c.majority());
  }

  @Test
  void threeOfFiveIsAMajority() {
    assertTrue(MajorityRule.count("host3", FIVE, Set.of("host4", "host5")).majority());
  }
}
