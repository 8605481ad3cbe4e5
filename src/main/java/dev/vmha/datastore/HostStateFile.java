package dev.vmha.datastore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One record kept in the agent's data directory, {@code <data-dir>/<kind>}, in the state-file format (a checksum
 * line; strict reading: a torn or altered file fails the read with why). Writes run on {@code io} one after another,
 * in order, each to a temporary file forced to disk and renamed over the last, then the directory forced: a write
 * that succeeded survives a power loss of the host; one lost with its process or power leaves the older record.
 */
public class HostStateFile<T> {
  /** How a record is read back: the text of {@code file}, or why it cannot be trusted. */
  public interface Decoder<T> {
    T decode(Path file, String text) throws CorruptStateFileException;
  }

  /** Forces a directory's entries (the rename just made in it) to disk; fails with why if it cannot. */
  interface DirectoryForce {
    void force(Path dir) throws IOException;
  }

  private final Path file;
  private final String kind;
  private final Function<T, String> encoder;
  private final Decoder<T> decoder;
  private final Executor io;
  private final DirectoryForce directoryForce;
  private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

  protected HostStateFile(Path dataDir, String kind, Function<T, String> encoder, Decoder<T> decoder, Executor io) {
    this(dataDir, kind, encoder, decoder, io, HostStateFile::forceDirectory);
  }

  HostStateFile(Path dataDir, String kind, Function<T, String> encoder, Decoder<T> decoder, Executor io,
      DirectoryForce directoryForce) {
    this.file = dataDir.resolve(kind);
    this.kind = kind;
    this.encoder = encoder;
    this.decoder = decoder;
    this.io = io;
    this.directoryForce = directoryForce;
  }

  /** The record the last agent wrote; empty if none ever was; fails with why if it cannot be trusted. */
  public CompletionStage<Optional<T>> read() {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Optional.of(decoder.decode(file, Files.readString(file, StandardCharsets.ISO_8859_1)));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      } catch (CorruptStateFileException e) {
        throw new CompletionException(e);
      }
    }, io);
  }

  /** Completes once the record is on disk; fails with the file and why it could not be written. */
  public synchronized CompletionStage<Void> write(T record) {
    String text = encoder.apply(record);
    last = last.exceptionally(e -> null).thenRunAsync(() -> store(text), io);
    return last;
  }

  /**
   * Writes {@code record} in turn with the other writes, unless the record on disk then is one {@code kept} keeps (a
   * record that cannot be read is replaced); completes with the record on disk after it, or fails as a write does.
   */
  public synchronized CompletionStage<T> writeUnless(T record, Predicate<T> kept) {
    String text = encoder.apply(record);
    CompletableFuture<T> onDisk = last.exceptionally(e -> null).thenApplyAsync(x -> {
      Optional<T> there = readable();
      if (there.isPresent() && kept.test(there.get())) return there.get();
      store(text);
      return record;
    }, io);
    last = onDisk.thenApply(x -> null);
    return onDisk;
  }

  /** The record on disk, if there is one that can be read. */
  private Optional<T> readable() {
    try {
      return Optional.of(decoder.decode(file, Files.readString(file, StandardCharsets.ISO_8859_1)));
    } catch (IOException | CorruptStateFileException e) {
      return Optional.empty();
    }
  }

  private void store(String text) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(kind + ".tmp");
      // the content on disk before the rename: else a power loss may leave the new name on an empty file
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = StandardCharsets.US_ASCII.newEncoder().encode(CharBuffer.wrap(text));
        while (bytes.hasRemaining()) out.write(bytes);
        out.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try {
        directoryForce.force(file.getParent());
      } catch (IOException refused) {
        // some platforms and filesystems refuse to open or sync a directory (Windows opens none as a channel;
        // some network and FUSE filesystems answer EINVAL): there the rename is as durable as the filesystem
        // makes it — a power loss may leave the older record, never a torn or empty one, as the content was forced
      }
    } catch (IOException e) {
      // the file and the reason in the message: a root cause such as AccessDeniedException names only a path
      IOException why = new IOException("cannot write " + file + ": " + e);
      why.addSuppressed(e);
      throw new UncheckedIOException(why);
    }
  }

  /** On Linux a directory's entries reach the disk by syncing the directory, opened read-only. */
  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
