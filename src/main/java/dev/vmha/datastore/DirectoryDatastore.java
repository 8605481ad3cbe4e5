package dev.vmha.datastore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * A datastore that is a directory on a shared file system. State lives under {@code <dir>/.vmha/}; every write goes
 * to a temporary file that is renamed over the old one, so readers see the old or the new file, never half of one.
 * The directory itself must exist: a missing mount is an unreachable datastore, not something to create. A corrupt
 * file that is replaced is first kept aside under {@code .vmha/corrupt/}, and every scan reports what lies there until
 * an operator removes it.
 */
public final class DirectoryDatastore implements Datastore {
  static final String LIST_LOCK = "protectedlist-lock";
  /** A VM's lease file is this and the VM's name (public: the simulation names corrupt leases the same way). */
  public static final String LEASE_PREFIX = "lease-";
  static final String LEASE_LOCK_PREFIX = "leaselock-";
  /** Orders the read-compare-writes of the protected list and its lock, as {@link #LEASE_LOCK_PREFIX} does a lease's. */
  static final String LIST_MUTEX = "protectedlist-mutex";
  /**
   * One monitor per mutex file for the agents in this JVM (the simulation runs many); a file lock per mutex orders
   * them against other JVMs. Per lease, not one for all: every renewal of every VM waited behind one lock, and under
   * load that queue grew past hostTimeout and fenced healthy VMs (issue 20).
   */
  private static final java.util.concurrent.ConcurrentHashMap<Path, Object> MUTEXES =
      new java.util.concurrent.ConcurrentHashMap<>();
  public static final String PROTECTED_LIST = "protectedlist";
  /** Where corrupt files are kept once replaced: a subdirectory, so no file name of a VM or host can clash. */
  static final String ASIDE = "corrupt";
  private final Path root;
  private final Path state;
  private final Executor io;

  public DirectoryDatastore(Path root, Executor io) {
    this.root = root;
    this.state = root.resolve(".vmha");
    this.io = io;
  }

  public static Path heartbeatFile(Path root, String host) {
    return root.resolve(".vmha").resolve("host-" + host + "-hb");
  }

  public static Path powerOnFile(Path root, String host) {
    return root.resolve(".vmha").resolve("host-" + host + "-poweron");
  }

  public static Path leaseFile(Path root, String vm) {
    return root.resolve(".vmha").resolve(LEASE_PREFIX + vm);
  }

  @Override
  public String name() {
    return root.getFileName() == null ? root.toString() : root.getFileName().toString();
  }

  @Override
  public CompletionStage<Void> writeHeartbeat(HostHeartbeat hb) {
    return CompletableFuture.runAsync(() -> write(heartbeatFile(root, hb.hostId()), hb.encode()), io);
  }

  @Override
  public CompletionStage<Void> writePowerOn(PowerOnFile f) {
    return CompletableFuture.runAsync(() -> write(powerOnFile(root, f.hostId()), f.encode()), io);
  }

  @Override
  public CompletionStage<Boolean> writeListLock(HostHeartbeat lock, Optional<ListLockSeen> replacing) {
    return CompletableFuture.supplyAsync(() -> underMutex(LIST_MUTEX, () -> {
      Optional<HostHeartbeat> now = readListLockNow();
      boolean mine = ListLockRule.mayWrite(lock.hostId(), now, replacing);
      if (mine) write(state.resolve(LIST_LOCK), lock.encode());
      return mine;
    }), io);
  }

