package dev.vmha.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.HostListFile;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.DecisionLog;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.VmProtection;
import dev.vmha.testing.ForwardingDatastore;
import dev.vmha.testing.VirtualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's shell wired to Pekko (issue 21): it carries the machine's effects out and awaits those that must
 * complete before what follows — the list written before a start, a lock written before the list is trusted, a
 * power-off confirmed before the VM is reported stopped. The decisions themselves are {@link MasterMachineTest}'s.
 */
class MasterCoordinatorShellTest {
  private static final VmSpec VM1 = new VmSpec("vm1", 1024, 1);

  @TempDir
  Path dir;

  private ActorTestKit kit;
  private ManualTime manualTime;
  private HaSettings settings;
  private TestProbe<DatastoreHeartbeat.Command> datastore;
  private TestProbe<HostVms.Command> host2Vms;
  private TestProbe<ClusterStatus> status;
  private final List<HaEvent> events = new CopyOnWriteArrayList<>();
  private ActorRef<MasterCoordinator.Command> master;
  private ControlledDatastore ds1;
  private DatastoreView view = DatastoreView.initial(List.of("ds1"));
  private long round;
  private List<VmSpec> host2Running = List.of();

  @BeforeEach
  void start() throws java.io.IOException {
    settings = HaSettings.from(ConfigFactory.parseString("vmha.host.id = host1, das.usedefaultisolationaddress = false,"
            + " das.isolationaddress1 = \"127.0.0.1\", vmha.hypervisor.type = in-memory")
        .withFallback(HaSettings.defaults()).resolve());
    kit = ActorTestKit.create("MasterCoordinatorShellTest", VirtualTime.config());
    manualTime = ManualTime.get(kit.system());
    VirtualTime.joinSelf(kit, manualTime, Duration.ofSeconds(1));
    datastore = kit.createTestProbe();
    host2Vms = kit.createTestProbe();
    status = kit.createTestProbe();
    ds1 = new ControlledDatastore(new DirectoryDatastore(Files.createDirectories(dir.resolve("ds1")), Runnable::run));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private void startMaster() {
    ExplicitlyTriggeredScheduler scheduler = (ExplicitlyTriggeredScheduler) Adapter.toClassic(kit.system()).scheduler();
    TestProbe<MasterNotice> election = kit.createTestProbe();
    master = kit.spawn(MasterCoordinator.create(new MasterCoordinator.Deps(settings, List.of(ds1),
            new HostListFile(dir, Runnable::run), datastore.ref(), (target, timeout) -> new CompletableFuture<>(),
            DecisionLog.of(events::add), new VirtualTime.VirtualClock(scheduler)),
        new MasterCoordinator.Start(Map.of(), election.ref(), Optional.empty())), "master");
    datastore.expectMessageClass(DatastoreHeartbeat.GetView.class).replyTo().tell(view);
    tick();
    tick();
  }

  /** One interval: the datastore round the master asks for, then host1's and host2's heartbeats. */
  private void tick() {
    manualTime.timePasses(settings.failureDetectionInterval());
    round++;
    view = view.next(settings.failureDetectionInterval(), Map.of("ds1", new DatastoreScan("ds1",
        Map.of("host1", new HostHeartbeat("host1", round, Instant.EPOCH), "host2", new HostHeartbeat("host2", round,
            Instant.EPOCH)), Map.of("host2", new PowerOnFile("host2", false, host2Running)), Map.of(), null,
        Map.of())));
    datastore.expectMessageClass(DatastoreHeartbeat.GetView.class).replyTo().tell(view);
    master.tell(new MasterCoordinator.SlaveBeat(new HostReport("host1", new PingTarget("127.0.0.1", 2), 8192, 8,
        List.of(), kit.createTestProbe(HostVms.Command.class).ref(), false, List.of(), List.of(), 1), Optional.empty(),
        Optional.empty(), ListPromise.NONE));
    master.tell(new MasterCoordinator.SlaveBeat(new HostReport("host2", new PingTarget("127.0.0.1", 1), 4096, 4,
        host2Running, host2Vms.ref(), false, List.of(), List.of(), 1), Optional.empty(),
        Optional.empty(), ListPromise.NONE));
    sync();
  }

  private ClusterStatus sync() {
    master.tell(new MasterCoordinator.GetStatus(status.ref()));
    return status.receiveMessage();
  }

  private TestProbe<OperationResult> powerOnAtHost2() {
    TestProbe<OperationResult> reply = kit.createTestProbe();
    master.tell(new MasterCoordinator.PowerOnVm(VM1, Optional.of("host2"), Optional.of(VmProtection.defaults()),
        reply.ref()));
    sync();
    return reply;
  }

  @Test
  void aPowerOnIsSentToItsHostOnlyOnceTheListThatProtectsItIsWritten() {
    startMaster();
    CompletableFuture<Void> write = new CompletableFuture<>();
    ds1.nextListWrite = Optional.of(write);
    TestProbe<OperationResult> reply = powerOnAtHost2();
    host2Vms.expectNoMessage(Duration.ofMillis(300));
    write.complete(null);
    HostVms.PowerOn on = host2Vms.expectMessageClass(HostVms.PowerOn.class);
    on.replyTo().tell(new HostVms.Result("vm1", "host2", true, null));
    assertTrue(reply.receiveMessage().ok());
  }

  @Test
  void aPowerOnWhoseListWriteFailsIsRefusedAndNeverSent() {
    startMaster();
    ds1.nextListWrite = Optional.of(CompletableFuture.failedFuture(new java.io.IOException("no space left")));
    OperationResult r = powerOnAtHost2().receiveMessage();
    assertFalse(r.ok());
    assertTrue(r.message().contains("no space left"), r.message());
    host2Vms.expectNoMessage(Duration.ofMillis(300));
    assertEquals(List.of(), sync().vms(), "not protected");
  }

  @Test
  void aMasterWhoseLockWriteFailsDoesNotOwnTheList() {
    ds1.lockWritesFail = true;
    startMaster();
    OperationResult r = powerOnAtHost2().receiveMessage();
    assertFalse(r.ok());
    assertTrue(r.message().contains("does not own the protected list"), r.message());
    assertTrue(events.stream().noneMatch(HaEvent.ProtectedListOwnership.class::isInstance), events.toString());
  }

  @Test
  void aVmIsReportedPoweredOffOnlyOnceItsHostConfirmsIt() {
    startMaster();
    TestProbe<OperationResult> on = powerOnAtHost2();
    host2Vms.expectMessageClass(HostVms.PowerOn.class).replyTo().tell(new HostVms.Result("vm1", "host2", true, null));
    assertTrue(on.receiveMessage().ok());
    host2Running = List.of(VM1);
    tick();
    TestProbe<OperationResult> reply = kit.createTestProbe();
    master.tell(new MasterCoordinator.PowerOffVm("vm1", reply.ref()));
    HostVms.PowerOff off = host2Vms.expectMessageClass(HostVms.PowerOff.class);
    sync();
    assertTrue(events.stream().noneMatch(HaEvent.VmPoweredOff.class::isInstance), "not before the host confirms");
    off.replyTo().tell(new HostVms.Result("vm1", "host2", true, null));
    assertTrue(reply.receiveMessage().ok());
    assertEquals(1, events.stream().filter(HaEvent.VmPoweredOff.class::isInstance).count());
  }

  /** A master that steps down (its coordinator stops) answers a request it was still working on. */
  @Test
  void aRequestStillWaitingWhenTheMasterStepsDownIsAnswered() {
    startMaster();
    ds1.nextListWrite = Optional.of(new CompletableFuture<>()); // the list write never completes
    TestProbe<OperationResult> reply = powerOnAtHost2();
    reply.expectNoMessage(Duration.ofMillis(100));
    kit.stop(master);
    OperationResult r = reply.receiveMessage();
    assertFalse(r.ok());
    assertTrue(r.message().contains("stepped down before it answered"), r.message());
    host2Vms.expectNoMessage(Duration.ofMillis(100));
  }

  /** ds1 on a directory, whose next list write completes when the test says and whose lock writes may fail. */
  private static final class ControlledDatastore extends ForwardingDatastore {
    volatile Optional<CompletableFuture<Void>> nextListWrite = Optional.empty();
    volatile boolean lockWritesFail;

    ControlledDatastore(Datastore inner) {
      super(inner);
    }

    @Override
    public CompletionStage<Void> writeProtectedList(ProtectedList list) {
      Optional<CompletableFuture<Void>> held = nextListWrite;
      nextListWrite = Optional.empty();
      return held.map(h -> h.thenCompose(x -> inner.writeProtectedList(list))).orElseGet(() -> inner
          .writeProtectedList(list).toCompletableFuture());
    }

    @Override
    public CompletionStage<Boolean> writeListLock(HostHeartbeat lock, Optional<ListLockSeen> replacing) {
      return lockWritesFail ? CompletableFuture.failedFuture(new java.io.IOException("read-only file system"))
          : inner.writeListLock(lock, replacing);
    }
  }
}
