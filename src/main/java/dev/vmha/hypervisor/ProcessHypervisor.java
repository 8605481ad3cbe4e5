package dev.vmha.hypervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * A hypervisor whose VMs are real OS processes (demo and lab). While it runs, a VM appends
 * {@code <host> <seq> <epoch-microseconds>} to its disk file {@code <datastore>/vms/<vm>.disk} every ~100 ms, so
 * that "one VM never runs on two hosts" can be checked on the shared datastore. The host keeps one record per VM
 * ({@code <vm-dir>/<vm>.vm}: pid and process start time), so a restarted agent finds its running VMs again.
 */
public final class ProcessHypervisor implements Hypervisor {
  /** The VM's "guest": appends to its disk until killed; exits cleanly on SIGTERM (guest shutdown). */
  static final String VM_SCRIPT = """
      host=$1; vm=$2; disk=$3; seq=0
      trap 'exit 0' TERM
      while :; do
        seq=$((seq+1))
        printf '%s %d %s\\n' "$host" "$seq" "${EPOCHREALTIME/./}" >> "$disk"
        sleep 0.1 & wait $!
      done
      """;
  /** argv[0] of every VM process, so that a process listing shows what it is. */
  public static final String PROCESS_NAME = "vmha-vm";

  private final String hostId;
  private final Path vmDir;
  private final Path diskDir;
  private final Executor io;

  public ProcessHypervisor(String hostId, Path vmDir, Path datastore, Executor io) {
    this.hostId = hostId;
    this.vmDir = vmDir;
    this.diskDir = datastore.resolve("vms");
    this.io = io;
  }

  public static Path diskFile(Path datastore, String vm) {
    return datastore.resolve("vms").resolve(vm + ".disk");
  }

  @Override
  public CompletionStage<List<VmSpec>> poweredOn() {
    return CompletableFuture.supplyAsync(this::listRunning, io);
  }

  @Override
  public CompletionStage<Void> powerOn(VmSpec vm) {
    return CompletableFuture.runAsync(() -> start(vm), io);
  }

  @Override
  public CompletionStage<Void> powerOff(String vm) {
    return CompletableFuture.runAsync(() -> stop(vm, true), io);
  }

  @Override
  public CompletionStage<Void> shutdownGuest(String vm) {
    return CompletableFuture.runAsync(() -> stop(vm, false), io);
  }

  private synchronized List<VmSpec> listRunning() {
    List<VmSpec> result = new ArrayList<>();
    try (Stream<Path> files = Files.list(ensureDir(vmDir))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".vm")).sorted().toList()) {
        Record r = read(f).orElseThrow(() -> new HypervisorException("unreadable VM record " + f));
        if (r.process().isPresent()) {
          result.add(r.spec());
        } else {
          Files.deleteIfExists(f); // the VM process is gone: it is off
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("listing VMs in " + vmDir, e);
    }
    return result;
  }

  private synchronized void start(VmSpec vm) {
    Path record = vmDir.resolve(vm.name() + ".vm");
    if (read(record).flatMap(Record::process).isPresent()) {
      throw new HypervisorException(vm.name() + " is already on at " + hostId);
    }
    try {
      ensureDir(diskDir);
      ProcessBuilder pb = new ProcessBuilder("bash", "-c", VM_SCRIPT, PROCESS_NAME, hostId, vm.name(),
          diskDir.resolve(vm.name() + ".disk").toString());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      Properties props = new Properties();
      props.setProperty("pid", Long.toString(p.pid()));
      props.setProperty("started", p.info().startInstant().map(Instant::toString).orElse(""));
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

  private synchronized void stop(String vm, boolean hard) {
    Path record = vmDir.resolve(vm + ".vm");
    read(record).flatMap(Record::process).ifPresent(h -> {
      if (hard) h.destroyForcibly(); else h.destroy();
      h.onExit().join();
    });
    try {
      Files.deleteIfExists(record);
    } catch (IOException e) {
      throw new HypervisorException("cannot remove the record of " + vm + ": " + e.getMessage(), e);
    }
  }

  private record Record(VmSpec spec, long pid, String started) {
    /** The live process, if the recorded pid still names the process we started (pids are reused). */
    Optional<ProcessHandle> process() {
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> started.isEmpty() || h.info().startInstant().map(Instant::toString).orElse("").equals(started));
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
