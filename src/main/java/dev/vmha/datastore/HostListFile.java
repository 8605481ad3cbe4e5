package dev.vmha.datastore;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The {@link HostListCopy} in {@code <data-dir>/protected-list} ({@link HostStateFile}). */
public final class HostListFile extends HostStateFile<ProtectedList> implements HostListCopy {
  /** The file, in the data directory, of the epoch this host promised. */
  public static final String PROMISE = "list-promise";

  /** The epoch this host promised, in {@code <data-dir>/list-promise}. */
  public record Promise(long epoch) {}

  private final HostStateFile<Promise> promise;

  public HostListFile(Path dataDir, Executor io) {
    super(dataDir, "protected-list", ProtectedList::encode, ProtectedList::decode, io);
    promise = new HostStateFile<>(dataDir, PROMISE, p -> StateFile.encode(PROMISE, p),
        (file, text) -> StateFile.decode(file, PROMISE, text, Promise.class), io);
  }

  @Override
  public CompletionStage<Long> promised() {
    return promise.read().thenApply(p -> p.map(Promise::epoch).orElse(0L));
  }

  @Override
  public CompletionStage<Long> promise(long epoch) {
    return promise.writeUnless(new Promise(epoch), there -> there.epoch() >= epoch).thenApply(Promise::epoch);
  }

  @Override
  public CompletionStage<ProtectedList> keep(ProtectedList replica) {
    return writeUnless(replica, there -> !replica.replaces(there));
  }
}
