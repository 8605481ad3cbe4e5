package dev.vmha.datastore;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The {@link HostListCopy} in {@code <data-dir>/protected-list} ({@link HostStateFile}). */
public final class HostListFile extends HostStateFile<ProtectedList> implements HostListCopy {
  /** The file, in the data directory, of the epoch this host promised and to which master. */
  public static final String PROMISE = "list-promise";

  private final HostStateFile<ListPromise> promise;

  public HostListFile(Path dataDir, Executor io) {
    super(dataDir, "protected-list", ProtectedList::encode, ProtectedList::decode, io);
    promise = new HostStateFile<>(dataDir, PROMISE, p -> StateFile.encode(PROMISE, p),
        (file, text) -> StateFile.decode(file, PROMISE, text, ListPromise.class), io);
  }

  @Override
  public CompletionStage<ListPromise> promised() {
    return promise.read().thenApply(p -> p.orElse(ListPromise.NONE));
  }

  @Override
  public CompletionStage<ListPromise> promise(ListPromise p) {
    return promise.writeUnless(p, there -> there.epoch() >= p.epoch());
  }

  @Override
  public CompletionStage<ProtectedList> keep(ProtectedList replica) {
    return writeUnless(replica, there -> !replica.replaces(there));
  }
}
