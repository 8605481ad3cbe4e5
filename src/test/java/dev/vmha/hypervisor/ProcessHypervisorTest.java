package dev.vmha.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real process hypervisor with a hung guest: a SIGSTOPped VM process, which ignores SIGTERM until it resumes. */
class ProcessHypervisorTest {
  /** Generous for a loaded 2-core machine, far below "hangs forever". */
  private static final long WAIT_S = 10;

  @TempDir Path dir;
  ExecutorService io;
  ProcessHypervisor hv;

  @BeforeEach
  void start() {
    io = Executors.newCachedThreadPool();
    hv = new ProcessHypervisor("h1", dir.resolve("vms"), dir.resolve("disks"), Duration.ofMillis(500), io);
  }

  @AfterEach
  void stop() throws Exception {
    for (VmSpec vm : await(hv.poweredOn())) {
      pid(vm.name()).ifPresent(h -> { resume(h.pid()); h.destroyForcibly(); });
    }
    io.shutdownNow();
  }

  /**
   * A process's recorded start is its start in clock ticks since boot, which a step of the wall clock between the JVM
   * that recorded it and the one that checks it does not move (the JDK's start instant adds each JVM's own reading of
   * the boot time, in whole seconds).
   */
  @Test
  void aRecordedStartIsInClockTicksSinceBootAndNamesTheLiveProcess() throws IOException {
    ProcessHandle self = ProcessHandle.current();
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String ticks = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    assertEquals("boot-ticks:" + ticks, ProcessHypervisor.startTime(self));
    assertTrue(ProcessHypervisor.live(self.pid(), ProcessHypervisor.startTime(self)).isPresent());
    assertFalse(ProcessHypervisor.live(self.pid(), "boot-ticks:" + (Long.parseLong(ticks) + 1)).isPresent(),
        "a pid that names a process started at another time is not that process");
    assertTrue(ProcessHypervisor.live(self.pid(), self.info().startInstant().orElseThrow().toString()).isPresent(),
        "a start instant an older agent recorded still names its process");
  }

  @Test
  void aHungGuestStallsNoOtherVmAndIsReportedOnUntilItIsReallyGone() throws Exception {
    for (String vm : List.of("hung", "a", "b")) await(hv.powerOn(new VmSpec(vm, 256, 1)));
    ProcessHandle hung = pid("hung").orElseThrow();
    signal("STOP", hung.pid());

    // the guest shutdown returns once the signal is sent, although the guest does not obey it
    await(hv.shutdownGuest("hung"));
    // other VMs' power-offs and the listing complete while the hung guest ignores its shutdown
    await(hv.powerOff("a"));
    assertEquals(List.of("b", "hung"), names(await(hv.poweredOn())));
    await(hv.shutdownGuest("b"));
    awaitListed(List.of("hung"));
    assertTrue(hung.isAlive(), "a stopped process does not obey SIGTERM");

    // the forced power-off kills it (SIGKILL works on a stopped process); only then is it off
    await(hv.powerOff("hung"));
    assertFalse(hung.isAlive());
    assertEquals(List.of(), names(await(hv.poweredOn())));
  }

  @Test
  void aPowerOffThatDoesNotCompleteWithinItsBoundFailsAndTheVmStaysListed() throws Exception {
    await(hv.powerOn(new VmSpec("zombie", 256, 1)));
    await(hv.powerOn(new VmSpec("other", 256, 1)));
    ProcessHandle vm = pid("zombie").orElseThrow();
    // a process a SIGKILL does not end in time stands in for a hung hypervisor: a zombie whose parent does not reap
    // it (like a process in uninterruptible sleep, it stays listed whatever signal it gets)
    Process parent = new ProcessBuilder("bash", "-c", "sleep 1 & echo $!; exec sleep 60").start();
    try {
      long zombie = Long.parseLong(new java.io.BufferedReader(
          new java.io.InputStreamReader(parent.getInputStream())).readLine().trim());
      // the child outlives bash's exec (sleep 0 could end first and be reaped by bash: no zombie, the VM "off"); it is
      // recorded once it is a zombie
      Path stat = Path.of("/proc/" + zombie + "/stat");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (!Files.readString(stat).matches("(?s)\\d+ \\(.*\\) Z .*")) {
        assertTrue(System.nanoTime() < deadline, "sleep 1 became a zombie: " + Files.readString(stat));
        pause();
      }
      repoint("zombie", ProcessHandle.of(zombie).orElseThrow());
      vm.destroyForcibly();
      ExecutionException e = assertThrows(ExecutionException.class, () -> await(hv.powerOff("zombie")));
      assertInstanceOf(HypervisorException.class, e.getCause());
      assertEquals(List.of("other", "zombie"), names(await(hv.poweredOn())), "not confirmed off: still on");
      await(hv.powerOff("other"));
      parent.destroyForcibly().onExit().get(WAIT_S, TimeUnit.SECONDS); // the zombie is reaped with its parent
      awaitListed(List.of());
    } finally {
      parent.destroyForcibly();
    }
  }

