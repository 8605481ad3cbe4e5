package dev.vmha.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.WatchdogSettings;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.history.HaEvent;
import dev.vmha.isolation.Enforcement;
import dev.vmha.lease.VmLeases;
import dev.vmha.testing.VirtualTime;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watchdog actor under virtual time, over a driver that records its calls and answers as a test says. */
class WatchdogTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final Duration W = Duration.ofSeconds(5);
  /** The defaults: T 10 s, interval 1 s, watchdog 5 s: pets only while every lease was renewed within 4 s. */
  private static final TimingRules.Lease TIMING = new TimingRules.Lease(Duration.ofSeconds(10), I, Duration.ofSeconds(2),
      Duration.ofSeconds(2), 0.01, W);

  private ActorTestKit kit;
  private ManualTime time;
  private Clock clock;
  private final Driver driver = new Driver();
  private final List<HaEvent> events = new CopyOnWriteArrayList<>();
  private final List<WatchdogFlag> published = new CopyOnWriteArrayList<>();
  /** How the datastore heartbeat answers a "disarmed" publication. */
  private CompletableFuture<Boolean> disarmedWritten = CompletableFuture.completedFuture(true);

  /** Records every call; answers with the next queued failure or firing, else success. */
  static final class Driver implements WatchdogDriver {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<RuntimeException> failures = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Firing> firings = new ConcurrentLinkedQueue<>();

    @Override
    public WatchdogSettings.Type type() {
      return WatchdogSettings.Type.PROCESS;
    }

    private CompletionStage<Optional<Firing>> answer(String call) {
      calls.add(call);
      RuntimeException f = failures.poll();
      return f != null ? CompletableFuture.failedFuture(f)
          : CompletableFuture.completedFuture(Optional.ofNullable(firings.poll()));
    }

    @Override
    public CompletionStage<Optional<Firing>> arm() {
      return answer("arm");
    }

    @Override
    public CompletionStage<Optional<Firing>> pet() {
      return answer("pet");
    }

    @Override
    public CompletionStage<Void> disarm() {
      calls.add("disarm");
      return CompletableFuture.completedFuture(null);
    }
  }

  @BeforeEach
  void setUp() {
    kit = ActorTestKit.create("WatchdogTest", VirtualTime.config());
    time = ManualTime.get(kit.system());
    clock = new VirtualTime.VirtualClock((ExplicitlyTriggeredScheduler) Adapter.toClassic(kit.system()).scheduler());
  }

  @AfterEach
  void tearDown() {
    kit.shutdownTestKit();
  }

  private ActorRef<Watchdog.Command> watchdog(WatchdogDriver d) {
    return kit.spawn(Watchdog.create("host1", d, W, TIMING, flag -> {
      published.add(flag);
      return flag == WatchdogFlag.ARMED ? CompletableFuture.completedFuture(true) : disarmedWritten;
    }, events::add, clock));
  }

  private Watchdog.Status status(ActorRef<Watchdog.Command> w) {
    TestProbe<Watchdog.Status> p = kit.createTestProbe();
    w.tell(new Watchdog.GetStatus(p.ref()));
    return p.receiveMessage();
  }

  /**
   * One lease round an interval after the last. The driver's answer comes back to the actor after the first status
   * request was queued: the second status is answered after it.
   */
  private void round(ActorRef<Watchdog.Command> w, boolean settled, Duration unrenewed) {
    round(w, settled, unrenewed, Enforcement.ON);
  }

  private void round(ActorRef<Watchdog.Command> w, boolean settled, Duration unrenewed, Enforcement enforcement) {
    time.timePasses(I);
    w.tell(new Watchdog.LeasesRenewed(new VmLeases.Renewal(settled, unrenewed, enforcement)));
    status(w);
    status(w);
  }

  private <T extends HaEvent> List<T> ofType(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void armsOnlyOnceTheFirstLeaseRoundIsOverThenPetsEveryRound() {
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, false, Duration.ZERO);
    round(w, false, Duration.ZERO);
    assertEquals(List.of(), driver.calls, "not armed while the leases found at start are being adopted");
    assertEquals(Watchdog.Phase.WAITING, status(w).phase());
    round(w, true, I);
    assertEquals(List.of("arm"), driver.calls);
    assertEquals(Watchdog.Phase.ARMED, status(w).phase());
    assertEquals(W, only(HaEvent.WatchdogArmed.class).timeout());
    assertEquals(List.of(WatchdogFlag.ARMED), published, "the power-on file says armed");
    round(w, true, I);
    round(w, true, I);
    assertEquals(List.of("arm", "pet", "pet"), driver.calls);
    assertEquals(List.of(), ofType(HaEvent.WatchdogNearMiss.class));
  }

  /** Like wdmd: leases unrenewed up to the pet deadline withhold the pets, so the watchdog fires at the fence. */
  @Test
  void leasesUnrenewedForThePetDeadlineStopThePetsAndARenewalResumesThem() {
    assertEquals(Duration.ofSeconds(4), TIMING.petDeadline());
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, true, I);
    round(w, true, Duration.ofSeconds(3));
    assertEquals(List.of("arm", "pet"), driver.calls);
    round(w, true, Duration.ofMillis(4001));
    round(w, true, Duration.ofSeconds(5));
    assertEquals(List.of("arm", "pet"), driver.calls, "no pet once a lease is more than 4 s unrenewed");
    round(w, true, I);
    assertEquals(List.of("arm", "pet", "pet"), driver.calls);
    HaEvent.WatchdogNearMiss miss = only(HaEvent.WatchdogNearMiss.class);
    assertEquals(Duration.ofSeconds(3), miss.gap(), "3 s without a pet: more than half the 5 s timeout");
  }

  /** Issue 22: while an operator suspended HA's enforcement on this host, stalled leases do not stop the pets. */
  @Test
  void whileEnforcementIsSuspendedStalledLeasesStillLetItBePetted() {
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, true, I);
    round(w, true, Duration.ofSeconds(30), Enforcement.SUSPENDED);
    assertEquals(List.of("arm", "pet"), driver.calls);
    round(w, true, Duration.ofSeconds(31), Enforcement.ON);
    assertEquals(List.of("arm", "pet"), driver.calls, "restored: withheld again");
  }

  @Test
  void aPetThatFailsIsAnEventAndAWarningAndArmingIsTriedAgainEveryRound() {
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, true, I);
    driver.failures.add(new IllegalStateException("no watchdog process runs for this host"));
    round(w, true, I);
    Watchdog.Status s = status(w);
    assertEquals(Watchdog.Phase.FAILED, s.phase());
    assertTrue(s.detail().contains("no watchdog process runs"), s.detail());
    assertTrue(only(HaEvent.WatchdogFailed.class).reason().contains("cannot pet"));
    assertEquals(List.of(WatchdogFlag.ARMED, WatchdogFlag.NOT_ARMED), published,
        "the power-on file no longer says armed");
    round(w, true, I);
    assertEquals(List.of("arm", "pet", "arm"), driver.calls);
    assertEquals(Watchdog.Phase.ARMED, status(w).phase());
    assertEquals(2, ofType(HaEvent.WatchdogArmed.class).size());
  }

  /** On a loaded host a pet may take longer than its bound and still land: a missed pet, not a failed watchdog. */
  @Test
  void aPetNotConfirmedWithinItsBoundIsNoFailure() {
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, true, I);
    driver.failures.add(new RuntimeException(new java.util.concurrent.TimeoutException()));
    round(w, true, I);
    assertEquals(Watchdog.Phase.ARMED, status(w).phase());
    assertEquals(List.of(), ofType(HaEvent.WatchdogFailed.class));
    assertEquals(List.of(WatchdogFlag.ARMED), published);
    round(w, true, I);
    assertEquals(List.of("arm", "pet", "pet"), driver.calls);
  }

  @Test
  void aFiringTheWatchdogRecordedIsReportedWithTheVmsItStopped() {
    ActorRef<Watchdog.Command> w = watchdog(driver);
    Firing f = new Firing(Instant.parse("2026-12-01T10:00:00Z"), List.of("db1", "web1"), "not petted for 5000 ms");
    driver.firings.add(f);
    round(w, true, I);
    HaEvent.WatchdogFired fired = only(HaEvent.WatchdogFired.class);
    assertEquals(f.at(), fired.at());
    assertEquals(List.of("db1", "web1"), fired.stopped());
    assertEquals(Watchdog.Phase.ARMED, status(w).phase());
  }

  @Test
  void aCleanStopDisarmsOnlyOnceThePowerOnFilesSayDisarmed() {
    disarmedWritten = new CompletableFuture<>();
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, true, I);
    TestProbe<Watchdog.Status> stopped = kit.createTestProbe();
    w.tell(new Watchdog.Stop(stopped.ref()));
    round(w, true, I);
    assertEquals(List.of("arm", "pet"), driver.calls, "still petted while \"disarmed\" is being written");
    assertEquals(List.of(WatchdogFlag.ARMED, WatchdogFlag.AGENT_STOPPED), published,
        "the power-on files say the agent stopped: its VMs run on and nothing stops them");
    stopped.expectNoMessage(Duration.ofMillis(50));
    disarmedWritten.complete(true);
    Watchdog.Status s = stopped.receiveMessage();
    assertEquals(Watchdog.Phase.DISARMED, s.phase());
    assertEquals(List.of("arm", "pet", "disarm"), driver.calls);
    assertTrue(only(HaEvent.WatchdogDisarmed.class).reason().contains("stops cleanly"));
    round(w, true, I);
    assertEquals(List.of("arm", "pet", "disarm"), driver.calls, "never petted again");
  }

  /** Disarming while the master may still believe it armed would let it start VMs that still run: left armed. */
  @Test
  void aCleanStopWhoseDisarmedCannotBeWrittenLeavesTheWatchdogArmed() {
    disarmedWritten = CompletableFuture.completedFuture(false);
    ActorRef<Watchdog.Command> w = watchdog(driver);
    round(w, true, I);
    TestProbe<Watchdog.Status> stopped = kit.createTestProbe();
    w.tell(new Watchdog.Stop(stopped.ref()));
    assertEquals(Watchdog.Phase.LEFT_ARMED, stopped.receiveMessage().phase());
    round(w, true, I);
    assertEquals(List.of("arm"), driver.calls, "not disarmed, not petted: it fires");
    assertEquals(List.of(), ofType(HaEvent.WatchdogDisarmed.class));
  }

  @Test
  void withoutAWatchdogStatusWarnsThatVmsMayRunTwice() {
    ActorRef<Watchdog.Command> w = watchdog(WatchdogDriver.NONE);
    round(w, true, I);
    Watchdog.Status s = status(w);
    assertEquals(Watchdog.Phase.NONE, s.phase());
    assertTrue(s.detail().contains("may then run twice"), s.detail());
    assertEquals(List.of(), events);
  }

  private <T extends HaEvent> T only(Class<T> type) {
    List<T> l = ofType(type);
    assertEquals(1, l.size(), l.toString());
    return l.get(0);
  }
}
