package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.Failures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record on the host's disk survives a power loss once its write succeeded: its content is forced before the
 * rename, the directory after it; a filesystem that refuses the directory's force does not fail the write, and a
 * write that fails names the file and why.
 */
class HostStateFileTest {
  @TempDir Path dir;

  private final List<Path> forced = new CopyOnWriteArrayList<>();

  private HostStateFile<String> file(Path dataDir, HostStateFile.DirectoryForce force) {
    return new HostStateFile<>(dataDir, "record", text -> text, (f, text) -> text, Runnable::run, force);
  }

  @Test
  void aWriteLeavesTheRecordNoTemporaryFileAndForcesTheDirectoryAfterTheRename() {
    Path data = dir.resolve("data");
    List<String> renamed = new CopyOnWriteArrayList<>();
    HostStateFile<String> file = file(data, d -> {
      renamed.add(Files.readString(d.resolve("record")));
      forced.add(d);
    });
    file.write("v1");
    file.write("v2").toCompletableFuture().join();
    assertEquals(List.of(data, data), forced);
    assertEquals(List.of("v1", "v2"), renamed, "each forced after its rename");
    assertFalse(Files.exists(data.resolve("record.tmp")), "the temporary file is renamed away");
    assertEquals(Optional.of("v2"), file(data, forced::add).read().toCompletableFuture().join());
  }

  @Test
  void aDirectoryTheFilesystemRefusesToForceDoesNotFailTheWrite() {
    HostStateFile<String> file = file(dir, d -> {
      throw new IOException("Invalid argument");
    });
    file.write("v1").toCompletableFuture().join();
    assertEquals(Optional.of("v1"), file.read().toCompletableFuture().join());
  }

  @Test
  void theRealDirectoryForceHoldsOnThisFilesystem() {
    HostListFile file = new HostListFile(dir, Runnable::run);
    file.write(ProtectedList.empty("host1")).toCompletableFuture().join();
    assertEquals(Optional.of(ProtectedList.empty("host1")), file.read().toCompletableFuture().join());
  }

  @Test
  void aWriteThatFailsNamesTheFileAndWhy() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("data"), "a file where the data directory should be");
    CompletionException e = assertThrows(CompletionException.class,
        () -> file(notADirectory, forced::add).write("v1").toCompletableFuture().join());
    String why = Failures.rootMessage(e);
    assertTrue(why.startsWith("cannot write " + notADirectory.resolve("record") + ": "), why);
    assertTrue(why.contains("FileAlreadyExistsException"), why);
    assertEquals(List.of(), forced);
  }
}
