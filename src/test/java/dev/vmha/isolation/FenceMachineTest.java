package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.history.HaEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The self-fence as input scripts on the pure {@link FenceMachine}, in virtual time (one interval a tick): it fences
 * exactly when the {@link FencingRule} fires, once, and lifts the fence only on proof.
 */
class FenceMachineTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Set<String> THREE = Set.of("host1", "host2", "host3");

  private FenceConfig config;
  private FenceState state = FenceState.initial("host1");
  private List<FenceEffect> effects = List.of();
  private long ticks;

  private List<FenceEffect> feed(FenceInput in) {
    FenceMachine.Step step = FenceMachine.step(state, in, config);
    state = step.state();
    effects = step.effects();
    return effects;
  }

  private Instant at() {
    return T0.plus(I.multipliedBy(ticks));
  }

  /** One round; its effects but the majority record's writes, which {@link #roundEffects} keeps. */
  private List<FenceEffect> tick(Set<String> members, Set<String> heard) {
    return roundEffects(members, heard).stream().filter(e -> !(e instanceof FenceEffect.WriteRecord)).toList();
  }

  private List<FenceEffect> roundEffects(Set<String> members, Set<String> heard) {
    ticks++;
    return feed(new FenceInput.Tick(at(), members, heard));
  }

  /** The own heartbeat reached a datastore at this tick. */
  private void written() {
    feed(new FenceInput.ViewRead(at(), I.multipliedBy(ticks)));
  }

  @Test
  void withDatastoresTheHostFencesOnceWhenItsHeartbeatReachedNoneForTheTimeoutAndUnfencesWhenOneDoesAgain() {
    config = new FenceConfig("host1", true, I, TIMEOUT);
    tick(THREE, THREE);
    written();
    long last = ticks;
    for (int t = 1; t < 5; t++) {
      assertEquals(List.of(new FenceEffect.AskView()), tick(THREE, Set.of("host1")), "tick " + t + " of 5");
      feed(new FenceInput.ViewRead(at(), I.multipliedBy(last))); // the same write seen again
      assertEquals(List.of(), effects);
    }
    assertEquals(List.of(new FenceEffect.AskView(),
        new FenceEffect.Fence("its heartbeat reached no datastore for 5000 ms")), tick(THREE, THREE));
    assertEquals(List.of(new FenceEffect.AskView()), tick(THREE, THREE), "fenced once");
    feed(new FenceInput.Fenced(at(), "its heartbeat reached no datastore for 5000 ms", List.of("db1")));
    assertEquals(List.of(new FenceEffect.Emit(new HaEvent.HostSelfFenced(at(), "host1",
        "its heartbeat reached no datastore for 5000 ms", List.of("db1")))), effects);
    written();
    assertEquals(List.of(new FenceEffect.AskView(), new FenceEffect.Unfence(), new FenceEffect.Emit(
        new HaEvent.HostUnfenced(at().plus(I), "host1", "its heartbeat reaches a datastore again"))),
        tick(THREE, Set.of("host1")));
  }

  /**
   * Issue 22, seed 001's host-emergency-ha-disable: while an operator suspended enforcement the host whose heartbeat
   * reaches no datastore does not fence itself (its VMs keep running); restored, it fences at the next round.
   */
  @Test
  void whileEnforcementIsSuspendedTheHostDoesNotFenceItselfAndOnceRestoredItDoes() {
    config = new FenceConfig("host1", true, I, TIMEOUT);
    tick(THREE, THREE);
    written();
    feed(new FenceInput.Enforce(at(), Enforcement.SUSPENDED));
    assertEquals(List.of(), effects);
    for (int t = 0; t < 10; t++) {
      assertEquals(List.of(new FenceEffect.AskView()), tick(THREE, Set.of("host1")), "no fence at tick " + t);
    }
    feed(new FenceInput.Enforce(at(), Enforcement.ON));
    assertEquals(List.of(new FenceEffect.AskView(), new FenceEffect.Fence("its heartbeat reached no datastore for"
        + " 11000 ms")), tick(THREE, Set.of("host1")));
  }

  @Test
  void withoutDatastoresAStrictMinorityFencesAfterTheTimeoutAndOnlyAStrictMajorityUnfences() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> four = Set.of("host1", "host2", "host3", "host4");
    assertEquals(List.of(), tick(four, four));
    for (int t = 0; t < 5; t++) assertEquals(List.of(), tick(four, Set.of("host1")), "minority for " + t + " s");
    assertEquals(List.of(new FenceEffect.Fence("it saw only a minority of the cluster for 5000 ms")),
        tick(Set.of("host1"), Set.of("host1")), "members removed still count: the denominator only grows");
    assertEquals(List.of(), tick(four, Set.of("host1", "host2")), "an even split keeps the fence");
    assertEquals(List.of(new FenceEffect.Unfence(), new FenceEffect.Emit(new HaEvent.HostUnfenced(at().plus(I),
        "host1", "it hears a majority of the cluster again: this side holds 3 of 4 hosts"))),
        tick(four, Set.of("host1", "host2", "host3")));
  }

  /**
   * Seed 678's one-way loss: the host hears a majority both ways, so the majority rule never fences it, but its master
   * cannot hear it. Left out of the master's side for {@code TimingRules.leftOutFenceAfter} (T/2: 2.5 s here) it fences
   * itself; a beat that counts it again lifts the fence (it hears a majority); a new master that leaves it out counts
   * from its own first beat.
   */
  @Test
  void withoutDatastoresAHostLeftOutOfItsMastersSideFencesThoughItHearsAMajority() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> four = Set.of("host1", "host2", "host3", "host4");
    Set<String> notHost4 = Set.of("host1", "host2", "host3");
    tick(four, four);
    leftOutThreeSecondsFences("host4", four, notHost4);
    feed(new FenceInput.CountedByMaster(at(), "host4", true));
    assertEquals(List.of(new FenceEffect.Unfence(), new FenceEffect.Emit(new HaEvent.HostUnfenced(at().plus(I),
        "host1", "it hears a majority of the cluster again: this side holds 4 of 4 hosts"))), tick(four, four));
    feed(new FenceInput.CountedByMaster(at(), "host4", false));
    tick(four, four);
    tick(four, four);
    leftOutThreeSecondsFences("host3", four, four); // host3 took over: it counts from its own first beat
  }

  /**
   * Seed 4138's one-way loss the other way: host1 cannot hear master host4, so it elected itself, and the hosts it
   * hears follow host4, which leaves it out; its own side holds no majority. Left out by itself (fewer than half of
   * the hosts report to it) it fences after T/2 while Pekko shows it a strict majority — and at exactly half (seed
   * 37150): a host Pekko reaches but that reports to another master can be on both sides, so the others may hold a
   * strict majority. A strict minority starts the count again: it fences by the minority rule, at T as before.
   */
  @Test
  void withoutDatastoresAMasterOutnumberedOnItsSideFencesWhileItHearsHalfOrMore() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> four = Set.of("host1", "host2", "host3", "host4");
    Set<String> two = Set.of("host1", "host2");
    tick(four, four);
    leftOutThreeSecondsFences("host1", four, Set.of("host1", "host2", "host3"));
    state = FenceState.initial("host1");
    ticks = 0;
    tick(four, four);
    leftOutThreeSecondsFences("host1", four, two);
    state = FenceState.initial("host1");
    ticks = 0;
    tick(four, four);
    feed(new FenceInput.CountedByMaster(at(), "host1", false));
    for (int t = 1; t < 6; t++) {
      assertEquals(List.of(), tick(four, Set.of("host1")), "a strict minority, outnumbered: no fence at " + t + " s");
    }
    assertEquals(List.of(new FenceEffect.Fence(FencingRule.mustFence(false, Duration.ZERO, TIMEOUT, TIMEOUT)
        .orElseThrow())), tick(four, Set.of("host1")), "the minority rule fences at T");
  }

  /** Left out by {@code master} from now: no fence after 1 and 2 s, the fence after 3 s (past T/2). */
  private void leftOutThreeSecondsFences(String master, Set<String> members, Set<String> heard) {
    feed(new FenceInput.CountedByMaster(at(), master, false));
    assertEquals(List.of(), tick(members, heard), "left out by " + master + " 1 s");
    assertEquals(List.of(), tick(members, heard), "left out by " + master + " 2 s");
    assertEquals(List.of(new FenceEffect.Fence("master " + master + " has left it out of the hosts it hears for 3000"
        + " ms")), tick(members, heard));
  }

  @Test
  void withDatastoresBeingLeftOutOfTheMastersSideFencesNobody() {
    config = new FenceConfig("host1", true, I, TIMEOUT);
    tick(THREE, THREE);
    written();
    feed(new FenceInput.CountedByMaster(at(), "host3", false));
    for (int t = 0; t < 4; t++) {
      assertEquals(List.of(new FenceEffect.AskView()), tick(THREE, THREE));
      written();
    }
  }

  @Test
  void anEvenSplitFencesNobody() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> two = Set.of("host1", "host2");
    for (int t = 0; t < 20; t++) assertEquals(List.of(), tick(two, Set.of("host1")));
  }

  /**
   * Seed 1912: host1's agent restarts 3 s after it last heard a majority (it was cut off into a minority of five). The
   * new agent, not yet a member (it sees no members: a majority of one, which it neither records nor counts as its
   * own proof), carries on the clock its predecessor recorded, read after its first round: the minority
   * counts from T/3 + i after that majority (1.67 s + 1 s), so it fences 5.33 s into the minority, 8 s after the
   * record; without the record it would count itself a majority of one and never fence.
   */
  @Test
  void withoutDatastoresANewAgentCarriesOnTheMinorityClockItsPredecessorRecorded() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> five = Set.of("host1", "host2", "host3", "host4", "host5");
    MajorityRecord record = new MajorityRecord(T0, five);
    ticks = 3;
    assertEquals(List.of(), roundEffects(Set.of(), Set.of()), "a majority of one, not recorded");
    assertEquals(List.of(), feed(new FenceInput.RecordRead(at(), Optional.of(record))), "read after that round");
    for (int t = 2; t < 5; t++) assertEquals(List.of(), roundEffects(Set.of(), Set.of()), "round " + t);
    assertEquals(List.of(new FenceEffect.Fence("it saw only a minority of the cluster for 5333 ms")),
        roundEffects(Set.of(), Set.of()));
    assertEquals(T0.plusSeconds(8), at());
  }

  /** A record read after minority rounds of the new agent's own: the earlier clock of the two counts. */
  @Test
  void withoutDatastoresARecordReadLateStillSetsTheMinorityClockBack() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> five = Set.of("host1", "host2", "host3", "host4", "host5");
    ticks = 3;
    assertEquals(List.of(), roundEffects(five, Set.of("host1", "host2")));
    assertEquals(List.of(), roundEffects(five, Set.of("host1", "host2")));
    feed(new FenceInput.RecordRead(at(), Optional.of(new MajorityRecord(T0, five))));
    assertEquals(List.of(), roundEffects(five, Set.of("host1", "host2")));
    assertEquals(List.of(), roundEffects(five, Set.of("host1", "host2")));
    assertEquals(List.of(new FenceEffect.Fence("it saw only a minority of the cluster for 5333 ms")),
        roundEffects(five, Set.of("host1", "host2")), "at 8 s, not 9 s: 5 s after its own first minority round");
  }

  /**
   * An agent restarted in a healthy cluster: each round that hears a majority records it (time and members), and a
   * record read after such a round changes nothing (this agent has counted for itself).
   */
  @Test
  void withoutDatastoresEachRoundThatHearsAMajorityIsRecordedAndThenAnOldRecordIsIgnored() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> three = Set.of("host1", "host2", "host3");
    assertEquals(List.of(new FenceEffect.WriteRecord(new MajorityRecord(T0.plus(I), three))),
        roundEffects(three, Set.of("host1", "host2")));
    FenceState before = state;
    feed(new FenceInput.RecordRead(at(), Optional.of(new MajorityRecord(T0.minusSeconds(60),
        Set.of("host1", "host2", "host3", "host4", "host5")))));
    assertEquals(before, state);
    assertEquals(List.of(), roundEffects(three, Set.of("host1")), "a minority, not recorded");
  }

  /**
   * A record that cannot be trusted: when the host last heard a majority is unknown, so it is taken for long ago.
   * Rounds before the agent is a member prove nothing and keep that; its first minority round as a member fences,
   * where a first majority round would have cleared it.
   */
  @Test
  void withoutDatastoresAnUnreadableRecordMakesTheFirstMinorityRoundFence() {
    config = new FenceConfig("host1", false, I, TIMEOUT);
    Set<String> five = Set.of("host1", "host2", "host3", "host4", "host5");
    assertEquals(List.of(), feed(new FenceInput.RecordUnreadable(at(), "checksum mismatch")));
    for (int t = 0; t < 8; t++) assertEquals(List.of(), roundEffects(Set.of(), Set.of()), "not a member, round " + t);
    assertEquals(List.of(new FenceEffect.Fence("it saw only a minority of the cluster for 14000 ms")),
        roundEffects(five, Set.of("host1", "host2")));

    state = FenceState.initial("host1");
    feed(new FenceInput.RecordUnreadable(at(), "checksum mismatch"));
    assertEquals(List.of(new FenceEffect.WriteRecord(new MajorityRecord(at().plus(I), five))),
        roundEffects(five, five), "a majority round: recorded, no fence");
    for (int t = 0; t < 4; t++) assertEquals(List.of(), roundEffects(five, Set.of("host1", "host2")), "round " + t);
  }

  @Test
  void withDatastoresNoMajorityIsRecordedAndARecordChangesNothing() {
    config = new FenceConfig("host1", true, I, TIMEOUT);
    FenceState before = state;
    feed(new FenceInput.RecordRead(at(), Optional.of(new MajorityRecord(T0.minusSeconds(60), THREE))));
    assertEquals(before, state);
    assertEquals(List.of(new FenceEffect.AskView()), roundEffects(THREE, THREE));
  }
}