  /** The list lock as it is now; empty if there is none or it is corrupt (the next lock write replaces it). */
  private Optional<HostHeartbeat> readListLockNow() {
    Path f = state.resolve(LIST_LOCK);
    Optional<String> text = read(f);
    if (text.isEmpty()) return Optional.empty();
    try {
      return Optional.of(HostHeartbeat.decode(f, text.get()));
    } catch (CorruptStateFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public CompletionStage<DatastoreScan> scan() {
    return CompletableFuture.supplyAsync(this::scanNow, io);
  }

  @Override
  public CompletionStage<Optional<ProtectedList>> readProtectedList() {
    return CompletableFuture.supplyAsync(() -> {
      Path f = state.resolve(PROTECTED_LIST);
      Optional<String> text = read(f);
      if (text.isEmpty()) return Optional.empty();
      try {
        return Optional.of(ProtectedList.decode(f, text.get()));
      } catch (CorruptStateFileException e) {
        throw new CompletionException(e);
      }
    }, io);
  }

  /**
   * Never replaces a newer version: the master's writes run concurrently on the I/O pool. A corrupt list is replaced,
   * kept aside first.
   */
  @Override
  public CompletionStage<Void> writeProtectedList(ProtectedList list) {
    return CompletableFuture.runAsync(() -> underMutex(LIST_MUTEX, () -> {
      Optional<HostHeartbeat> lock = readListLockNow();
      if (lock.isPresent() && !lock.get().hostId().equals(list.owner())) {
        throw new IllegalStateException("the protected list's lock on " + name() + " is held by "
            + lock.get().hostId() + ", not " + list.owner());
      }
      Path f = state.resolve(PROTECTED_LIST);
      Optional<String> old = read(f);
      if (old.isPresent()) {
        try {
          if (ProtectedList.decode(f, old.get()).version() >= list.version()) return null;
        } catch (CorruptStateFileException e) {
          setAside(f);
        }
      }
      write(f, list.encode());
      return null;
    }), io);
  }

  @Override
  public CompletionStage<Optional<VmLease>> readLease(String vm) {
    return CompletableFuture.supplyAsync(() -> {
      requireMounted();
      return readLeaseNow(vm);
    }, io);
  }

  @Override
  public CompletionStage<Boolean> swapLease(Optional<VmLease> expected, VmLease next) {
    return CompletableFuture.supplyAsync(() -> underMutex(LEASE_LOCK_PREFIX + next.vm(), () -> {
      Optional<VmLease> now = readLeaseNow(next.vm());
      boolean unchanged = expected.isEmpty() ? now.isEmpty() : now.isPresent() && now.get().sameWrite(expected.get());
      if (unchanged) write(leaseFile(root, next.vm()), next.encode());
      return unchanged;
    }), io);
  }

  @Override
  public CompletionStage<Boolean> repairLease(VmLease next) {
    return CompletableFuture.supplyAsync(() -> underMutex(LEASE_LOCK_PREFIX + next.vm(), () -> {
      Path f = leaseFile(root, next.vm());
      try {
        readLeaseNow(next.vm());
        return false;
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof CorruptStateFileException)) throw e;
        setAside(f);
        write(f, next.encode());
        return true;
      }
    }), io);
  }

  @Override
  public CompletionStage<Void> releaseLease(VmLease held) {
    return CompletableFuture.runAsync(() -> underMutex(LEASE_LOCK_PREFIX + held.vm(), () -> {
      Optional<VmLease> now = readLeaseNow(held.vm());
      if (now.isPresent() && now.get().sameWrite(held)) delete(leaseFile(root, held.vm()));
      return null;
    }), io);
  }

  /** A corrupt lease is an error, never a free lease: only a readable file can say nobody holds the VM. */
  private Optional<VmLease> readLeaseNow(String vm) {
    Path f = leaseFile(root, vm);
    Optional<String> text = read(f);
    if (text.isEmpty()) return Optional.empty();
    try {
      return Optional.of(VmLease.decode(f, text.get()));
    } catch (CorruptStateFileException e) {
      throw new CompletionException(e);
    }
  }

