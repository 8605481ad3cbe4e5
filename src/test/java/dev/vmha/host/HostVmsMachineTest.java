package dev.vmha.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVmsEffect.Emit;
import dev.vmha.host.HostVmsEffect.ForceOff;
import dev.vmha.host.HostVmsEffect.LeasesRunning;
import dev.vmha.host.HostVmsEffect.ListVms;
import dev.vmha.host.HostVmsEffect.PollNow;
import dev.vmha.host.HostVmsEffect.PowerOffVm;
import dev.vmha.host.HostVmsEffect.PowerOnVm;
import dev.vmha.host.HostVmsEffect.Reply;
import dev.vmha.host.HostVmsEffect.Report;
import dev.vmha.host.HostVmsEffect.TakeLease;
import dev.vmha.host.HostVmsEffect.Warn;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The host's VM keeper as input scripts on the pure {@link HostVmsMachine}: each power-on awaits its lease, a VM is
 * reported stopped (and its lease released) only once a poll shows it off, a forced power-off is retried at every
 * poll while the VM runs. The actor wiring with a real lease keeper is {@link HostVmsTest}'s.
 */
class HostVmsMachineTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final VmSpec DB1 = new VmSpec("db1", 512, 1);

  private HostVmsState state = HostVmsState.initial();
  private List<HostVmsEffect<String>> effects = List.of();

  private List<HostVmsEffect<String>> feed(HostVmsInput<String> in) {
    HostVmsMachine.Step<String> step = HostVmsMachine.step(state, in, "host1");
    state = step.state();
    effects = step.effects();
    return effects;
  }

  /** A poll issued and answered with these VMs on. */
  private List<HostVmsEffect<String>> poll(VmSpec... on) {
    feed(new HostVmsInput.PollDue<>(T0));
    ListVms<String> list = only(ListVms.class);
    return feed(new HostVmsInput.Polled<>(T0, list.seq(), List.of(on)));
  }

  /** A class literal cannot name the effect's type arguments: the caller's type says them (one unchecked cast). */
  @SuppressWarnings("unchecked")
  private <E> E only(Class<? super E> type) {
    List<E> found = effects.stream().filter(type::isInstance).map(e -> (E) e).toList();
    assertEquals(1, found.size(), type.getSimpleName() + " in " + effects);
    return found.get(0);
  }

  private HostVmsInput.PowerOn<String> powerOn(String replyTo) {
    return new HostVmsInput.PowerOn<>(T0, DB1, Optional.empty(), replyTo);
  }

  @Test
  void aPowerOnAwaitsItsLeaseAndTheVmStaysStartingUntilAPollIssuedAfterItsPowerOnShowsIt() {
    HostVmsInput.PowerOn<String> r = powerOn("master");
    assertEquals(List.of(new TakeLease<>(r)), feed(r));
    feed(new HostVmsInput.PollDue<>(T0)); // a poll issued before the power-on finishes
    long early = only(ListVms.class).seq();
    assertEquals(List.of(new PowerOnVm<>(r)), feed(new HostVmsInput.LeaseTaken<>(T0, r, true, "lease taken on ds1")));
    assertEquals(List.of(new Reply<>("master", "db1", true, Optional.empty()), new PollNow<>()),
        feed(new HostVmsInput.PoweredOn<>(T0, r, Optional.empty())));
    feed(new HostVmsInput.Polled<>(T0, early, List.of()));
    assertEquals(new LeasesRunning<>(Set.of("db1")), only(LeasesRunning.class), "its lease is kept");
    assertEquals(new Report<>(List.of(), false, List.of(), List.of("db1"), early), only(Report.class));
    poll(DB1);
    assertEquals(new Report<>(List.of(DB1), false, List.of(), List.of(), state.polls()), only(Report.class));
  }

  @Test
  void aPowerOnIsRefusedWhileFencedOrWithoutItsLease() {
    feed(new HostVmsInput.Fencing<>(T0, "no datastore"));
    assertEquals(List.of(new Reply<>("a", "db1", false, Optional.of("host1 is fenced: no datastore"))),
        feed(powerOn("a")));
    feed(new HostVmsInput.Unfence<>(T0));
    HostVmsInput.PowerOn<String> first = powerOn("b");
    feed(first);
    feed(powerOn("c"));
    assertEquals(List.of(), effects.stream().filter(e -> !(e instanceof Warn)).toList(), "not answered while starting");
    assertEquals(List.of(new Reply<>("b", "db1", false, Optional.of("another host holds it"))),
        feed(new HostVmsInput.LeaseTaken<>(T0, first, false, "another host holds it")));
    HostVmsInput.PowerOn<String> again = powerOn("d");
    assertEquals(List.of(new TakeLease<>(again)), feed(again), "no longer starting");
    assertEquals(List.of(new Reply<>("d", "db1", false, Optional.of("its lease could not be taken: timeout"))),
        feed(new HostVmsInput.LeaseUnanswered<>(T0, again, "timeout")));
  }

  /**
   * Simulation seeds 164 and 421 without datastores: a copy of the master's power-on reached the host while the first
   * was starting the VM; its refusal sent the restarter to the next host, which started a second copy. A second
   * request is not answered (the first start answers its own asker) until a poll shows the VM: no refusal at all.
   */
  @Test
  void aSecondPowerOnWhileTheVmIsBeingStartedHereIsNeverRefused() {
    HostVmsInput.PowerOn<String> first = powerOn("master");
    assertEquals(List.of(new TakeLease<>(first)), feed(first));
    assertEquals(List.of(Warn.class), feed(powerOn("master")).stream().map(Object::getClass).toList(), "while the "
        + "lease is taken");
    feed(new HostVmsInput.LeaseTaken<>(T0, first, true, "no datastore"));
    assertEquals(List.of(new Reply<>("master", "db1", true, Optional.empty()), new PollNow<>()),
        feed(new HostVmsInput.PoweredOn<>(T0, first, Optional.empty())));
    assertEquals(List.of(Warn.class), feed(powerOn("master")).stream().map(Object::getClass).toList(), "powered on, "
        + "before a poll shows it");
  }

  /**
   * Simulation seed 3858 without datastores: host3's agent froze 27 s while cut off (its watchdog fired), was judged
   * dead meanwhile, and at its thaw carried out a power-on of vm6 its master had sent 22 s before; the master, whose
   * power-on went unanswered, restarted vm6 elsewhere. After a stall past {@code staleAfter} the power-ons queued
   * behind it (and a lease answer for one taken before it) are refused until a poll issued after the thaw answers;
   * a shorter stall is only late news.
   */
  @Test
  void afterAStallPastTheBoundThePowerOnsQueuedBehindItAreRefusedUntilAPollIssuedAfterTheThawAnswers() {
    Duration bound = Duration.ofSeconds(9);
    HostVmsInput.PowerOn<String> before = powerOn("master");
    feed(before); // its lease taken before the stall, answered behind it
    feed(new HostVmsInput.PollDue<>(T0)); // a poll issued before the stall, answered behind it
    long old = only(ListVms.class).seq();
    HostVmsState late = state;
    feed(new HostVmsInput.Stalled<>(T0, Duration.ofSeconds(8), bound));
    assertEquals(late, state, "a stall shorter than the bound is only late news");
    feed(new HostVmsInput.Stalled<>(T0, Duration.ofSeconds(27), bound));
    String why = "host1's agent stalled for 27000 ms: a power-on queued behind the stall is stale (its master may"
        + " have started the VM elsewhere meanwhile)";
    VmSpec web = new VmSpec("web1", 256, 1);
    HostVmsInput.PowerOn<String> queued = new HostVmsInput.PowerOn<>(T0, web, Optional.empty(), "master");
    assertEquals(List.of(new Warn<>("a power-on of web1 is refused: " + why),
        new Reply<>("master", "web1", false, Optional.of(why))), feed(queued));
    assertEquals(List.of(new Reply<>("master", "db1", false, Optional.of(why))),
        feed(new HostVmsInput.LeaseTaken<>(T0, before, true, "no datastore")), "nothing started: no PowerOnVm");
    feed(new HostVmsInput.Polled<>(T0, old, List.of()));
    assertEquals(Optional.of(new Reply<>("master", "web1", false, Optional.of(why))), feed(queued).stream()
        .filter(Reply.class::isInstance).findFirst(), "a poll issued before the thaw ends nothing");
    feed(new HostVmsInput.PollDue<>(T0));
    feed(new HostVmsInput.Polled<>(T0, only(ListVms.class).seq(), List.of()));
    assertEquals(List.of(new TakeLease<>(queued)), feed(queued), "after a poll issued after the thaw");
  }

  /**
   * Simulation seeds 6, 16, 149 and more without datastores (once the simulated hypervisor refused a VM already on, as
   * the real ones do): a copy of the power-on came after a poll showed the VM on; the hypervisor's "already on" refusal
   * sent the restarter to the next host. A VM a poll shows on here is answered started at once.
   */
  @Test
  void aPowerOnOfAVmThatRunsHereIsAnsweredStarted() {
    poll(DB1);
    assertEquals(List.of(new Reply<>("master", "db1", true, Optional.empty())), feed(powerOn("master")));
    feed(new HostVmsInput.PowerOff<>(T0, "db1", "operator"));
    assertEquals(List.of(new TakeLease<>(powerOn("master"))), feed(powerOn("master")), "an operator powers it off");
  }

  @Test
  void aVmWhoseLeaseIsLostIsPoweredOffRetriedAtEveryPollAndReportedStoppedOnlyOnceOff() {
    poll(DB1);
    feed(new HostVmsInput.LeaseLost<>(T0, "db1", "taken by another host"));
    assertEquals(List.of(new Emit<>(new HaEvent.VmLeaseFenced(T0, "host1", "db1", "taken by another host")),
        new ForceOff<>("db1")), effects);
    assertEquals(List.of(), feed(new HostVmsInput.LeaseLost<>(T0, "db1", "again")), "fenced once");
    assertEquals(List.of(new Warn<>("db1 is not powered off at host1: hangs; tried again at the next poll while it"
        + " runs")), feed(new HostVmsInput.ForcedOff<>(T0, "db1", Optional.of("hangs"))), "no poll at once");
    poll(DB1);
    only(ForceOff.class);
    assertEquals(new LeasesRunning<>(Set.of("db1")), only(LeasesRunning.class), "its lease is held while it runs");
    assertEquals(new Report<>(List.of(DB1), false, List.of(), List.of(), state.polls()), only(Report.class));
    feed(new HostVmsInput.PollDue<>(T0));
    feed(new HostVmsInput.Polled<>(T0, state.polls(), List.of(DB1)));
    assertEquals(List.of(), effects.stream().filter(ForceOff.class::isInstance).toList(), "one in flight");
    assertEquals(List.of(new PollNow<>()), feed(new HostVmsInput.ForcedOff<>(T0, "db1", Optional.empty())));
    poll();
    assertEquals(new LeasesRunning<>(Set.of()), only(LeasesRunning.class));
    assertEquals(new Report<>(List.of(), false, List.of(new StoppedVm(DB1,
        "fenced by its lease: taken by another host")), List.of(), state.polls()), only(Report.class));
  }

  @Test
  void aVmThatStopsByItselfIsReportedStoppedAndOneAnOperatorPoweredOffIsNot() {
    poll(DB1);
    poll();
    assertEquals(new Emit<>(new HaEvent.VmStoppedInGuest(T0, "host1", "db1")), only(Emit.class));
    assertEquals(List.of(new StoppedVm(DB1, "it stopped from inside its guest (shutdown or crash)")),
        only(Report.class).stopped());
    HostVmsInput.PowerOn<String> r = powerOn("master");
    feed(r);
    feed(new HostVmsInput.LeaseTaken<>(T0, r, true, "ok"));
    feed(new HostVmsInput.PoweredOn<>(T0, r, Optional.empty()));
    poll(DB1);
    assertEquals(List.of(), only(Report.class).stopped(), "on again: no longer stopped");
    HostVmsInput.PowerOff<String> off = new HostVmsInput.PowerOff<>(T0, "db1", "operator");
    assertEquals(List.of(new PowerOffVm<>(off)), feed(off));
    assertEquals(List.of(new Reply<>("operator", "db1", true, Optional.empty()), new PollNow<>()),
        feed(new HostVmsInput.PoweredOff<>(T0, off, Optional.empty())));
    poll();
    assertEquals(new Report<>(List.of(), false, List.of(), List.of(), state.polls()), only(Report.class));
  }

  @Test
  void aVmStartedJustAsTheHostFencedItselfIsPoweredOffAndItsStartRefused() {
    HostVmsInput.PowerOn<String> r = powerOn("master");
    feed(r);
    feed(new HostVmsInput.LeaseTaken<>(T0, r, true, "ok"));
    feed(new HostVmsInput.Fencing<>(T0, "no datastore"));
    assertEquals(List.of(new ForceOff<>("db1"), new Reply<>("master", "db1", false,
        Optional.of("host1 fenced itself while starting it: no datastore")), new PollNow<>()),
        feed(new HostVmsInput.PoweredOn<>(T0, r, Optional.empty())));
    poll(DB1);
    assertEquals(new Report<>(List.of(DB1), true, List.of(), List.of(), state.polls()), only(Report.class));
    poll(DB1);
    assertEquals(List.of(), effects.stream().filter(ForceOff.class::isInstance).toList(), "its power-off in flight");
    feed(new HostVmsInput.ForcedOff<>(T0, "db1", Optional.empty()));
    poll();
    assertEquals(new LeasesRunning<>(Set.of()), only(LeasesRunning.class), "its lease released once it is off");
  }

  /**
   * A migration out: refused for a VM not on here; else its writer stops, then its lease is released (awaited), and
   * only then is the image handed over; a poll issued before the migration that still lists it is not believed, and
   * it is never reported stopped. A migration in is a power-on from the image, after its lease is taken.
   */
  @Test
  void aMigratedVmIsHandedOverOnlyAfterItsWriterStoppedAndItsLeaseIsReleasedAndIsNeverReportedStopped() {
    HostVmsInput.MigrateOut<String> notHere = new HostVmsInput.MigrateOut<>(T0, "db1", "master");
    assertEquals(List.of(new HostVmsEffect.MigratedOut<>("master", "db1", Optional.empty(), false,
        "db1 is not on at host1")), feed(notHere));
    poll(DB1);
    HostVmsInput.MigrateOut<String> out = new HostVmsInput.MigrateOut<>(T0, "db1", "master");
    assertEquals(List.of(new HostVmsEffect.StopWriter<>(out)), feed(out));
    feed(new HostVmsInput.PollDue<>(T0)); // issued before the writer stopped: may still list db1
    long early = only(ListVms.class).seq();
    MigrationImage image = new MigrationImage(DB1, "seq=7");
    assertEquals(List.of(new HostVmsEffect.ReleaseLease<>(out, image)),
        feed(new HostVmsInput.WriterStopped<>(T0, out, Optional.of(image), Optional.empty())), "no answer yet");
    feed(new HostVmsInput.Polled<>(T0, early, List.of(DB1)));
    assertEquals(new LeasesRunning<>(Set.of()), only(LeasesRunning.class), "its lease is not kept by a late poll");
    assertEquals(new Report<>(List.of(), false, List.of(), List.of(), early), only(Report.class));
    assertEquals(List.of(new HostVmsEffect.MigratedOut<>("master", "db1", Optional.of(image), true, ""),
        new PollNow<>()), feed(new HostVmsInput.LeaseReleased<>(T0, out, image, Optional.empty())));
    poll();
    assertEquals(new Report<>(List.of(), false, List.of(), List.of(), state.polls()), only(Report.class), "not reported stopped");

    HostVmsInput.PowerOn<String> in = new HostVmsInput.PowerOn<>(T0, DB1, Optional.empty(), Optional.of(image),
        "master");
    assertEquals(List.of(new TakeLease<>(in)), feed(in), "migrated back in: its lease first");
    assertEquals(List.of(new PowerOnVm<>(in)), feed(new HostVmsInput.LeaseTaken<>(T0, in, true, "ok")));
  }

  @Test
  void aMigrationWhoseWriterDoesNotStopOrWhoseLeaseIsNotReleasedHandsNothingOver() {
    poll(DB1);
    HostVmsInput.MigrateOut<String> out = new HostVmsInput.MigrateOut<>(T0, "db1", "master");
    feed(out);
    assertEquals(List.of(new HostVmsEffect.MigratedOut<>("master", "db1", Optional.empty(), false,
        "its writer did not stop: hangs")),
        feed(new HostVmsInput.WriterStopped<>(T0, out, Optional.empty(), Optional.of("hangs"))));
    poll();
    assertEquals(1, only(Report.class).stopped().size(), "it runs on here: a later stop is a failure again");

    poll(DB1);
    feed(out);
    MigrationImage image = new MigrationImage(DB1, "seq=1");
    feed(new HostVmsInput.WriterStopped<>(T0, out, Optional.of(image), Optional.empty()));
    assertEquals(new HostVmsEffect.MigratedOut<>("master", "db1", Optional.empty(), true,
        "its writer stopped, but its lease was not released: timeout"),
        feed(new HostVmsInput.LeaseReleased<>(T0, out, image, Optional.of("timeout"))).get(0));
  }
}
