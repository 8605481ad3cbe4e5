package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.CorruptStateFileException;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVms;
import dev.vmha.testing.VirtualTime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The self-fence's shell without datastores, as a restarted agent sees the cluster before it has joined it (no
 * members): it reads the majority record its predecessor left and carries that minority clock on (seed 1912).
 */
class SelfFenceTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Set<String> FIVE = Set.of("host1", "host2", "host3", "host4", "host5");

  private ActorTestKit kit;
  private ManualTime time;
  private Clock clock;
  private TestProbe<DatastoreHeartbeat.Command> datastore;
  private TestProbe<HostVms.Command> vms;
  private final List<MajorityRecord> written = new CopyOnWriteArrayList<>();
  /** Completed when the shell asks for the record: it has started, and its round timer with it. */
  private final CompletableFuture<Void> asked = new CompletableFuture<>();

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("SelfFenceTest", VirtualTime.config());
    time = ManualTime.get(kit.system());
    clock = new VirtualTime.VirtualClock((ExplicitlyTriggeredScheduler) Adapter.toClassic(kit.system()).scheduler());
    Cluster.get(kit.system()); // the extension started, not joined: a new agent's view before it is a member
    datastore = kit.createTestProbe();
    vms = kit.createTestProbe();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  /** A record store that reads {@code read} and keeps what is written. */
  private MajorityRecords records(CompletionStage<Optional<MajorityRecord>> read) {
    return new MajorityRecords() {
      @Override
      public CompletionStage<Optional<MajorityRecord>> read() {
        asked.complete(null);
        return read;
      }

      @Override
      public CompletionStage<Void> write(MajorityRecord record) {
        written.add(record);
        return CompletableFuture.completedFuture(null);
      }
    };
  }

  private void spawn(MajorityRecords records) {
    kit.spawn(SelfFence.create("host1", false, I, TIMEOUT, datastore.ref(), vms.ref(), records, e -> {}, clock));
    asked.orTimeout(15, TimeUnit.SECONDS).join();
  }

  @Test
  void aNewAgentNotYetAMemberWhosePredecessorLastHeardAMajorityLongAgoFencesAtOnce() {
    spawn(records(CompletableFuture.completedFuture(Optional.of(
        new MajorityRecord(clock.instant().minusSeconds(60), FIVE)))));
    // the read lands as a future's callback, so before the first rounds or after them (a round before it proves
    // nothing): the first round after it fences. Before it is a member no clock of its own starts, so any fence here
    // is the carried one (CI run of 2026-12-03: both rounds ran before the read landed)
    HostVms.Fence fence = null;
    for (int round = 1; fence == null; round++) {
      assertTrue(round <= 5, "no fence in 5 rounds");
      time.timePasses(I);
      try {
        fence = vms.expectMessageClass(HostVms.Fence.class, Duration.ofMillis(500));
      } catch (AssertionError notYet) {
        // the read has not landed before this round
      }
    }
    assertTrue(fence.reason().startsWith("it saw only a minority of the cluster for 5"), fence.reason());
    assertEquals(List.of(), written, "a majority of none is not recorded");
  }

  /** Corrupt: taken for a majority heard long ago (FenceMachineTest); before it is a member nothing fences. */
  @Test
  void aCorruptRecordFencesNothingBeforeTheAgentIsAMember() {
    spawn(records(CompletableFuture.failedFuture(new CorruptStateFileException(Path.of("majority"),
        "checksum mismatch"))));
    for (int t = 0; t < 10; t++) time.timePasses(I);
    vms.expectNoMessage(Duration.ZERO);
    assertEquals(List.of(), written);
  }
}
