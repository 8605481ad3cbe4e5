package dev.vmha.watchdog;

import dev.vmha.config.WatchdogSettings;
import dev.vmha.hypervisor.ProcessHypervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The agent's side of the host's watchdog process ({@link WatchdogProcess}, {@code ./vmha watchdog}), through files in
 * {@code <data-dir>/watchdog/}: {@code process} (the watchdog's pid and start time, checked at every pet, so a
 * watchdog process that is gone is noticed within an interval), {@code pet} (armed or disarmed, and a token that
 * changes with every pet), {@code fired} (written by the watchdog when it fires, read and removed by the agent). The
 * watchdog process keeps its timer across agent restarts: a restarted agent continues petting the same timer.
 */
public final class ProcessWatchdog implements WatchdogDriver {
  static final String PROCESS = "process";
  static final String PET = "pet";
  static final String FIRED = "fired";

  private final Path dir;
  private final Executor io;
  /** This agent's pets: a fresh prefix per agent, so a restarted agent's first pet differs from its predecessor's. */
  private final String agent = UUID.randomUUID().toString();
  private long counter;

  public ProcessWatchdog(Path dataDir, Executor io) {
    this.dir = dir(dataDir);
    this.io = io;
  }

  /** Where a host's watchdog files live. */
  public static Path dir(Path dataDir) {
    return dataDir.resolve("watchdog");
  }

  @Override
  public WatchdogSettings.Type type() {
    return WatchdogSettings.Type.PROCESS;
  }

  @Override
  public CompletionStage<Optional<Firing>> arm() {
    return pet();
  }

  @Override
  public CompletionStage<Optional<Firing>> pet() {
    return CompletableFuture.supplyAsync(() -> {
      requireProcess();
      writePet(true);
      return takeFiring();
    }, io);
  }

  @Override
  public CompletionStage<Void> disarm() {
    return CompletableFuture.runAsync(() -> writePet(false), io);
  }

  private synchronized void writePet(boolean armed) {
    Properties p = new Properties();
    p.setProperty("state", armed ? "armed" : "disarmed");
    p.setProperty("token", agent + "-" + (++counter));
    write(dir.resolve(PET), p);
  }

  private void requireProcess() {
    Optional<Properties> p = read(dir.resolve(PROCESS));
    boolean alive = p.isPresent() && ProcessHypervisor.live(Long.parseLong(p.get().getProperty("pid", "-1")),
        p.get().getProperty("started", "")).isPresent();
    if (!alive) {
      throw new IllegalStateException("no watchdog process runs for this host (" + dir.resolve(PROCESS)
          + "): start ./vmha watchdog --config <host file>");
    }
  }

  /** A firing the watchdog process recorded, removed once read (the agent makes it an event). */
  private Optional<Firing> takeFiring() {
    Path f = dir.resolve(FIRED);
    Optional<Properties> p = read(f);
    if (p.isEmpty()) return Optional.empty();
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + f, e);
    }
    String vms = p.get().getProperty("stopped", "");
    return Optional.of(new Firing(Instant.parse(p.get().getProperty("at")),
        vms.isEmpty() ? List.of() : Arrays.asList(vms.split(",")), p.get().getProperty("reason", "")));
  }

  static Optional<Properties> read(Path f) {
    Properties p = new Properties();
    try (var in = Files.newInputStream(f)) {
      p.load(in);
      return Optional.of(p);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  /** Written to a temporary file and renamed: a reader never sees half a file. */
  static void write(Path f, Properties p) {
    try {
      Files.createDirectories(f.getParent());
      Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
      try (var out = Files.newOutputStream(tmp)) {
        p.store(out, "vmha watchdog");
      }
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f, e);
    }
  }
}
