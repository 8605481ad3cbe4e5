package dev.vmha.datastore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * One record kept in the agent's data directory, {@code <data-dir>/<kind>}, in the state-file format (a checksum
 * line; strict reading: a torn or altered file fails the read with why). Writes run on {@code io} one after another,
 * in order, each to a temporary file renamed over the last; a write lost with its process leaves the older record.
 */
public class HostStateFile<T> {
  /** How a record is read back: the text of {@code file}, or why it cannot be trusted. */
  public interface Decoder<T> {
    T decode(Path file, String text) throws CorruptStateFileException;
  }

  private final Path file;
  private final String kind;
  private final Function<T, String> encoder;
  private final Decoder<T> decoder;
  private final Executor io;
  private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

  protected HostStateFile(Path dataDir, String kind, Function<T, String> encoder, Decoder<T> decoder, Executor io) {
    this.file = dataDir.resolve(kind);
    this.kind = kind;
    this.encoder = encoder;
    this.decoder = decoder;
    this.io = io;
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

  public synchronized CompletionStage<Void> write(T record) {
    String text = encoder.apply(record);
    last = last.exceptionally(e -> null).thenRunAsync(() -> {
      try {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(kind + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }, io);
    return last;
  }
}
