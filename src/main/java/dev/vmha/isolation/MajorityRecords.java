package dev.vmha.isolation;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where the host keeps its {@link MajorityRecord}: a file in the agent's data directory ({@link MajorityRecordFile}),
 * or the simulated host's disk. It outlives the agent: agent restarts, and power losses too.
 */
public interface MajorityRecords {
  /** The record the last agent wrote; empty if none ever was; fails with why if it cannot be trusted. */
  CompletionStage<Optional<MajorityRecord>> read();

  CompletionStage<Void> write(MajorityRecord record);
}