  /**
   * Runs a read-compare-write (of a VM's lease, or of the protected list and its lock) atomically against every agent
   * in this JVM and, by a file lock on {@code .vmha/<mutex>}, others.
   */
  private <T> T underMutex(String mutex, java.util.function.Supplier<T> op) {
    requireMounted();
    Path lockFile = state.resolve(mutex);
    synchronized (MUTEXES.computeIfAbsent(lockFile.toAbsolutePath().normalize(), p -> new Object())) {
      try {
        Files.createDirectories(state);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock = ch.lock()) {
          return op.get();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock " + lockFile, e);
      }
    }
  }

  private DatastoreScan scanNow() {
    requireMounted();
    Map<String, HostHeartbeat> hbs = new HashMap<>();
    Map<String, PowerOnFile> powerOn = new HashMap<>();
    Map<String, VmLease> leases = new HashMap<>();
    Map<String, String> corrupt = new HashMap<>();
    if (!Files.isDirectory(state)) return new DatastoreScan(name(), hbs, powerOn, corrupt);
    try (Stream<Path> files = Files.list(state)) {
      for (Path f : files.sorted().toList()) {
        String n = f.getFileName().toString();
        try {
          if (n.equals(PROTECTED_LIST)) {
            Optional<String> t = read(f);
            if (t.isPresent()) ProtectedList.decode(f, t.get());
          }
          if (n.startsWith(LEASE_PREFIX) && !n.endsWith(".tmp")) {
            Optional<String> t = read(f);
            if (t.isPresent()) {
              VmLease l = VmLease.decode(f, t.get());
              leases.put(l.vm(), l);
            }
          }
          if (!n.startsWith("host-")) continue;
          if (n.endsWith("-hb")) {
            Optional<String> t = read(f);
            if (t.isPresent()) {
              HostHeartbeat hb = HostHeartbeat.decode(f, t.get());
              hbs.put(hb.hostId(), hb);
            }
          } else if (n.endsWith("-poweron")) {
            Optional<String> t = read(f);
            if (t.isPresent()) {
              PowerOnFile p = PowerOnFile.decode(f, t.get());
              powerOn.put(p.hostId(), p);
            }
          }
        } catch (CorruptStateFileException e) {
          corrupt.put(n, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + state, e);
    }
    keptAside().forEach(f -> corrupt.put(ASIDE + "/" + f.getFileName(), f
        + ": kept aside after it was found corrupt and replaced; remove it once inspected"));
    HostHeartbeat lock = null;
    Path lockFile = state.resolve(LIST_LOCK);
    Optional<String> t = read(lockFile);
    if (t.isPresent()) {
      try {
        lock = HostHeartbeat.decode(lockFile, t.get());
      } catch (CorruptStateFileException e) {
        corrupt.put(LIST_LOCK, e.getMessage());
      }
    }
    return new DatastoreScan(name(), hbs, powerOn, corrupt, lock, leases);
  }

  private List<Path> keptAside() {
    try (Stream<Path> files = Files.list(state.resolve(ASIDE))) {
      return files.sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + state.resolve(ASIDE), e);
    }
  }

  /** Moves a corrupt file to {@code .vmha/corrupt/<name>.<time>}, where the scans report it and nothing reads it. */
  private void setAside(Path file) {
    try {
      Path dir = Files.createDirectories(state.resolve(ASIDE));
      String at = java.time.Instant.now().toString().replace(':', '-');
      Path to = dir.resolve(file.getFileName() + "." + at);
      for (int i = 1; Files.exists(to); i++) to = dir.resolve(file.getFileName() + "." + at + "-" + i);
      Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the corrupt " + file + " aside", e);
    }
  }

  private void requireMounted() {
    if (!Files.isDirectory(root)) throw new UncheckedIOException(new NoSuchFileException(root + " (datastore not mounted)"));
  }

  private void write(Path file, String text) {
    requireMounted();
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId() + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }

  private static Optional<String> read(Path file) {
    try {
      // lenient decoding: damaged bytes become U+FFFD and fail the checksum, so the file is reported corrupt
      return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
