package dev.vmha.watchdog;

import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.ProcessHypervisor;
import dev.vmha.hypervisor.VmSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's watchdog process ({@code ./vmha watchdog --config F}, type {@code process}): a separate process, so it keeps
 * counting while the agent is dead or frozen (in the lab it runs outside the host's namespace, as a hardware timer
 * sits outside the OS). Every check period it reads the agent's pet file; when an armed watchdog has seen no pet for
 * its timeout ({@link FireRule}) it kills every VM process of the host (SIGKILL of the processes recorded in
 * {@code <data-dir>/vms}, each checked against its recorded start time) and records the firing for the agent. One
 * watchdog process per host: a second one finds the lock taken and stops.
 */
public final class WatchdogProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchdogProcess.class);

  private final String hostId;
  private final Path dir;
  private final Duration timeout;
  private final Duration check;
  private final Hypervisor vms;
  private final Clock clock;
  private final LongSupplier nanos;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "watchdog");
    t.setDaemon(false);
    return t;
  });
  private FileChannel lockFile;
  private FileLock lock;
  private FireRule.State state;

  /**
   * @param check how often the pet file is read: at most an interval (the lease timing counts one interval for it)
   * @param vms the host's VM processes, as its agent's hypervisor records them
   */
  public WatchdogProcess(String hostId, Path dataDir, Duration timeout, Duration check, Hypervisor vms, Clock clock,
      LongSupplier nanos) {
    this.hostId = hostId;
    this.dir = ProcessWatchdog.dir(dataDir);
    this.timeout = timeout;
    this.check = check;
    this.vms = vms;
    this.clock = clock;
    this.nanos = nanos;
  }

  /** Takes the host's watchdog lock, records this process for the agent, and starts checking. */
  public WatchdogProcess start() {
    begin();
    timer.scheduleWithFixedDelay(this::checkSafely, 0, check.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("watchdog of {} started (pid {}): fires {} ms after the last pet", hostId, ProcessHandle.current().pid(),
        timeout.toMillis());
    return this;
  }

  /** Takes the lock and records this process; checks are then run by {@link #start} (or a test). */
  void begin() {
    try {
      Files.createDirectories(dir);
      lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held in this JVM already
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + dir.resolve("lock"), e);
    }
    if (lock == null) throw new IllegalStateException("another watchdog process runs for " + hostId + " (" + dir + ")");
    ProcessHandle self = ProcessHandle.current();
    Properties p = new Properties();
    p.setProperty("pid", Long.toString(self.pid()));
    p.setProperty("started", ProcessHypervisor.startTime(self));
    p.setProperty("timeout", Long.toString(timeout.toMillis()));
    ProcessWatchdog.write(dir.resolve(ProcessWatchdog.PROCESS), p);
    state = FireRule.State.initial(now());
  }

  private Duration now() {
    return Duration.ofNanos(nanos.getAsLong());
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.error("watchdog of {}: check failed: {}", hostId, e.toString()); // checked again next period
    }
  }

  void check() {
    Optional<FireRule.Pet> pet = ProcessWatchdog.read(dir.resolve(ProcessWatchdog.PET))
        .map(p -> new FireRule.Pet(p.getProperty("token", ""), "armed".equals(p.getProperty("state"))));
    boolean wasArmed = state.armed();
    FireRule.Step step = FireRule.observe(state, pet, now(), timeout);
    state = step.state();
    if (state.armed() != wasArmed) LOG.info("watchdog of {} {}", hostId, state.armed() ? "armed" : "disarmed");
    // a VM that could not be stopped is tried again at the next check
    if (step.fire() && !fire(step.unpetted())) state = new FireRule.State(state.token(), state.lastChange(), true, false);
  }

  /** Kills every VM of the host and records the firing; false if a VM may still run. */
  private boolean fire(Duration unpetted) {
    String reason = "not petted for " + unpetted.toMillis() + " ms (timeout " + timeout.toMillis() + " ms)";
    LOG.warn("watchdog of {} FIRES: {}; killing every VM of the host", hostId, reason);
    List<String> stopped = new ArrayList<>();
    List<VmSpec> running = vms.poweredOn().toCompletableFuture().join();
    List<CompletableFuture<Void>> offs = new ArrayList<>();
    for (VmSpec vm : running) {
      offs.add(vms.powerOff(vm.name()).toCompletableFuture().handle((x, err) -> {
        if (err != null) LOG.error("watchdog of {}: {} not stopped: {}", hostId, vm.name(), err.toString());
        else synchronized (stopped) { stopped.add(vm.name()); }
        return null;
      }));
    }
    CompletableFuture.allOf(offs.toArray(CompletableFuture[]::new)).join();
    Properties p = new Properties();
    p.setProperty("at", clock.instant().toString());
    p.setProperty("stopped", String.join(",", stopped.stream().sorted().toList()));
    p.setProperty("reason", reason);
    ProcessWatchdog.write(dir.resolve(ProcessWatchdog.FIRED), p);
    LOG.warn("watchdog of {} stopped {}", hostId, stopped);
    return stopped.size() == running.size();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      if (lock != null) lock.release();
      if (lockFile != null) lockFile.close();
    } catch (IOException e) {
      LOG.warn("watchdog of {}: releasing its lock: {}", hostId, e.toString());
    }
  }
}
