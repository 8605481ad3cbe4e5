package dev.vmha.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.HypervisorException;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.sim.FaultyDatastore;
import dev.vmha.testing.VirtualTime;
import dev.vmha.timing.TimingRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VM manager with a hypervisor whose power-off does not complete: the VM is neither reported off nor let go. */
class HostVmsTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final TimingRules.Lease TIMING = new TimingRules.Lease(Duration.ofSeconds(10), I, Duration.ofSeconds(2),
      Duration.ofSeconds(2), 0.01);

  @TempDir Path tmp;
  ActorTestKit kit;
  ManualTime time;
  Clock clock;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("HostVmsTest", VirtualTime.config());
    time = ManualTime.get(kit.system());
    clock = new VirtualTime.VirtualClock((org.apache.pekko.testkit.ExplicitlyTriggeredScheduler)
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(kit.system()).scheduler());
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  /** One VM on; its power-off fails (as a hung one does once its bound has passed) until {@code killable}. */
  static final class Stuck implements Hypervisor {
    final AtomicBoolean on = new AtomicBoolean(true);
    final AtomicBoolean killable = new AtomicBoolean();
    final AtomicInteger powerOffs = new AtomicInteger();

    @Override
    public CompletionStage<List<VmSpec>> poweredOn() {
      return CompletableFuture.completedFuture(on.get() ? List.of(new VmSpec("db1", 512, 1)) : List.of());
    }

    @Override
    public CompletionStage<Void> powerOn(VmSpec vm) {
      return CompletableFuture.failedFuture(new HypervisorException("not in this test"));
    }

    @Override
    public CompletionStage<Void> powerOff(String vm) {
      powerOffs.incrementAndGet();
      if (!killable.get()) return CompletableFuture.failedFuture(new HypervisorException(vm + " is not off in time"));
      on.set(false);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> shutdownGuest(String vm) {
      return CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void aFencedVmWhosePowerOffFailsIsRetriedKeepsItsLeaseAndIsReportedStoppedOnlyOnceOff() throws Exception {
    DirectoryDatastore ds = new DirectoryDatastore(Files.createDirectory(tmp.resolve("ds1")), Runnable::run);
    AtomicBoolean cut = new AtomicBoolean();
    Stuck hv = new Stuck();
    TestProbe<HostReport> reports = kit.createTestProbe(); // only for its awaitAssert
    AtomicReference<HostReport> last = new AtomicReference<>();
    kit.spawn(HostVms.create("host1", new PingTarget("127.0.0.1", 0), 4096, 4, I, hv,
        Optional.of(new FaultyDatastore(ds, cut::get)), TIMING, last::set, r -> { }, e -> { }, clock));
    // the VM found running is adopted: a lease of host1's own
    reports.awaitAssert(() -> {
      time.timePasses(I);
      assertEquals("host1", ds.readLease("db1").toCompletableFuture().join().orElseThrow().owner());
      return null;
    });
    // its lease cannot be renewed for hostTimeout: the keeper fences db1, whose power-off fails
    cut.set(true);
    reports.awaitAssert(() -> {
      time.timePasses(I);
      assertTrue(hv.powerOffs.get() >= 3, "the power-off is retried while the VM runs: " + hv.powerOffs.get());
      return null;
    });
    // once per poll, not in a loop: with the clock still, a power-off that fails at once is not tried again
    int tried = hv.powerOffs.get();
    reports.expectNoMessage(Duration.ofMillis(200));
    assertTrue(hv.powerOffs.get() <= tried + 1, "tried " + (hv.powerOffs.get() - tried) + " more times, no poll due");
    cut.set(false);
    long counter = ds.readLease("db1").toCompletableFuture().join().orElseThrow().counter();
    reports.awaitAssert(() -> {
      time.timePasses(I);
      VmLease l = ds.readLease("db1").toCompletableFuture().join().orElseThrow();
      assertTrue(l.owner().equals("host1") && l.counter() > counter, "held and renewed while it runs: " + l);
      return null;
    });
    HostReport during = last.get();
    assertTrue(during.has("db1") && during.stopped().isEmpty(), "neither off nor reported stopped: " + during);
    hv.killable.set(true);
    reports.awaitAssert(() -> {
      time.timePasses(I);
      assertEquals(List.of("db1"), last.get().stopped().stream().map(st -> st.vm().name()).toList());
      return null;
    });
    // the release follows the report (it is its own datastore write)
    reports.awaitAssert(() -> {
      time.timePasses(I);
      assertEquals(Optional.empty(), ds.readLease("db1").toCompletableFuture().join(), "released once off");
      return null;
    });
  }
}
