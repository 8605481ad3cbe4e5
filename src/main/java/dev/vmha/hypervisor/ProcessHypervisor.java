package dev.vmha.hypervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A hypervisor whose VMs are real OS processes (demo and lab). While it runs, a VM appends
 * {@code <host> <seq> <epoch-microseconds>} to its disk file {@code <disk-dir>/<vm>.disk} every ~100 ms, so that
 * "one VM never runs on two hosts" can be checked on the shared disk directory (a datastore's {@code vms} by default). The host keeps one record per VM
 * ({@code <vm-dir>/<vm>.vm}: pid and process start time), so a restarted agent finds its running VMs again.
 */
public final class ProcessHypervisor implements Hypervisor {
  /**
   * The VM's "guest": appends to its disk until killed; exits cleanly on SIGTERM (guest shutdown, or the pause of a
   * migration), never in the middle of a line. Its state is its sequence number, which a migrated VM carries on.
   */
  static final String VM_SCRIPT = """
      host=$1; vm=$2; disk=$3; seq=$4
      trap 'exit 0' TERM
      while :; do
        seq=$((seq+1))
        printf '%s %d %s\\n' "$host" "$seq" "${EPOCHREALTIME/./}" >> "$disk"
        sleep 0.1 & wait $!
      done
      """;
  /** argv[0] of every VM process, so that a process listing shows what it is. */
  public static final String PROCESS_NAME = "vmha-vm";
  /** How a start recorded in clock ticks since boot begins ({@link #startTime}). */
  private static final String BOOT_TICKS = "boot-ticks:";

  private final String hostId;
  private final Path vmDir;
  private final Path diskDir;
  private final Duration powerOffMax;
  private final Executor io;
  /**
   * One lock per VM, held only while its record and process are inspected or changed, never while a process is
   * waited for: a guest that ignores its shutdown, or a process that will not die, stalls no other VM's call.
   */
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * @param diskDir where the VMs' disk files are written (shared by the hosts, so a judge sees every writer)
   * @param powerOffMax how long a power-off may take: one whose process has not exited by then fails
   */
  public ProcessHypervisor(String hostId, Path vmDir, Path diskDir, Duration powerOffMax, Executor io) {
    this.hostId = hostId;
    this.vmDir = vmDir;
    this.diskDir = diskDir;
    this.powerOffMax = powerOffMax;
    this.io = io;
  }

  /** The disk directory of VMs whose disks live on a datastore (the default without vmha.hypervisor.disk-dir). */
  public static Path diskDir(Path datastore) {
    return datastore.resolve("vms");
  }

  public static Path diskFile(Path datastore, String vm) {
    return diskDir(datastore).resolve(vm + ".disk");
  }

  @Override
  public CompletionStage<List<VmSpec>> poweredOn() {
    return CompletableFuture.supplyAsync(this::listRunning, io);
  }

  @Override
  public CompletionStage<Void> powerOn(VmSpec vm) {
    return CompletableFuture.runAsync(() -> start(vm, 0), io);
  }

  /**
   * The guest is stopped cleanly (SIGTERM; SIGKILL if it has not exited within powerOffMax), and only once its
   * process has exited is its state read: the last sequence number this host wrote to the disk file.
   */
  @Override
  public CompletionStage<MigrationImage> migrateOut(String vm) {
    return CompletableFuture.supplyAsync(() -> {
      synchronized (lock(vm)) {
        Optional<Record> r = read(vmDir.resolve(vm + ".vm")).filter(x -> x.process().isPresent());
        if (r.isEmpty()) throw new HypervisorException(vm + " is not on at " + hostId);
        r.get().process().get().destroy();
        return r.get();
      }
    }, io).thenCompose(r -> {
      ProcessHandle p = r.process().orElse(null);
      if (p == null) return CompletableFuture.completedFuture(r);
      return p.onExit().orTimeout(powerOffMax.toMillis(), TimeUnit.MILLISECONDS)
          .exceptionallyCompose(e -> {
            p.destroyForcibly();
            return p.onExit().orTimeout(powerOffMax.toMillis(), TimeUnit.MILLISECONDS);
          })
          .handle((x, e) -> {
            if (e != null) {
              throw new HypervisorException(vm + " at " + hostId + " did not stop for its migration (pid " + p.pid()
                  + ")", e);
            }
            return r;
          });
    }).thenApplyAsync(r -> {
      forget(vm);
      return new MigrationImage(r.spec(), Long.toString(lastSeq(vm)));
    }, io);
  }

  /** Starts the guest from the sequence number its source stopped at. */
  @Override
  public CompletionStage<Void> migrateIn(MigrationImage image) {
    return CompletableFuture.runAsync(() -> {
      long seq;
      try {
        seq = Long.parseLong(image.state());
      } catch (NumberFormatException e) {
        throw new HypervisorException("cannot migrate " + image.vm().name() + " in: its state '" + image.state()
            + "' is not a sequence number", e);
      }
      start(image.vm(), seq);
    }, io);
  }

  /** The last sequence number this host's run of the VM wrote (0: none), read once its writer has exited. */
  private long lastSeq(String vm) {
    Path disk = diskDir.resolve(vm + ".disk");
    if (!Files.isRegularFile(disk)) return 0;
    try (Stream<String> lines = Files.lines(disk)) {
      return lines.map(l -> l.split(" ")).filter(f -> f.length == 3 && f[0].equals(hostId))
          .reduce((a, b) -> b).map(f -> Long.parseLong(f[1])).orElse(0L);
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      throw new HypervisorException("cannot read the state of " + vm + " from " + disk + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL, then waits (without holding a thread) for the process to exit, for at most powerOffMax. */
  @Override
  public CompletionStage<Void> powerOff(String vm) {
    return CompletableFuture.supplyAsync(() -> signal(vm, true), io).thenCompose(h -> h
        .map(p -> p.onExit().orTimeout(powerOffMax.toMillis(), TimeUnit.MILLISECONDS)
            .handle((x, e) -> {
              if (e != null) {
                throw new HypervisorException(vm + " at " + hostId + " is not off " + powerOffMax.toMillis()
                    + " ms after SIGKILL (pid " + p.pid() + ")", e);
              }
              return null;
            })
            .thenRunAsync(() -> forget(vm), io))
        .orElseGet(() -> CompletableFuture.runAsync(() -> forget(vm), io)));
  }

  /** Sends SIGTERM and returns: the guest is off once {@link #poweredOn()} no longer lists it. */
  @Override
  public CompletionStage<Void> shutdownGuest(String vm) {
    return CompletableFuture.runAsync(() -> signal(vm, false), io);
  }

  private Object lock(String vm) {
    return locks.computeIfAbsent(vm, k -> new Object());
  }

  private List<VmSpec> listRunning() {
    List<VmSpec> result = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(ensureDir(vmDir))) {
      files = list.filter(p -> p.toString().endsWith(".vm")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing VMs in " + vmDir, e);
    }
    for (Path f : files) {
      String vm = f.getFileName().toString().replaceFirst("\\.vm$", "");
      synchronized (lock(vm)) {
        Optional<Record> r = read(f);
        if (r.isEmpty()) continue; // removed meanwhile: off
        if (r.get().process().isPresent()) {
          result.add(r.get().spec());
        } else {
          delete(f); // the VM process is gone: it is off
        }
      }
    }
    return result;
  }

  private void start(VmSpec vm, long seq) {
    synchronized (lock(vm.name())) {
      Path record = vmDir.resolve(vm.name() + ".vm");
      if (read(record).flatMap(Record::process).isPresent()) {
        throw new HypervisorException(vm.name() + " is already on at " + hostId);
      }
      try {
        ensureDir(diskDir);
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", VM_SCRIPT, PROCESS_NAME, hostId, vm.name(),
            diskDir.resolve(vm.name() + ".disk").toString(), Long.toString(seq));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        Properties props = new Properties();
        props.setProperty("pid", Long.toString(p.pid()));
        props.setProperty("started", startTime(p.toHandle()));
        props.setProperty("memoryMb", Long.toString(vm.memoryMb()));
        props.setProperty("cpus", Integer.toString(vm.cpus()));
        Path tmp = ensureDir(vmDir).resolve(vm.name() + ".vm.tmp");
        try (var out = Files.newOutputStream(tmp)) {
          props.store(out, "vmha VM process");
        }
        Files.move(tmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new HypervisorException("cannot start " + vm.name() + " at " + hostId + ": " + e.getMessage(), e);
      }
    }
  }

  /** Signals the VM's process (SIGKILL or SIGTERM) and returns it, if it runs. */
  private Optional<ProcessHandle> signal(String vm, boolean hard) {
    synchronized (lock(vm)) {
      Optional<ProcessHandle> h = read(vmDir.resolve(vm + ".vm")).flatMap(Record::process);
      h.ifPresent(p -> { if (hard) p.destroyForcibly(); else p.destroy(); });
      return h;
    }
  }

  /** Removes the record of a VM whose process is gone; a VM started again meanwhile keeps its new record. */
  private void forget(String vm) {
    synchronized (lock(vm)) {
      Path record = vmDir.resolve(vm + ".vm");
      if (read(record).flatMap(Record::process).isEmpty()) delete(record);
    }
  }

  private static void delete(Path record) {
    try {
      Files.deleteIfExists(record);
    } catch (IOException e) {
      throw new HypervisorException("cannot remove the VM record " + record + ": " + e.getMessage(), e);
    }
  }

  private record Record(VmSpec spec, long pid, String started) {
    /** The live process, if the recorded pid still names the process we started (pids are reused). */
    Optional<ProcessHandle> process() {
      return live(pid, started);
    }
  }

  /**
   * The live process {@code pid}, if it started at {@code started} (its recorded start, {@link #startTime}; "" =
   * unknown; a start instant as agents before boot ticks recorded it is compared as such).
   */
  public static Optional<ProcessHandle> live(long pid, String started) {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(h -> started.isEmpty() || started.equals(startTime(h)) || started.equals(startInstant(h)));
  }

  /**
   * A process's start as recorded with it, so that a reused pid is never taken for it. On Linux its start in clock
   * ticks since boot ({@code /proc/<pid>/stat}, field 22), which no clock change moves: the JDK's start instant adds
   * the boot time each JVM reads once, in whole seconds, from {@code /proc/stat}, and a step of the wall clock between
   * two JVMs moves it, so a restarted agent would take its watchdog process or its VMs for gone. Elsewhere that
   * instant.
   */
  public static String startTime(ProcessHandle h) {
    return bootTicks(h.pid()).map(t -> BOOT_TICKS + t).orElseGet(() -> startInstant(h));
  }

  private static String startInstant(ProcessHandle h) {
    return h.info().startInstant().map(Instant::toString).orElse("");
  }

  private static Optional<String> bootTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command (field 2) may hold spaces and parentheses: the fields after its last ')' start at field 3
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(fields[19]).filter(f -> f.chars().allMatch(Character::isDigit));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Record> read(Path f) {
    if (!Files.isRegularFile(f)) return Optional.empty();
    Properties props = new Properties();
    try (var in = Files.newInputStream(f)) {
      props.load(in);
      String name = f.getFileName().toString().replaceFirst("\\.vm$", "");
      VmSpec spec = new VmSpec(name, Long.parseLong(props.getProperty("memoryMb")),
          Integer.parseInt(props.getProperty("cpus")));
      return Optional.of(new Record(spec, Long.parseLong(props.getProperty("pid")), props.getProperty("started", "")));
    } catch (IOException | RuntimeException e) {
      // records are written to a temporary file and renamed, so this is damage from outside: never guess
      throw new HypervisorException("unreadable VM record " + f + ": " + e.getMessage(), e);
    }
  }

  private static Path ensureDir(Path d) {
    try {
      return Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + d, e);
    }
  }
}
