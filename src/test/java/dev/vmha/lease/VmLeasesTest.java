package dev.vmha.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.sim.FaultyDatastore;
import dev.vmha.testing.VirtualTime;
import dev.vmha.timing.TimingRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease keeper of one host under virtual time, on a real directory datastore whose access a test can cut. */
class VmLeasesTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final TimingRules.Lease TIMING = new TimingRules.Lease(Duration.ofSeconds(10), I, Duration.ofSeconds(2),
      Duration.ofSeconds(2), 0.01);

  /** How long a round may take in real time: generous on a loaded machine (virtual time stands still meanwhile). */
  private static final Duration ROUND = Duration.ofMillis(Math.round(15_000
      * Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"))));

  @TempDir Path tmp;
  private ActorTestKit kit;
  private ManualTime time;
  private DirectoryDatastore real;
  private final AtomicBoolean cut = new AtomicBoolean();
  private final AtomicReference<VmLeases.Renewal> renewals = new AtomicReference<>();
  /** The rounds the keeper reported and no step has taken yet: a step of virtual time is over with its round's. */
  private final BlockingQueue<VmLeases.Renewal> rounds = new LinkedBlockingQueue<>();
  private TestProbe<String> fenced;
  private final java.util.List<HaEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Clock clock;

  @BeforeEach
  void setUp() throws Exception {
    kit = ActorTestKit.create("VmLeasesTest", VirtualTime.config());
    time = ManualTime.get(kit.system());
    clock = new VirtualTime.VirtualClock((org.apache.pekko.testkit.ExplicitlyTriggeredScheduler)
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(kit.system()).scheduler());
    real = new DirectoryDatastore(Files.createDirectory(tmp.resolve("ds1")), Runnable::run);
    fenced = kit.createTestProbe();
  }

  @AfterEach
  void tearDown() {
    kit.shutdownTestKit();
  }

  private ActorRef<VmLeases.Command> leases() {
    FaultyDatastore ds = new FaultyDatastore(real, cut::get);
    ActorRef<VmLeases.Command> l = kit.spawn(VmLeases.create("host1", Optional.of(ds), TIMING,
        (vm, why) -> fenced.ref().tell(vm + ": " + why), r -> {
          renewals.set(r);
          rounds.add(r);
        }, events::add, clock));
    // set up, its renewal timer started, before time moves: a release of a VM it never held is answered at once
    TestProbe<VmLeases.Released> started = kit.createTestProbe();
    l.tell(new VmLeases.Release("never-held", started.ref()));
    started.receiveMessage();
    return l;
  }

  private VmLeases.Taken take(ActorRef<VmLeases.Command> l, String vm, Optional<VmLease> grant) {
    TestProbe<VmLeases.Taken> reply = kit.createTestProbe();
    l.tell(new VmLeases.Take(vm, grant, reply.ref()));
    return reply.receiveMessage();
  }

  private Optional<VmLease> lease(String vm) {
    return real.readLease(vm).toCompletableFuture().join();
  }

  /** The keeper works asynchronously: wait until its renewals reached the file. */
  private void renewedBeyond(String vm, long counter) {
    fenced.awaitAssert(() -> {
      assertTrue(lease(vm).orElseThrow().counter() >= counter, "renewed: " + lease(vm));
      return null;
    });
  }

  /**
   * Each interval's round has run before the next (its lease I/O is synchronous: the files are written by then);
   * what was told to the keeper before a step is handled before its round.
   */
  private void ticks(int n) {
    for (int i = 0; i < n; i++) {
      time.timePasses(I);
      try {
        assertNotNull(rounds.poll(ROUND.toMillis(), TimeUnit.MILLISECONDS), "no round within " + ROUND);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void aTakenLeaseIsRenewedEveryIntervalAndReleasedWhenTheVmIsOff() {
    ActorRef<VmLeases.Command> l = leases();
    assertTrue(take(l, "db1", Optional.empty()).ok());
    assertEquals("host1", lease("db1").orElseThrow().owner());
    l.tell(new VmLeases.Running(Set.of("db1")));
    long before = lease("db1").orElseThrow().counter();
    ticks(3);
    renewedBeyond("db1", before + 2);
    fenced.expectNoMessage(Duration.ofMillis(50));
    l.tell(new VmLeases.Running(Set.of()));
    ticks(1);
    assertEquals(Optional.empty(), lease("db1"), "a VM that is off gives its lease back at once");
  }

  private java.util.List<HaEvent.LeaseRenewalLate> late() {
    return events.stream().filter(e -> e instanceof HaEvent.LeaseRenewalLate)
        .map(e -> (HaEvent.LeaseRenewalLate) e).toList();
  }

  /**
   * A lease unrenewed for half its fence deadline is reported late, once until a renewal lands again; a renewal that
   * takes its usual interval never is.
   */
  @Test
  void aLeaseUnrenewedForHalfItsFenceDeadlineIsReportedLateOncePerEpisode() throws Exception {
    ActorRef<VmLeases.Command> l = leases();
    assertTrue(take(l, "db1", Optional.empty()).ok());
    l.tell(new VmLeases.Running(Set.of("db1")));
    long before = lease("db1").orElseThrow().counter();
    for (int i = 1; i <= 6; i++) { // one round at a time: a loaded machine may not renew in every tick
      ticks(1);
      renewedBeyond("db1", before + i);
    }
    assertEquals(java.util.List.of(), late(), "renewals on time are not late");
    cut.set(true);
    ticks(4);
    fenced.expectNoMessage(Duration.ofMillis(50));
    assertEquals(java.util.List.of(), late(), "4 s of 10: not late yet");
    ticks(1);
    fenced.awaitAssert(() -> {
      assertEquals(1, late().size(), "5 s of 10 unrenewed: late");
      return null;
    });
    HaEvent.LeaseRenewalLate e = late().get(0);
    assertEquals("db1", e.vm());
    assertEquals(TIMING.fenceAfter(), e.fenceAfter());
    assertTrue(e.unrenewedFor().compareTo(TIMING.lateAfter()) >= 0, e.describe());
    assertEquals(e, dev.vmha.history.EventLog.JSON.readValue(dev.vmha.history.EventLog.JSON.writerFor(HaEvent.class)
        .writeValueAsString(e), HaEvent.class), "persisted as any other event");
    ticks(3);
    fenced.expectNoMessage(Duration.ofMillis(50));
    assertEquals(1, late().size(), "reported once per episode");
    cut.set(false);
    long counter = lease("db1").orElseThrow().counter();
    ticks(1);
    renewedBeyond("db1", counter + 1);
    cut.set(true);
    ticks(6);
    fenced.awaitAssert(() -> {
      assertEquals(2, late().size(), "a new episode after a renewal landed");
      return null;
    });
  }

  /**
   * The watchdog's input: settled once a VM list came and the VM found running was adopted; the longest a lease has
   * gone unrenewed grows an interval a round while the datastore is cut, and drops when a renewal succeeds again.
   */
  @Test
  void everyRoundTellsTheWatchdogWhetherStartUpIsSettledAndHowLongALeaseWentUnrenewed() {
    real.swapLease(Optional.empty(), VmLease.first("db1", "host1", clock.instant())).toCompletableFuture().join();
    ActorRef<VmLeases.Command> l = leases();
    ticks(1);
    kit.createTestProbe().awaitAssert(() -> { // the round's report comes asynchronously
      assertNotNull(renewals.get(), "a round's report");
      assertFalse(renewals.get().settled(), "no VM list yet");
      return null;
    });
    l.tell(new VmLeases.Running(Set.of("db1")));
    ticks(1);
    assertFalse(renewals.get().settled(), "db1 found running, its lease being adopted");
    ticks(1);
    kit.createTestProbe().awaitAssert(() -> {
      ticks(1);
      assertTrue(renewals.get().settled(), "adopted");
      assertEquals(Duration.ofSeconds(1), renewals.get().longestUnrenewed());
      return null;
    });
    cut.set(true);
    ticks(4);
    kit.createTestProbe().awaitAssert(() -> {
      ticks(1);
      assertTrue(renewals.get().longestUnrenewed().compareTo(Duration.ofSeconds(5)) >= 0, renewals.get().toString());
      return null;
    });
    cut.set(false);
    kit.createTestProbe().awaitAssert(() -> {
      ticks(1);
      assertEquals(Duration.ofSeconds(1), renewals.get().longestUnrenewed());
      return null;
    });
  }

  @Test
  void aLeaseHeldByALiveHostCannotBeTakenAndAnExpiredOneOnlyAsTheMasterSawIt() {
    VmLease other = VmLease.first("db1", "host2", clock.instant());
    real.swapLease(Optional.empty(), other).toCompletableFuture().join();
    ActorRef<VmLeases.Command> l = leases();
    VmLeases.Taken refused = take(l, "db1", Optional.empty());
    assertFalse(refused.ok());
    assertTrue(refused.reason().contains("another host holds it"), refused.reason());
    assertFalse(take(l, "db1", Optional.of(other.renewed(clock.instant()))).ok(), "not the write the master judged");
    assertTrue(take(l, "db1", Optional.of(other)).ok());
    assertEquals("host1", lease("db1").orElseThrow().owner());
  }

  @Test
  void aLeaseTakenByAnotherHostFencesTheVmAtTheNextRenewal() {
    ActorRef<VmLeases.Command> l = leases();
    take(l, "db1", Optional.empty());
    l.tell(new VmLeases.Running(Set.of("db1")));
    VmLease mine = lease("db1").orElseThrow();
    real.swapLease(Optional.of(mine), mine.takenBy("host2", clock.instant())).toCompletableFuture().join();
    ticks(1);
    String f = fenced.receiveMessage();
    assertTrue(f.startsWith("db1: ") && f.contains("taken by another host"), f);
    l.tell(new VmLeases.Running(Set.of("db1"))); // its power-off has not completed yet
    ticks(2);
    fenced.expectNoMessage(Duration.ofMillis(50));
    assertEquals("host2", lease("db1").orElseThrow().owner(), "the fenced host leaves the new holder's lease alone");
  }

  @Test
  void aLeaseThatCannotBeRenewedFencesTheVmAfterTheFenceTimeoutAndNotBefore() {
    ActorRef<VmLeases.Command> l = leases();
    take(l, "db1", Optional.empty());
    l.tell(new VmLeases.Running(Set.of("db1")));
    long before = lease("db1").orElseThrow().counter();
    ticks(1);
    renewedBeyond("db1", before + 1);
    cut.set(true);
    ticks(9);
    fenced.expectNoMessage(Duration.ofMillis(50));
    ticks(2);
    String f = fenced.receiveMessage();
    assertTrue(f.contains("not renewed for"), f);
  }

  /** Issue 20 finding 8: garbage in a held lease file no longer fences the healthy VM; its holder rewrites it. */
  @Test
  void aCorruptLeaseFileIsRepairedByItsHolderInsteadOfFencingTheVm() throws Exception {
    ActorRef<VmLeases.Command> l = leases();
    take(l, "db1", Optional.empty());
    l.tell(new VmLeases.Running(Set.of("db1")));
    long before = lease("db1").orElseThrow().counter();
    Files.writeString(DirectoryDatastore.leaseFile(tmp.resolve("ds1"), "db1"), "garbage\n");
    ticks(2);
    renewedBeyond("db1", before + 1);
    // a round at a time, without real-time polling: a round whose write is the repair renews nothing
    for (int round = 0; round < 24 && lease("db1").orElseThrow().counter() < before + 12; round++) ticks(1);
    assertTrue(lease("db1").orElseThrow().counter() >= before + 12, "renewed: " + lease("db1"));
    fenced.expectNoMessage(Duration.ofMillis(50));
    assertEquals("host1", lease("db1").orElseThrow().owner());
    try (java.util.stream.Stream<Path> aside = Files.list(tmp.resolve("ds1/.vmha/corrupt"))) {
      assertEquals(1, aside.filter(f -> f.getFileName().toString().startsWith("lease-db1.")).count(),
          "the corrupt file is kept aside");
    }
  }

  /** After an upgrade the agent adopts its lease written in the first format, and rewrites it as JSON. */
  @Test
  void aLeaseOfTheFirstFormatIsAdoptedAndRewrittenAsJson() throws Exception {
    String body = "vmha lease 1\nvm=db1\nowner=host1\ncounter=7\ntime=1970-01-01T00:00:00Z\n";
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Path f = DirectoryDatastore.leaseFile(tmp.resolve("ds1"), "db1");
    Files.createDirectories(f.getParent());
    Files.writeString(f, body + "crc32=" + Long.toHexString(crc.getValue()) + "\n");
    ActorRef<VmLeases.Command> l = leases();
    l.tell(new VmLeases.Running(Set.of("db1")));
    ticks(2);
    renewedBeyond("db1", 8);
    fenced.expectNoMessage(Duration.ofMillis(50));
    assertTrue(Files.readString(f).startsWith("{\"vmha\":\"lease\",\"format\":2,"), Files.readString(f));
  }

  /** Runs db1 here and cuts the datastore until its lease fences it; the datastore is still cut. */
  private ActorRef<VmLeases.Command> fencedWhileTheDatastoreIsCut() {
    ActorRef<VmLeases.Command> l = leases();
    take(l, "db1", Optional.empty());
    l.tell(new VmLeases.Running(Set.of("db1")));
    cut.set(true);
    ticks(11);
    assertTrue(fenced.receiveMessage().contains("not renewed for"));
    return l;
  }

  /** Only a holder that has not reached its fence deadline repairs: a fenced VM's corrupt lease stays as it is. */
  @Test
  void aHolderPastItsFenceDeadlineDoesNotRepairACorruptLease() throws Exception {
    ActorRef<VmLeases.Command> l = fencedWhileTheDatastoreIsCut();
    Path f = DirectoryDatastore.leaseFile(tmp.resolve("ds1"), "db1");
    Files.writeString(f, "garbage\n");
    cut.set(false);
    l.tell(new VmLeases.Running(Set.of("db1"))); // its power-off hangs
    ticks(3);
    fenced.expectNoMessage(Duration.ofMillis(50));
    assertEquals("garbage\n", Files.readString(f), "who holds it now is unknown: it is left for the operator");
  }

  @Test
  void aFencedVmKeepsItsLeaseRenewedUntilTheHypervisorConfirmsItOff() {
    ActorRef<VmLeases.Command> l = fencedWhileTheDatastoreIsCut();
    // the power-off hangs: the VM still runs, so its lease must not lapse while the datastore answers again
    cut.set(false);
    long before = lease("db1").orElseThrow().counter();
    for (int i = 0; i < 3; i++) {
      l.tell(new VmLeases.Running(Set.of("db1")));
      ticks(1);
    }
    renewedBeyond("db1", before + 2);
    fenced.expectNoMessage(Duration.ofMillis(50)); // asked once; the VM manager retries the power-off itself
    assertEquals("host1", lease("db1").orElseThrow().owner());
    l.tell(new VmLeases.Running(Set.of())); // the hypervisor shows it off
    ticks(1);
    assertEquals(Optional.empty(), lease("db1"), "released only once off");
  }

  @Test
  void aRestartedAgentAdoptsItsOwnUntakenLeasesHoweverOldAndFencesForeignOnes() {
    real.swapLease(Optional.empty(), VmLease.first("fresh", "host1", clock.instant())).toCompletableFuture().join();
    // the agent was down for a minute while its VM ran on: nobody took the lease, so the VM stays
    real.swapLease(Optional.empty(), VmLease.first("old", "host1", clock.instant().minusSeconds(60)))
        .toCompletableFuture().join();
    real.swapLease(Optional.empty(), VmLease.first("foreign", "host2", clock.instant())).toCompletableFuture().join();
    ActorRef<VmLeases.Command> l = leases();
    l.tell(new VmLeases.Running(Set.of("fresh", "old", "foreign", "unleased")));
    ticks(2);
    String f = fenced.receiveMessage();
    assertTrue(f.startsWith("foreign: ") && f.contains("held by host2"), f);
    renewedBeyond("fresh", 2);
    renewedBeyond("old", 2);
    assertEquals("host1", lease("old").orElseThrow().owner());
    renewedBeyond("unleased", 1); // a VM running here without a lease takes one
    assertEquals("host1", lease("unleased").orElseThrow().owner());
    ticks(12);
    fenced.expectNoMessage(Duration.ofMillis(50));
  }
}
