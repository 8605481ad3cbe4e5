package dev.vmha.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.hypervisor.ProcessHypervisor;
import dev.vmha.hypervisor.VmSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog process and the agent's side of it, over real VM processes; the watchdog's checks are run by the test
 * with its monotonic time in the test's hands.
 */
class WatchdogProcessTest {
  private static final Duration W = Duration.ofSeconds(5);
  @TempDir Path dir;
  private ExecutorService io;
  private ProcessHypervisor hv;
  private final AtomicLong nanos = new AtomicLong();
  private WatchdogProcess watchdog;

  @BeforeEach
  void start() {
    io = Executors.newCachedThreadPool();
    hv = new ProcessHypervisor("h1", dir.resolve("vms"), dir.resolve("disks"), Duration.ofSeconds(5), io);
    watchdog = new WatchdogProcess("h1", dir, W, Duration.ofMillis(100), hv, Clock.systemUTC(), nanos::get);
  }

  @AfterEach
  void stop() {
    watchdog.close();
    for (VmSpec vm : hv.poweredOn().toCompletableFuture().join()) hv.powerOff(vm.name()).toCompletableFuture().join();
    io.shutdownNow();
  }

  private void passes(Duration d) {
    nanos.addAndGet(d.toNanos());
    watchdog.check();
  }

  @Test
  void anAgentThatStopsPettingHasEveryVmOfItsHostKilledAndLearnsOfTheFiringAtItsNextPet() {
    hv.powerOn(new VmSpec("db1", 256, 1)).toCompletableFuture().join();
    hv.powerOn(new VmSpec("web1", 256, 1)).toCompletableFuture().join();
    watchdog.begin();
    ProcessWatchdog agent = new ProcessWatchdog(dir, Runnable::run);
    assertEquals(Optional.empty(), agent.arm().toCompletableFuture().join());
    passes(Duration.ZERO);
    passes(Duration.ofSeconds(4));
    agent.pet().toCompletableFuture().join();
    passes(Duration.ZERO); // its next check sees the pet
    passes(Duration.ofSeconds(4));
    assertEquals(2, hv.poweredOn().toCompletableFuture().join().size(), "petted 4 s ago: the VMs run");
    // the agent dies: nobody pets
    passes(Duration.ofSeconds(1));
    assertEquals(List.of(), hv.poweredOn().toCompletableFuture().join(), "5 s without a pet: every VM killed");
    // a restarted agent (a new writer of the pet file) learns what happened, once
    ProcessWatchdog restarted = new ProcessWatchdog(dir, Runnable::run);
    Firing f = restarted.arm().toCompletableFuture().join().orElseThrow();
    assertEquals(List.of("db1", "web1"), f.stopped());
    assertTrue(f.reason().contains("not petted for 5000 ms"), f.reason());
    assertEquals(Optional.empty(), restarted.pet().toCompletableFuture().join());
  }

  /** A planned agent stop must not stop the VMs: after the magic close nothing fires. */
  @Test
  void aDisarmedWatchdogNeverFires() {
    hv.powerOn(new VmSpec("db1", 256, 1)).toCompletableFuture().join();
    watchdog.begin();
    ProcessWatchdog agent = new ProcessWatchdog(dir, Runnable::run);
    agent.arm().toCompletableFuture().join();
    passes(Duration.ZERO);
    agent.disarm().toCompletableFuture().join();
    passes(Duration.ofMinutes(10));
    assertEquals(1, hv.poweredOn().toCompletableFuture().join().size());
  }

  @Test
  void withoutAWatchdogProcessTheAgentCannotArmAndASecondWatchdogForTheHostIsRefused() {
    Throwable none = assertThrows(CompletionException.class,
        () -> new ProcessWatchdog(dir, Runnable::run).arm().toCompletableFuture().join());
    assertTrue(none.getMessage().contains("no watchdog process runs"), none.getMessage());
    watchdog.begin();
    WatchdogProcess second = new WatchdogProcess("h1", dir, W, Duration.ofMillis(100), hv, Clock.systemUTC(),
        nanos::get);
    Throwable taken = assertThrows(IllegalStateException.class, second::begin);
    assertTrue(taken.getMessage().contains("another watchdog process"), taken.getMessage());
    assertFalse(new ProcessWatchdog(dir, Runnable::run).arm().toCompletableFuture().isCompletedExceptionally());
  }
}
