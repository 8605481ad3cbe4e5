package dev.vmha.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The lock on {@code <data-dir>/agent.lock} that makes one agent the only user of its data directory (history
 * database, VM records, watchdog state). The agent holds it exclusively for its whole life and writes its pid into
 * the file; {@code ./vmha history} takes it shared while it reads the history file, so that several readers may read
 * at once but never beside an agent (then they ask the agent's API). The operating system drops the lock when its
 * process dies, kill -9 included, so a stale file never blocks a restart.
 */
public final class DataDirLock implements AutoCloseable {
  public static final String FILE = "agent.lock";

  /**
   * How long a starting agent waits for history readers to let go: a reader holds the lock for one read of two
   * journals (well under a second), so readers still there after this are stuck and the agent refuses to start.
   */
  public static final Duration READERS_WAIT = Duration.ofSeconds(10);

  /** Empty for a reader of a data directory that does not exist (nothing to lock, no agent there). */
  private final Optional<FileChannel> channel;

  private DataDirLock(Optional<FileChannel> channel) {
    this.channel = channel;
  }

  /** Who holds a lock this process could not take. */
  public enum Holder { AGENT, READERS }

  /** The outcome of one attempt. */
  public sealed interface Attempt {}

  public record Acquired(DataDirLock lock) implements Attempt {}

  /** @param who the pid and host the holding agent wrote, or that history readers hold it */
  public record Held(Holder holder, String who) implements Attempt {}

  /** The agent's attempt: exclusive; on success the file names this process. Creates the data directory if missing. */
  public static Attempt agent(Path dataDir, String hostId) throws IOException {
    Files.createDirectories(dataDir);
    FileChannel ch = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock l = tryLock(ch, false);
    if (l == null) {
      // a shared lock taken where the exclusive one was refused means that only readers hold it
      FileLock shared = tryLock(ch, true);
      Holder h = shared == null ? Holder.AGENT : Holder.READERS;
      if (shared != null) shared.release();
      String who = h == Holder.READERS ? "history readers (./vmha history, explain or replay)" : holder(ch);
      ch.close();
      return new Held(h, who);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", agent of " + hostId + ", since "
        + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    ch.force(false);
    return new Acquired(new DataDirLock(Optional.of(ch)));
  }

  /** The agent's attempt, repeated while only history readers hold the lock, for at most {@link #READERS_WAIT}. */
  public static Attempt agentAfterReaders(Path dataDir, String hostId) throws IOException, InterruptedException {
    Instant until = Instant.now().plus(READERS_WAIT);
    while (true) {
      Attempt a = agent(dataDir, hostId);
      if (!(a instanceof Held h && h.holder() == Holder.READERS) || Instant.now().isAfter(until)) return a;
      Thread.sleep(100);
    }
  }

  /**
   * A history reader's attempt: shared. A missing data directory has no agent and is not created (the reader then
   * finds no history), so the lock is taken only where the directory exists.
   */
  public static Attempt reader(Path dataDir) throws IOException {
    if (!Files.isDirectory(dataDir)) return new Acquired(new DataDirLock(Optional.empty()));
    FileChannel ch = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock l = tryLock(ch, true);
    if (l == null) {
      String who = holder(ch);
      ch.close();
      return new Held(Holder.AGENT, who);
    }
    return new Acquired(new DataDirLock(Optional.of(ch)));
  }

  /** Null when another holder's lock excludes this one, in this process too (the JVM refuses overlapping locks). */
  private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
    try {
      return ch.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private static String holder(FileChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(512);
    int n = ch.read(b, 0);
    String text = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip();
    return text.isEmpty() ? "a process that has not written its pid yet" : text;
  }

  @Override
  public void close() throws IOException {
    // closing the channel releases its lock
    if (channel.isPresent()) channel.get().close();
  }
}
