package dev.vmha.datastore;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The {@link HostListCopy} in {@code <data-dir>/protected-list} ({@link HostStateFile}). */
public final class HostListFile extends HostStateFile<ProtectedList> implements HostListCopy {
  public HostListFile(Path dataDir, Executor io) {
    super(dataDir, "protected-list", ProtectedList::encode, ProtectedList::decode, io);
  }

  @Override
  public CompletionStage<ProtectedList> keep(ProtectedList replica) {
    return writeUnless(replica, there -> !replica.replaces(there));
  }
}
