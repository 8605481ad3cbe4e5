package dev.vmha.isolation;

import dev.vmha.datastore.HostStateFile;
import dev.vmha.datastore.StateFile;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * The {@link MajorityRecord} in {@code <data-dir>/majority} ({@link HostStateFile}); a write lost with its process
 * leaves an older record, which only makes the next agent fence sooner.
 */
public final class MajorityRecordFile extends HostStateFile<MajorityRecord> implements MajorityRecords {
  static final String KIND = "majority";

  public MajorityRecordFile(Path dataDir, Executor io) {
    super(dataDir, KIND, record -> StateFile.encode(KIND, record),
        (file, text) -> StateFile.decode(file, KIND, text, MajorityRecord.class), io);
  }
}
