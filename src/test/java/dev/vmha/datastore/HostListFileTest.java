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

/**
 * The protected list on a host's own disk: none at first, the last written read back, a damaged one refused; a
 * replica stored never replaces a newer list.
 */
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

  /**
   * The epoch promised and to whom: none at first, then the latest, never an earlier one over it nor the same epoch to
   * another master; read by the next agent.
   */
  @Test
  void aPromiseIsKeptUnlessALaterOneIsThere() {
    HostListFile file = new HostListFile(dir, Runnable::run);
    ListPromise three = new ListPromise(3, "host3");
    assertEquals(ListPromise.NONE, file.promised().toCompletableFuture().join());
    assertEquals(three, file.promise(three).toCompletableFuture().join());
    assertEquals(three, file.promise(new ListPromise(2, "host2")).toCompletableFuture().join(),
        "an earlier epoch does not replace it");
    assertEquals(three, file.promise(new ListPromise(3, "host2")).toCompletableFuture().join(),
        "nor the same epoch to another master");
    assertEquals(three, new HostListFile(dir, Runnable::run).promised().toCompletableFuture().join());
    assertTrue(Files.exists(dir.resolve("list-promise")));
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

  @Test
  void aReplicaIsStoredUnlessTheListOnDiskIsNewerOrTheSame() throws Exception {
    HostListFile file = new HostListFile(dir, Runnable::run);
    assertEquals(list, file.keep(list).toCompletableFuture().join(), "none there: stored");
    ProtectedList newer = list.with(new VmSpec("vm2", 512, 1), "host3", VmProtection.defaults(), "host1");
    file.write(newer).toCompletableFuture().join();
    assertEquals(newer, file.keep(list).toCompletableFuture().join(), "a newer list there stays");
    assertEquals(Optional.of(newer), file.read().toCompletableFuture().join());
    Path f = dir.resolve("protected-list");
    long written = Files.getLastModifiedTime(f).toMillis();
    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(written - 60_000));
    assertEquals(newer, file.keep(newer).toCompletableFuture().join());
    assertEquals(written - 60_000, Files.getLastModifiedTime(f).toMillis(), "the same list: not written again");

    ProtectedList sameVersionElsewhere = new ProtectedList("host3", newer.version(), newer.vms());
    assertEquals(sameVersionElsewhere, file.keep(sameVersionElsewhere).toCompletableFuture().join(),
        "another list of the same version replaces it, as a slave's replica does in memory");
    Files.writeString(f, "damaged");
    assertEquals(list, file.keep(list).toCompletableFuture().join(), "a list that cannot be read is replaced");
    assertEquals(Optional.of(list), file.read().toCompletableFuture().join());
  }
}
