package dev.vmha.datastore;

import dev.vmha.testing.VirtualTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.testing.ForwardingDatastore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The datastore heartbeat actor in virtual time, on real directories: three datastores, this host (host1) writes
 * its heartbeat and power-on files on das.heartbeatdsperhost = 2 of them every interval, and reads every host's
 * files on all three. I/O runs on the calling thread ({@code Runnable::run}), so a round completes within the tick
 * that starts it and the test sees its outcome deterministically.
 */
class DatastoreHeartbeatTest {
  private static final String SELF = "host1";
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final int DS_PER_HOST = 2;
  private static final VmSpec VM1 = new VmSpec("vm1", 512, 1);
  private static final VmSpec VM2 = new VmSpec("vm2", 1024, 2);

  @TempDir
  Path dir;

  private ActorTestKit kit;
  private ManualTime manualTime;
  private ExplicitlyTriggeredScheduler scheduler;
  private TestProbe<DatastoreView> views;
  private final List<HaEvent> events = new CopyOnWriteArrayList<>();
  private ActorRef<DatastoreHeartbeat.Command> heartbeat;
  private Path ds1;
  private Path ds2;
  private Path ds3;

  @BeforeEach
  void start() throws IOException {
    kit = ActorTestKit.create("DatastoreHeartbeatTest", VirtualTime.config());
    manualTime = ManualTime.get(kit.system());
    scheduler = (ExplicitlyTriggeredScheduler) Adapter.toClassic(kit.system()).scheduler();
    views = kit.createTestProbe();
    ds1 = Files.createDirectories(dir.resolve("ds1"));
    ds2 = Files.createDirectories(dir.resolve("ds2"));
    ds3 = Files.createDirectories(dir.resolve("ds3"));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void everyIntervalItsCounterMovesOnItsHeartbeatDatastoresAndItsVmsAppearInThePowerOnFile() {
    spawn(List.of(ds(ds1), ds(ds2), ds(ds3)));
    DatastoreView v = view(); // the first round ran at once
    assertEquals(Duration.ofSeconds(1), v.now());
    assertEquals(3, v.accessibleCount());
    assertEquals(1L, counterOn(ds1));
    assertEquals(1L, counterOn(ds2));
    assertNull(scan(ds3).heartbeats().get(SELF), "only das.heartbeatdsperhost datastores carry the heartbeat");
    assertNull(scan(ds1).powerOn().get(SELF), "no power-on file before the VM manager reported");
    assertEquals(List.of(), events, "every datastore answered");

    for (long round = 2; round <= 5; round++) {
      tick();
      assertEquals(round, counterOn(ds1), "round " + round);
      assertEquals(round, counterOn(ds2), "round " + round);
      assertEquals(Instant.ofEpochMilli(now()), scan(ds1).heartbeats().get(SELF).writtenAt());
      assertNull(scan(ds3).heartbeats().get(SELF));
    }
    assertEquals(Duration.ofSeconds(5), view().now());
    assertEquals(Duration.ZERO, view().sinceOwnWrite());

    heartbeat.tell(new DatastoreHeartbeat.LocalVms(List.of(VM1, VM2)));
    tick();
    for (Path ds : List.of(ds1, ds2)) {
      assertEquals(new PowerOnFile(SELF, false, List.of(VM1, VM2)), scan(ds).powerOn().get(SELF), ds.toString());
    }
    assertNull(scan(ds3).powerOn().get(SELF));
    tick(); // a round reads before it writes: its own file shows in the view a round later
    assertEquals(List.of(VM1, VM2), view().powerOn(SELF).orElseThrow().vms(), "it reads its own file back");

    // isolation: the file lists what the isolation response stopped, with the flag; cleared when it is over
    heartbeat.tell(new DatastoreHeartbeat.DeclareIsolated(List.of(VM2)));
    tick();
    assertEquals(new PowerOnFile(SELF, true, List.of(VM2)), scan(ds1).powerOn().get(SELF));
    heartbeat.tell(DatastoreHeartbeat.ClearIsolation.INSTANCE);
    tick();
    assertEquals(new PowerOnFile(SELF, false, List.of(VM1, VM2)), scan(ds1).powerOn().get(SELF));
    assertEquals(List.of(), events);

    // the watchdog: armed in the file from the next round; "disarmed" confirmed once a whole round wrote it
    heartbeat.tell(new DatastoreHeartbeat.LocalWatchdog(WatchdogFlag.ARMED, Optional.empty()));
    tick();
    for (Path ds : List.of(ds1, ds2)) assertTrue(scan(ds).powerOn().get(SELF).watchdogArmed(), ds.toString());
    TestProbe<Boolean> written = kit.createTestProbe();
    heartbeat.tell(new DatastoreHeartbeat.LocalWatchdog(WatchdogFlag.AGENT_STOPPED, Optional.of(written.ref())));
    written.expectNoMessage(Duration.ofMillis(50));
    tick();
    assertTrue(written.receiveMessage());
    for (Path ds : List.of(ds1, ds2)) {
      assertEquals(WatchdogFlag.AGENT_STOPPED, scan(ds).powerOn().get(SELF).watchdog(), ds.toString());
    }
  }

  /** Without datastores "agent stopped" reaches no master: the stopping agent is told so and leaves its watchdog armed. */
  @Test
  void withoutDatastoresAgentStoppedIsAnsweredNotWritten() {
    spawn(List.of());
    TestProbe<Boolean> written = kit.createTestProbe();
    heartbeat.tell(new DatastoreHeartbeat.LocalWatchdog(WatchdogFlag.AGENT_STOPPED, Optional.of(written.ref())));
    assertFalse(written.receiveMessage());
  }

  @Test
  void anotherHostsHeartbeatAgesInVirtualTimeWhileItsCounterStandsStill() {
    DirectoryDatastore other = ds(ds1);
    other.writeHeartbeat(new HostHeartbeat("host2", 7, Instant.parse("2020-01-01T00:00:00Z")));
    spawn(List.of(ds(ds1), ds(ds2), ds(ds3)));
    DatastoreView v = view();
    assertEquals(Map.of("ds1", Duration.ZERO), v.heartbeatAges("host2"), "first seen counts as just moved");
    assertEquals(Map.of(), v.heartbeatAges("host3"));

    for (int s = 1; s <= 12; s++) {
      tick();
      assertEquals(Map.of("ds1", INTERVAL.multipliedBy(s)), view().heartbeatAges("host2"), "+" + s + " s");
    }
    // host2's writer clock says nothing: only the counter counts
    other.writeHeartbeat(new HostHeartbeat("host2", 7, Instant.parse("2030-01-01T00:00:00Z")));
    tick();
    assertEquals(Map.of("ds1", INTERVAL.multipliedBy(13)), view().heartbeatAges("host2"));

    other.writeHeartbeat(new HostHeartbeat("host2", 8, Instant.parse("2020-01-01T00:00:13Z")));
    tick();
    assertEquals(Map.of("ds1", Duration.ZERO), view().heartbeatAges("host2"), "the counter moved");
    tick();
    tick();
    assertEquals(Map.of("ds1", INTERVAL.multipliedBy(2)), view().heartbeatAges("host2"));
    // host2 starts writing on ds3 as well: each datastore ages on its own
    ds(ds3).writeHeartbeat(new HostHeartbeat("host2", 8, Instant.EPOCH));
    tick();
    assertEquals(Map.of("ds1", INTERVAL.multipliedBy(3), "ds3", Duration.ZERO), view().heartbeatAges("host2"));
  }

  @Test
  void anUnmountedDatastoreIsReportedOnceAndItsHeartbeatMovesToAnotherDatastore() throws IOException {
    spawn(List.of(ds(ds1), ds(ds2), ds(ds3)));
    tick();
    assertEquals(3, view().accessibleCount());

    deleteTree(ds1); // the mount is gone
    tick();
    DatastoreView v = view();
    assertEquals(2, v.accessibleCount());
    assertFalse(v.accessible().get("ds1"));
    HaEvent.DatastoreAccessChanged lost = only(HaEvent.DatastoreAccessChanged.class);
    assertEquals("ds1", lost.datastore());
    assertFalse(lost.accessible());
    assertTrue(lost.reason().contains("not mounted"), lost.reason());
    assertEquals(now(), lost.at().toEpochMilli());
    assertEquals(Duration.ZERO, v.sinceOwnWrite(), "ds2 still took the heartbeat");

    // from the next round the heartbeat goes to the datastores that answer: ds2 and ds3
    tick();
    long onDs3 = counterOn(ds3);
    tick();
    assertEquals(onDs3 + 1, counterOn(ds3));
    assertEquals(counterOn(ds2), counterOn(ds3));
    for (int s = 0; s < 3; s++) tick();
    assertEquals(1, ofType(HaEvent.DatastoreAccessChanged.class).size(), "reported once, not every round");
    assertFalse(Files.exists(ds1), "a missing mount is never created");

    Files.createDirectories(ds1); // mounted again (empty)
    tick();
    assertEquals(3, view().accessibleCount());
    List<HaEvent.DatastoreAccessChanged> changes = ofType(HaEvent.DatastoreAccessChanged.class);
    assertEquals(2, changes.size());
    assertTrue(changes.get(1).accessible());
    assertEquals("ds1", changes.get(1).datastore());
  }

  @Test
  void everyDatastoreLostMeansTheOwnHeartbeatWentNowhere() throws IOException {
    spawn(List.of(ds(ds1), ds(ds2)));
    tick();
    assertEquals(Duration.ZERO, view().sinceOwnWrite());
    deleteTree(ds1);
    deleteTree(ds2);
    for (int s = 1; s <= 4; s++) {
      tick();
      assertEquals(INTERVAL.multipliedBy(s), view().sinceOwnWrite(), "+" + s + " s");
      assertEquals(0, view().accessibleCount());
    }
    assertEquals(2, ofType(HaEvent.DatastoreAccessChanged.class).size());
  }

  /** Issue 20 finding 8: garbage in the protected list is reported like every other corrupt state file. */
  @Test
  void garbageInTheProtectedListIsReported() throws IOException {
    spawn(List.of(ds(ds1)));
    ds(ds1).writeProtectedList(ProtectedList.empty("host1")).toCompletableFuture().join();
    tick();
    assertEquals(List.of(), ofType(HaEvent.StateFileCorrupt.class));
    Files.writeString(ds1.resolve(".vmha/protectedlist"), "garbage\n", StandardCharsets.UTF_8);
    tick();
    HaEvent.StateFileCorrupt corrupt = only(HaEvent.StateFileCorrupt.class);
    assertEquals("ds1", corrupt.datastore());
    assertTrue(corrupt.detail().contains(".vmha/protectedlist: truncated"), corrupt.detail());
  }

  @Test
  void aCorruptStateFileIsReportedOnceAndNeverTrusted() throws IOException {
    spawn(List.of(ds(ds1), ds(ds2), ds(ds3)));
    ds(ds2).writeHeartbeat(new HostHeartbeat("host2", 3, Instant.EPOCH));
    tick();
    assertEquals(Map.of("ds2", Duration.ZERO), view().heartbeatAges("host2"));

    Path file = DirectoryDatastore.heartbeatFile(ds2, "host2");
    String good = Files.readString(file);
    Files.writeString(file, good.replace("\"counter\":3", "\"counter\":4"), StandardCharsets.UTF_8); // checksum breaks
    tick();
    HaEvent.StateFileCorrupt corrupt = only(HaEvent.StateFileCorrupt.class);
    assertEquals("ds2", corrupt.datastore());
    assertTrue(corrupt.detail().contains("host-host2-hb"), corrupt.detail());
    assertEquals(now(), corrupt.at().toEpochMilli());
    for (int s = 0; s < 4; s++) tick();
    assertEquals(1, ofType(HaEvent.StateFileCorrupt.class).size(), "reported once while it stays corrupt");
    DatastoreView v = view();
    assertEquals(3, v.accessibleCount(), "a corrupt file does not make the datastore inaccessible");
    // the corrupt counter (4) is not taken as movement: host2's heartbeat has stood still since it was 3
    assertEquals(Map.of("ds2", INTERVAL.multipliedBy(5)), v.heartbeatAges("host2"));
    assertEquals(List.of(), ofType(HaEvent.DatastoreAccessChanged.class));

    // repaired, then corrupt again: a new report
    Files.writeString(file, good, StandardCharsets.UTF_8);
    tick();
    assertTrue(view().corrupt().isEmpty());
    Files.writeString(file, "garbage\n", StandardCharsets.UTF_8);
    tick();
    assertEquals(2, ofType(HaEvent.StateFileCorrupt.class).size());
  }

  @Test
  void aHungDatastoreDoesNotDoubleTheRoundAndTheNextRoundCountsTheSkippedTime() {
    HangingDatastore hanging = new HangingDatastore(ds(ds3));
    spawn(List.of(ds(ds1), ds(ds2), hanging));
    tick();
    Duration t = view().now();
    hanging.hang();
    tick(); // a round starts and does not end
    assertEquals(t, view().now(), "the round is still out");
    tick();
    tick();
    assertEquals(1, hanging.scans, "no second round while one is out");
    assertEquals(t, view().now());
    hanging.release();
    DatastoreView v = view();
    assertEquals(t.plus(INTERVAL.multipliedBy(3)), v.now(), "the late round counts the three intervals it took");
    assertEquals(3, v.accessibleCount());
    tick();
    assertEquals(2, hanging.scans);
    assertEquals(t.plus(INTERVAL.multipliedBy(4)), view().now());
  }

  // ---- helpers

  private void spawn(List<Datastore> datastores) {
    heartbeat = kit.spawn(DatastoreHeartbeat.create(SELF, "127.0.0.1:2551", DS_PER_HOST, INTERVAL, datastores, events::add,
        new VirtualTime.VirtualClock(scheduler)), "datastore-heartbeat");
    // its first round runs at once, from its set-up: once a query has been answered that round has been queued
    heartbeat.tell(new DatastoreHeartbeat.GetView(views.ref()));
    views.receiveMessage();
    view();
  }

  private static DirectoryDatastore ds(Path root) {
    return new DirectoryDatastore(root, Runnable::run);
  }

  /** One interval of virtual time: one round of writes and reads. */
  private void tick() {
    manualTime.timePasses(INTERVAL);
    view();
  }

  /**
   * The view once every message sent before has been handled: the first GetView follows the tick, the round's
   * result (queued while the tick was handled) comes before the second.
   */
  private DatastoreView view() {
    heartbeat.tell(new DatastoreHeartbeat.GetView(views.ref()));
    views.receiveMessage();
    heartbeat.tell(new DatastoreHeartbeat.GetView(views.ref()));
    return views.receiveMessage();
  }

  private static DatastoreScan scan(Path root) {
    return ds(root).scan().toCompletableFuture().join();
  }

  private static long counterOn(Path root) {
    return scan(root).heartbeats().get(SELF).counter();
  }

  private long now() {
    return scheduler.currentTimeMs();
  }

  private <E extends HaEvent> List<E> ofType(Class<E> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private <E extends HaEvent> E only(Class<E> type) {
    List<E> found = ofType(type);
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in " + new ArrayList<>(events));
    return found.get(0);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  /** A datastore whose scans can be made to hang (an NFS mount that stops answering) and released later. */
  static final class HangingDatastore extends ForwardingDatastore {
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
    volatile int scans;

    HangingDatastore(Datastore inner) {
      super(inner);
    }

    void hang() {
      gate = new CompletableFuture<>();
      scans = 0;
    }

    void release() {
      gate.complete(null);
    }

    @Override
    public CompletionStage<Void> writeHeartbeat(HostHeartbeat heartbeat) {
      return gate.thenCompose(x -> inner.writeHeartbeat(heartbeat));
    }

    @Override
    public CompletionStage<Void> writePowerOn(PowerOnFile file) {
      return gate.thenCompose(x -> inner.writePowerOn(file));
    }

    @Override
    public CompletionStage<DatastoreScan> scan() {
      scans++;
      return gate.thenCompose(x -> inner.scan());
    }
  }

}
