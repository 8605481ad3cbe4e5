package dev.vmha.election;

import dev.vmha.HostIdOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RankTest {

  private static int sign(int c) {
    return Integer.signum(c);
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource({
      "host10, host9, 1",
      "host9, host10, -1",
      "host2, host10, -1",
      "host10, host2, 1",
      "a, b, -1",
      "b, a, 1",
      "a, a, 0",
      "host10, host10, 0",
      "host, host1, -1",
      "host1, host, 1",
      "esxi1, esxi2, -1",
      "h99999999999999999999999, h9, 1",
      "a2b10, a2b9, 1",
      "a2b, a10a, -1",
      "1, 2, -1",
      "10, 9, 1",
      "host1a, host1b, -1",
      "host9x, host10a, -1",
      "B, a, -1"
  })
  void naturalOrder(String a, String b, int expected) {
    assertEquals(expected, sign(HostIdOrder.INSTANCE.compare(a, b)));
  }

  @Test
  void naturalOrderDistinguishesLeadingZerosConsistently() {
    int c = HostIdOrder.INSTANCE.compare("host01", "host1");
    assertTrue(c != 0, "different ids must not compare equal");
    assertEquals(-sign(c), sign(HostIdOrder.INSTANCE.compare("host1", "host01")));
  }

  @Test
  void naturalOrderSortsHostIds() {
    List<String> ids = new ArrayList<>(List.of("host10", "host1", "host9", "host2", "host100", "host", "hostA"));
    Collections.shuffle(ids, new Random(7));
    ids.sort(HostIdOrder.INSTANCE);
    assertEquals(List.of("host", "host1", "host2", "host9", "host10", "host100", "hostA"), ids);
  }

  @Test
  void naturalOrderIsAntisymmetricAndTransitiveOnASample() {
    List<String> ids = List.of("a", "b", "a1", "a01", "a2", "a10", "a10b", "a10a", "host", "host1", "host01",
        "host001", "host2", "host10", "x9y9", "x9y10", "x10y1", "9", "10", "010", "");
    for (String x : ids) {
      for (String y : ids) {
        assertEquals(-sign(HostIdOrder.INSTANCE.compare(y, x)), sign(HostIdOrder.INSTANCE.compare(x, y)), x + " " + y);
        assertEquals(x.equals(y), HostIdOrder.INSTANCE.compare(x, y) == 0, x + " " + y);
        for (String z : ids) {
          if (HostIdOrder.INSTANCE.compare(x, y) < 0 && HostIdOrder.INSTANCE.compare(y, z) < 0) {
            assertTrue(HostIdOrder.INSTANCE.compare(x, z) < 0, x + " < " + y + " < " + z);
          }
        }
      }
    }
  }

  @Test
  void mostDatastoresWinsRegardlessOfId() {
    Rank few = new Rank(1, "host99");
    Rank many = new Rank(2, "host1");
    assertTrue(many.outranks(few));
    assertFalse(few.outranks(many));
    assertEquals(many, ElectionRanking.winner(List.of(few, many)));
    assertEquals(many, ElectionRanking.winner(List.of(many, few)));
  }

  @Test
  void tieGoesToHighestHostIdComparedNaturally() {
    assertEquals(new Rank(2, "host10"), ElectionRanking.winner(List.of(new Rank(2, "host9"), new Rank(2, "host10"))));
    assertEquals(new Rank(2, "host10"), ElectionRanking.winner(List.of(new Rank(2, "host10"), new Rank(2, "host2"))));
    assertEquals(new Rank(0, "b"), ElectionRanking.winner(List.of(new Rank(0, "a"), new Rank(0, "b"))));
    assertTrue(new Rank(3, "host10").outranks(new Rank(3, "host9")));
    assertFalse(new Rank(3, "host9").outranks(new Rank(3, "host10")));
    assertFalse(new Rank(3, "host9").outranks(new Rank(3, "host9")), "nobody outranks itself");
    assertEquals(0, new Rank(3, "host9").compareTo(new Rank(3, "host9")));
  }

  @Test
  void singleCandidateWins() {
    assertEquals(new Rank(0, "only"), ElectionRanking.winner(List.of(new Rank(0, "only"))));
    assertEquals(List.of("only(0 ds)"), ElectionRanking.ordered(List.of(new Rank(0, "only"))));
  }

  @Test
  void emptyElectionThrows() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ElectionRanking.winner(List.of()));
    assertTrue(e.getMessage().contains("at least one candidate"), e.getMessage());
    assertEquals(List.of(), ElectionRanking.ordered(List.of()));
  }

  @Test
  void winnerIsIndependentOfBallotOrder() {
    List<Rank> ranks = new ArrayList<>(List.of(new Rank(1, "host10"), new Rank(2, "host2"), new Rank(2, "host3"),
        new Rank(0, "host99"), new Rank(2, "host1")));
    Random r = new Random(42);
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(ranks, r);
      assertEquals(new Rank(2, "host3"), ElectionRanking.winner(ranks));
      assertEquals(new Rank(2, "host3"), ElectionRanking.winner(Set.copyOf(ranks)));
    }
  }

  @Test
  void orderedListsBestFirst() {
    List<Rank> ranks = List.of(new Rank(1, "host10"), new Rank(2, "host2"), new Rank(0, "host99"), new Rank(2, "host10"),
        new Rank(1, "host9"));
    assertEquals(List.of("host10(2 ds)", "host2(2 ds)", "host10(1 ds)", "host9(1 ds)", "host99(0 ds)"),
        ElectionRanking.ordered(ranks));
    assertEquals(ElectionRanking.winner(ranks).hostId() + "(2 ds)", ElectionRanking.ordered(ranks).get(0));
  }

  @Test
  void ruleTextDescribesTheOrder() {
    assertEquals("most datastores seen, then highest host id", ElectionRanking.RULE);
  }
}