  /**
   * A migration hands the VM over: the source's writer has exited when migrateOut completes, the target carries on
   * its sequence, and the disk file (read as lab.Judge reads it) never shows two writers at once.
   */
  @Test
  void aMigrationHandsTheVmOverWithoutTwoWritersOnItsDisk() throws Exception {
    ProcessHypervisor h2 = new ProcessHypervisor("h2", dir.resolve("vms-h2"), dir.resolve("disks"),
        Duration.ofMillis(500), io);
    try {
      await(hv.powerOn(new VmSpec("mover", 256, 1)));
      awaitWrites("mover", 3);
      ProcessHandle source = pid("mover").orElseThrow();
      MigrationImage image = await(hv.migrateOut("mover"));
      assertFalse(source.isAlive(), "the source's writer has exited when migrateOut completes");
      assertEquals(List.of(), names(await(hv.poweredOn())));
      long handedOver = Long.parseLong(image.state());
      List<String> atHandover = disk("mover");
      assertEquals("h1 " + handedOver, atHandover.get(atHandover.size() - 1).replaceFirst(" \\d+$", ""),
          "the state is the last sequence number the source wrote");

      await(h2.migrateIn(image));
      awaitWrites("mover", atHandover.size() + 3);
      assertEquals(List.of("mover"), names(await(h2.poweredOn())));
      await(h2.powerOff("mover"));

      List<String> lines = disk("mover");
      assertEquals("h2 " + (handedOver + 1), lines.get(atHandover.size()).replaceFirst(" \\d+$", ""),
          "the target carries on the source's sequence");
      dev.vmha.demo.DiskCheck.Result check = dev.vmha.demo.DiskCheck.check(lines);
      assertEquals(List.of(), check.overlaps(), "never two writers");
      assertEquals(List.of("h1", "h2"), check.incarnations().stream().map(dev.vmha.demo.DiskCheck.Incarnation::host)
          .toList());
      assertEquals(List.of(), dev.vmha.lab.Judge.twoWriters(java.util.Map.of("mover", lines), 0));
    } finally {
      await(h2.powerOff("mover"));
    }
  }

  @Test
  void migratingOutAVmThatIsNotHereFailsAndChangesNothing() {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(hv.migrateOut("nosuch")));
    assertInstanceOf(HypervisorException.class, e.getCause());
  }

  private List<String> disk(String vm) throws IOException {
    return Files.readAllLines(dir.resolve("disks").resolve(vm + ".disk"));
  }

  private void awaitWrites(String vm, int lines) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    Path f = dir.resolve("disks").resolve(vm + ".disk");
    while ((!Files.exists(f) || Files.readAllLines(f).size() < lines) && System.nanoTime() < end) pause();
    assertTrue(Files.readAllLines(f).size() >= lines, vm + " wrote " + lines + " lines");
  }

  /** Points a VM's record at another process (one the hypervisor's SIGKILL cannot end). */
  private void repoint(String name, ProcessHandle h) throws IOException {
    Path record = dir.resolve("vms").resolve(name + ".vm");
    Properties p = new Properties();
    try (var in = Files.newInputStream(record)) {
      p.load(in);
    }
    p.setProperty("pid", Long.toString(h.pid()));
    p.setProperty("started", ProcessHypervisor.startTime(h));
    try (var out = Files.newOutputStream(record)) {
      p.store(out, "test");
    }
  }

  private java.util.Optional<ProcessHandle> pid(String vm) throws IOException {
    Path record = dir.resolve("vms").resolve(vm + ".vm");
    if (!Files.exists(record)) return java.util.Optional.empty();
    Properties p = new Properties();
    try (var in = Files.newInputStream(record)) {
      p.load(in);
    }
    return ProcessHandle.of(Long.parseLong(p.getProperty("pid")));
  }

  /** Between two polls: 10 ms, not a spin, which took a core from the processes polled for on a 2-core machine. */
  private static void pause() {
    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
  }

  private void awaitListed(List<String> expected) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    List<String> now = names(await(hv.poweredOn()));
    while (!now.equals(expected) && System.nanoTime() < end) {
      pause();
      now = names(await(hv.poweredOn()));
    }
    assertEquals(expected, now);
  }

  private static List<String> names(List<VmSpec> vms) {
    return vms.stream().map(VmSpec::name).sorted().toList();
  }

  private static <T> T await(CompletionStage<T> s) throws ExecutionException, InterruptedException, TimeoutException {
    return s.toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
  }

  private static void resume(long pid) {
    signal("CONT", pid);
  }

  private static void signal(String sig, long pid) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
