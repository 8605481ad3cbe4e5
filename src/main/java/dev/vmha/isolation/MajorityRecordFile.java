package dev.vmha.isolation;

import dev.vmha.datastore.CorruptStateFileException;
import dev.vmha.datastore.StateFile;
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

/**
 * The {@link MajorityRecord} in {@code <data-dir>/majority}, in the state-file format (a checksum line; strict
 * reading: a torn or altered file fails the read with why). Writes run on {@code io} one after another, in order,
 * each to a temporary file renamed over the last; a write lost with its process leaves an older record, which only
 * makes the next agent fence sooner.
 */
public final class MajorityRecordFile implements MajorityRecords {
  static final String KIND = "majority";

  private final Path file;
  private final Executor io;
  private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

  public MajorityRecordFile(Path dataDir, Executor io) {
    this.file = dataDir.resolve(KIND);
    this.io = io;
  }

  @Override
  public CompletionStage<Optional<MajorityRecord>> read() {
    return CompletableFuture.supplyAsync(() -> {
      try {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        return Optional.of(StateFile.decode(file, KIND, text, MajorityRecord.class));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      } catch (CorruptStateFileException e) {
        throw new CompletionException(e);
      }
    }, io);
  }

  @Override
  public synchronized CompletionStage<Void> write(MajorityRecord record) {
    String text = StateFile.encode(KIND, record);
    last = last.exceptionally(e -> null).thenRunAsync(() -> {
      try {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(KIND + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }, io);
    return last;
  }
}
