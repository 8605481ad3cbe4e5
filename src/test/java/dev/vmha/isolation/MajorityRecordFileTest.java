package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.datastore.CorruptStateFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The majority record on the host's disk: none at first, the last written read back, a damaged one refused. */
class MajorityRecordFileTest {
  @TempDir Path dir;

  private final MajorityRecord record = new MajorityRecord(Instant.parse("2026-01-01T00:00:03Z"),
      Set.of("host1", "host2", "host3"));

  @Test
  void noneAtFirstThenTheLastWritten() {
    MajorityRecordFile file = new MajorityRecordFile(dir.resolve("data"), Runnable::run);
    assertEquals(Optional.empty(), file.read().toCompletableFuture().join());
    file.write(new MajorityRecord(Instant.parse("2026-01-01T00:00:02Z"), Set.of("host1")));
    file.write(record).toCompletableFuture().join();
    assertEquals(Optional.of(record), new MajorityRecordFile(dir.resolve("data"), Runnable::run).read()
        .toCompletableFuture().join());
  }

  @Test
  void aDamagedRecordIsRefusedWithWhy() throws Exception {
    MajorityRecordFile file = new MajorityRecordFile(dir, Runnable::run);
    file.write(record).toCompletableFuture().join();
    Path f = dir.resolve("majority");
    Files.writeString(f, Files.readString(f).replace("host2", "host9"));
    CompletionException e = assertThrows(CompletionException.class, () -> file.read().toCompletableFuture().join());
    CorruptStateFileException corrupt = assertInstanceOf(CorruptStateFileException.class, e.getCause());
    assertTrue(corrupt.getMessage().endsWith("majority: checksum mismatch"), corrupt.getMessage());
  }
}
