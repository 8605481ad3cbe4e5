package dev.vmha.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.isolation.Enforcement;
import dev.vmha.lease.LeaseEffect.Fence;
import dev.vmha.lease.LeaseEffect.Read;
import dev.vmha.lease.LeaseEffect.Release;
import dev.vmha.lease.LeaseEffect.Repair;
import dev.vmha.lease.LeaseEffect.Reply;
import dev.vmha.lease.LeaseEffect.ReportRenewal;
import dev.vmha.lease.LeaseEffect.Swap;
import dev.vmha.lease.LeaseEffect.Warn;
import dev.vmha.lease.LeaseInput.Written;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The lease keeper as input scripts on the pure {@link LeaseMachine}: every lease I/O, fence and report it asks for is
 * asserted, in virtual time (one interval a tick). The actor wiring on a real datastore is {@link VmLeasesTest}'s.
 */
class LeaseMachineTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final TimingRules.Lease TIMING = new TimingRules.Lease(Duration.ofSeconds(10), I, Duration.ofSeconds(2),
      Duration.ofSeconds(2), 0.01);
  private static final LeaseConfig CONFIG = new LeaseConfig("host1", Optional.of("ds1"), TIMING);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private LeaseConfig config = CONFIG;
  private LeaseState<String> state = LeaseState.initial();
  private List<LeaseEffect<String>> effects = List.of();
  private long ticks;

  private List<LeaseEffect<String>> feed(LeaseInput<String> in) {
    LeaseMachine.Step<String> step = LeaseMachine.step(state, in, config);
    state = step.state();
    effects = step.effects();
    return effects;
  }

  private Instant at() {
    return T0.plus(I.multipliedBy(ticks));
  }

  private List<LeaseEffect<String>> tick() {
    ticks++;
    return feed(new LeaseInput.Tick<>(at()));
  }

  /** A class literal cannot name the effect's type arguments: the caller's type says them (one unchecked cast). */
  @SuppressWarnings("unchecked")
  private <E> List<E> of(Class<? super E> type) {
    return effects.stream().filter(type::isInstance).map(e -> (E) e).toList();
  }

  private <E> E only(Class<? super E> type) {
    List<E> found = of(type);
    assertEquals(1, found.size(), type.getSimpleName() + " in " + effects);
    return found.get(0);
  }

  private void answer(Swap<String> w, Written result) {
    feed(new LeaseInput.Swapped<>(at(), w, result));
  }

  /** Takes db1's free lease and reports it running here. */
  private VmLease running(String vm) {
    feed(new LeaseInput.Take<>(at(), vm, Optional.empty(), "probe"));
    Swap<String> w = only(Swap.class);
    assertEquals(Optional.empty(), w.expected());
    assertEquals(VmLease.first(vm, "host1", at()), w.next());
    answer(w, new Written.Done());
    assertEquals(new Reply<>("probe", vm, true, "lease taken on ds1"), only(Reply.class));
    feed(new LeaseInput.Running<>(at(), Set.of(vm)));
    return w.next();
  }

  /** Ticks once and lets the renewal fail as {@code result} says; the effects of the failed answer stay. */
  private List<LeaseEffect<String>> tickFailing(Written result) {
    List<LeaseEffect<String>> round = new ArrayList<>(tick());
    for (Swap<?> w : round.stream().filter(Swap.class::isInstance).map(Swap.class::cast).toList()) {
      @SuppressWarnings("unchecked") Swap<String> s = (Swap<String>) w;
      answer(s, result);
      round.addAll(effects);
    }
    effects = round;
    return round;
  }

  @Test
  void aTakenLeaseIsRenewedEveryIntervalAndReleasedOnlyWhenTheVmIsOff() {
    VmLease taken = running("db1");
    tick();
    Swap<String> renewal = only(Swap.class);
    assertEquals(Optional.of(taken), renewal.expected());
    assertEquals(taken.renewed(at()), renewal.next());
    assertEquals(I, renewal.issuedAt());
    assertTrue(renewal.take().isEmpty());
    assertEquals(new ReportRenewal<>(true, I, Enforcement.ON), only(ReportRenewal.class));
    answer(renewal, new Written.Done());
    tick();
    assertEquals(new ReportRenewal<>(true, I, Enforcement.ON), only(ReportRenewal.class), "a renewal landed each round");
    feed(new LeaseInput.Running<>(at(), Set.of("db1")));
    assertEquals(List.of(), effects, "still on: nothing to do until the renewal in flight answers");
    feed(new LeaseInput.Running<>(at(), Set.of()));
    assertEquals(List.of(new Release<>(renewal.next())), effects);
  }

  @Test
  void aLeaseUnrenewedIsReportedLateOnceAtHalfTheDeadlineAndFencedAtTheDeadlineNotBefore() {
    running("db1");
    Written failed = new Written.Failed("datastore unreachable", false);
    for (int t = 1; t < 10; t++) {
      tickFailing(failed);
      assertEquals(List.of(), of(Fence.class), "tick " + t);
      assertEquals(new Warn<>("lease of db1 not renewed on ds1: datastore unreachable"), only(Warn.class));
      List<LeaseEffect.Emit<String>> late = of(LeaseEffect.Emit.class);
      assertEquals(t == 5 ? 1 : 0, late.size(), "late at 5 s of 10, once: tick " + t);
      if (t == 5) {
        HaEvent.LeaseRenewalLate e = (HaEvent.LeaseRenewalLate) late.get(0).event();
        assertEquals(new HaEvent.LeaseRenewalLate(at(), "host1", "db1", Duration.ofSeconds(5), TIMING.fenceAfter()), e);
      }
    }
    tickFailing(failed);
    assertEquals("its lease on ds1 was not renewed for 10000 ms (fence after 10000 ms)", only(Fence.class).why());
    assertEquals(1, of(Swap.class).size(), "renewed on while the power-off is not confirmed");
    tickFailing(failed);
    assertEquals(List.of(), of(Fence.class), "asked once");
    feed(new LeaseInput.Running<>(at(), Set.of("db1")));
    assertEquals(List.of(), effects, "a fenced VM still on keeps its lease");
    feed(new LeaseInput.Running<>(at(), Set.of()));
    assertEquals(1, of(Release.class).size(), "released once off");
  }

  /**
   * Issue 22, seed 001's host-emergency-ha-disable: with enforcement suspended a lease unrenewed past its deadline
   * powers nothing off and the watchdog hears it does not matter; a lease another host took still fences its VM.
   */
  @Test
  void whileEnforcementIsSuspendedAnUnrenewedLeaseFencesNothingButOneTakenByAnotherHostStillDoes() {
    running("db1");
    feed(new LeaseInput.Take<>(at(), "web1", Optional.empty(), "probe"));
    answer(only(Swap.class), new Written.Done());
    feed(new LeaseInput.Running<>(at(), Set.of("db1", "web1")));
    feed(new LeaseInput.Enforce<>(at(), Enforcement.SUSPENDED));
    assertEquals(List.of(), effects);
    Written failed = new Written.Failed("datastore unreachable", false);
    for (int t = 1; t <= 15; t++) {
      tickFailing(failed);
      assertEquals(List.of(), of(Fence.class), "tick " + t);
    }
    ReportRenewal<String> report = only(ReportRenewal.class);
    assertEquals(Duration.ofSeconds(15), report.longestUnrenewed());
    assertEquals(Enforcement.SUSPENDED, report.enforcement());
    tick();
    Swap<String> web1 = of(Swap.class).stream().filter(w -> w.vm().equals("web1")).findFirst().orElseThrow();
    answer(web1, new Written.Changed());
    assertEquals(new Fence<>("web1", "its lease on ds1 was taken by another host"), only(Fence.class));
    feed(new LeaseInput.Enforce<>(at(), Enforcement.ON));
    tickFailing(failed);
    assertEquals("db1", only(Fence.class).vm(), "restored: the unrenewed lease fences at once");
  }

  @Test
  void aLeaseTakenByAnotherHostFencesTheVmAndIsLeftAlone() {
    running("db1");
    tickFailing(new Written.Changed());
    assertEquals(new Fence<>("db1", "its lease on ds1 was taken by another host"), only(Fence.class));
    feed(new LeaseInput.Running<>(at(), Set.of("db1"))); // its power-off has not completed yet
    tick();
    assertEquals(List.of(), of(Swap.class), "the new holder's lease is not renewed here");
    assertEquals(List.of(), of(Read.class), "a fenced VM is never adopted again");
    feed(new LeaseInput.Running<>(at(), Set.of()));
    assertEquals(List.of(), of(Release.class), "nothing held to release");
  }

  @Test
  void aCorruptLeaseIsRepairedByItsHolderWithinItsDeadlineAndNotAfter() {
    running("db1");
    tickFailing(new Written.Failed("bad crc", true));
    Repair<String> repair = only(Repair.class);
    assertTrue(only(Warn.class).message().contains("is corrupt; this host holds it and rewrites it: bad crc"));
    feed(new LeaseInput.Repaired<>(at(), repair, new Written.Done()));
    tick();
    assertEquals(Optional.of(repair.next()), only(Swap.class).expected(), "the repaired lease counts as renewed");
    assertEquals(new ReportRenewal<>(true, I, Enforcement.ON), only(ReportRenewal.class));

    state = LeaseState.initial();
    running("db2");
    for (int t = 0; t < 10; t++) tickFailing(new Written.Failed("unreachable", false));
    assertEquals(1, of(Fence.class).size());
    tickFailing(new Written.Failed("bad crc", true));
    assertEquals(List.of(), of(Repair.class), "past its fence deadline the holder does not know who holds it");
  }

  @Test
  void aRestartedAgentAdoptsItsOwnLeasesAndFencesForeignOnes() {
    feed(new LeaseInput.Running<>(at(), Set.of("mine", "foreign", "unleased")));
    assertEquals(List.of(), effects);
    tick();
    List<Read<String>> reads = of(Read.class);
    assertEquals(List.of("foreign", "mine", "unleased"), reads.stream().map(Read::vm).toList(), "name order");
    assertEquals(new ReportRenewal<>(false, I, Enforcement.ON), only(ReportRenewal.class), "adopting: not settled");
    VmLease mine = VmLease.first("mine", "host1", T0.minusSeconds(60));
    feed(new LeaseInput.Found<>(at(), read(reads, "foreign"), Optional.of(VmLease.first("foreign", "host2", T0)),
        Optional.empty()));
    assertEquals(new Fence<>("foreign", "it runs here but its lease on ds1 is held by host2"), only(Fence.class));
    feed(new LeaseInput.Found<>(at(), read(reads, "mine"), Optional.of(mine), Optional.empty()));
    Swap<String> adopt = only(Swap.class);
    assertEquals(Optional.of(mine), adopt.expected(), "exactly the state read is replaced");
    assertEquals(mine.renewed(at()), adopt.next());
    feed(new LeaseInput.Found<>(at(), read(reads, "unleased"), Optional.empty(), Optional.empty()));
    Swap<String> first = only(Swap.class);
    assertEquals(VmLease.first("unleased", "host1", at()), first.next());
    answer(adopt, new Written.Done());
    answer(first, new Written.Done());
    tick();
    assertEquals(new ReportRenewal<>(true, I, Enforcement.ON), only(ReportRenewal.class), "adopted");
    assertEquals(2, of(Swap.class).size());
  }

  /**
   * A migrated VM's lease is released at once and the release answered after it (the target takes the lease only
   * then); asked while a renewal is in flight, it waits for that renewal and gives back what it wrote.
   */
  @Test
  void aMigratedVmsLeaseIsReleasedAndAnsweredOnlyOnceNoLeaseIoIsInFlight() {
    VmLease taken = running("db1");
    assertEquals(List.of(new LeaseEffect.ReleaseAnswered<>("db1", Optional.of(taken), "source")),
        feed(new LeaseInput.Release<>(at(), "db1", "source")));
    tick();
    assertEquals(List.of(), of(Swap.class), "no longer renewed here");

    VmLease db2 = running("db2");
    tick();
    Swap<String> renewal = only(Swap.class);
    assertEquals(List.of(), feed(new LeaseInput.Release<>(at(), "db2", "source")), "waits for the renewal");
    answer(renewal, new Written.Done());
    assertEquals(List.of(new LeaseEffect.ReleaseAnswered<>("db2", Optional.of(renewal.next()), "source")), effects,
        "what the renewal wrote is given back, then answered");
    assertTrue(!renewal.next().equals(db2));

    running("db3");
    tick();
    Swap<String> failing = only(Swap.class);
    feed(new LeaseInput.Release<>(at(), "db3", "source"));
    answer(failing, new Written.Failed("unreachable", false));
    assertEquals(List.of(new LeaseEffect.ReleaseAnswered<>("db3", Optional.of(failing.expected().orElseThrow()),
        "source")), effects, "a renewal that failed: the lease held when the release was asked is given back");

    config = new LeaseConfig("host1", Optional.empty(), TIMING);
    assertEquals(List.of(new LeaseEffect.ReleaseAnswered<>("db4", Optional.empty(), "source")),
        feed(new LeaseInput.Release<>(at(), "db4", "source")), "no datastores: no lease, answered at once");
  }

  @SuppressWarnings("unchecked")
  private static Read<String> read(List<Read<String>> reads, String vm) {
    return reads.stream().filter(r -> r.vm().equals(vm)).findFirst().orElseThrow();
  }

  @Test
  void aTakeIsRefusedWhileTheLeaseIsInFlightOrWasChangedSinceTheMasterJudgedIt() {
    VmLease other = VmLease.first("db1", "host2", T0);
    feed(new LeaseInput.Take<>(at(), "db1", Optional.of(other), "first"));
    Swap<String> w = only(Swap.class);
    assertEquals(other.takenBy("host1", at()), w.next(), "the expired lease the master saw is replaced");
    feed(new LeaseInput.Take<>(at(), "db1", Optional.empty(), "second"));
    assertEquals(new Reply<>("second", "db1", false, "the lease of db1 is being checked here; try again"),
        only(Reply.class));
    answer(w, new Written.Changed());
    assertEquals(new Reply<>("first", "db1", false,
        "its lease on ds1 changed since the master judged it: another host holds it"), only(Reply.class));
    assertFalse(state.held().containsKey("db1"));
    feed(new LeaseInput.Take<>(at(), "db1", Optional.empty(), "third"));
    answer(only(Swap.class), new Written.Failed("disk gone", false));
    assertEquals("its lease on ds1 cannot be taken: disk gone", only(Reply.class).reason());
  }

  @Test
  void withoutDatastoresEveryTakeIsGrantedAndNothingIsWritten() {
    config = new LeaseConfig("host1", Optional.empty(), TIMING);
    feed(new LeaseInput.Take<>(at(), "db1", Optional.empty(), "probe"));
    assertEquals(List.of(new Reply<>("probe", "db1", true, "no datastores: the majority rule decides")), effects);
    feed(new LeaseInput.Running<>(at(), Set.of("db1")));
    tick();
    assertEquals(List.of(new ReportRenewal<>(true, Duration.ZERO, Enforcement.ON)), effects);
  }
}
