package dev.vmha.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.HypervisorException;
import dev.vmha.hypervisor.InMemoryHypervisor;
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
  /** T − i with T = 10 s ({@link TimingRules.Detection#slaveStall}). */
  private static final Duration STALE_AFTER = Duration.ofSeconds(9);
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
        Optional.of(new FaultyDatastore(ds, cut::get)), TIMING, last::set, r -> { }, STALE_AFTER, e -> { }, clock));
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

  /**
   * A migration moves the lease with the VM: the source's lease is released only once its writer has stopped (the
   * answer comes after both), the target takes it before it starts the VM, and the source never reports the VM as
   * stopped (it is not a failure).
   */
  @Test
  void aMigratedVmsLeaseIsReleasedAfterItsWriterStoppedAndTakenByTheTargetBeforeItStarts() throws Exception {
    DirectoryDatastore ds = new DirectoryDatastore(Files.createDirectory(tmp.resolve("ds1")), Runnable::run);
    InMemoryHypervisor hv1 = new InMemoryHypervisor("host1");
    InMemoryHypervisor hv2 = new InMemoryHypervisor("host2");
    List<HostReport> reports1 = new java.util.concurrent.CopyOnWriteArrayList<>();
    var vms1 = kit.spawn(HostVms.create("host1", new PingTarget("127.0.0.1", 0), 4096, 4, I, hv1, Optional.of(ds),
        TIMING, reports1::add, r -> { }, STALE_AFTER, e -> { }, clock));
    var vms2 = kit.spawn(HostVms.create("host2", new PingTarget("127.0.0.1", 0), 4096, 4, I, hv2, Optional.of(ds),
        TIMING, r -> { }, r -> { }, STALE_AFTER, e -> { }, clock));
    VmSpec db1 = new VmSpec("db1", 512, 1);
    TestProbe<HostVms.Result> results = kit.createTestProbe();
    vms1.tell(new HostVms.PowerOn(db1, Optional.empty(), results.getRef()));
    assertTrue(results.receiveMessage().ok());
    assertEquals("host1", ds.readLease("db1").toCompletableFuture().join().orElseThrow().owner());
    results.awaitAssert(() -> {
      time.timePasses(I);
      assertTrue(reports1.get(reports1.size() - 1).has("db1"));
      return null;
    });

    TestProbe<HostVms.MigratedOut> out = kit.createTestProbe();
    vms1.tell(new HostVms.MigrateOut("db1", out.getRef()));
    HostVms.MigratedOut image = out.receiveMessage();
    assertTrue(image.image().isPresent(), image.error());
    assertEquals(List.of(), hv1.runningNames(), "the writer stopped before the answer");
    assertEquals(Optional.empty(), ds.readLease("db1").toCompletableFuture().join(), "and the lease was released");

    vms2.tell(new HostVms.MigrateIn(image.image().get(), results.getRef()));
    HostVms.Result in = results.receiveMessage();
    assertTrue(in.ok(), in.error());
    assertEquals(List.of("db1"), hv2.runningNames());
    assertEquals("host2", ds.readLease("db1").toCompletableFuture().join().orElseThrow().owner());

    int seen = reports1.size();
    results.awaitAssert(() -> {
      time.timePasses(I);
      assertTrue(reports1.size() > seen + 1);
      return null;
    });
    assertTrue(reports1.stream().allMatch(r -> r.stopped().isEmpty()), "never reported stopped: " + reports1);
    assertTrue(!reports1.get(reports1.size() - 1).has("db1"));

    vms1.tell(new HostVms.MigrateOut("db1", out.getRef()));
    HostVms.MigratedOut refused = out.receiveMessage();
    assertTrue(refused.image().isEmpty() && !refused.stopped(), "not here: refused, " + refused);
  }
}
