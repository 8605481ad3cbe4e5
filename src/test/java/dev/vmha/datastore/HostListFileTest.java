package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.VmProtection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protected list on the master's own disk: none at first, the last written read back, a damaged one refused. */
class HostListFileTest {
  @TempDir Path dir;

  private final ProtectedList list = ProtectedList.empty("host1")
      .with(new VmSpec("vm1", 1024, 1), "host2", VmProtection.defaults(), "host1");

  @Test
  void noneAtFirstThenTheLastWritten() {
    HostListFile file = new HostListFile(dir.resolve("data"), Runnable::run);
    assertEquals(Optional.empty(), file.read().toCompletableFuture().join());
    file.write(ProtectedList.empty("host1"));
    file.write(list).toCompletableFuture().join();
    assertEquals(Optional.of(list), new HostListFile(dir.resolve("data"), Runnable::run).read()
        .toCompletableFuture().join());
  }

  @Test
  void aDamagedListIsRefusedWithWhy() throws Exception {
    HostListFile file = new HostListFile(dir, Runnable::run);
    file.write(list).toCompletableFuture().join();
    Path f = dir.resolve("protected-list");
    Files.writeString(f, Files.readString(f).replace("host2", "host9"));
    CompletionException e = assertThrows(CompletionException.class, () -> file.read().toCompletableFuture().join());
    CorruptStateFileException corrupt = assertInstanceOf(CorruptStateFileException.class, e.getCause());
    assertTrue(corrupt.getMessage().endsWith("protected-list: checksum mismatch"), corrupt.getMessage());
  }
}
