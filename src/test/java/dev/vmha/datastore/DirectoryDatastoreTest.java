package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DirectoryDatastore} on a temporary directory, with I/O run on the calling thread. */
class DirectoryDatastoreTest {
  private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");

  @TempDir Path tmp;
  private Path root;
  private DirectoryDatastore ds;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectory(tmp.resolve("ds1"));
    ds = new DirectoryDatastore(root, Runnable::run);
  }

  /** The stage is complete already (direct executor): its value, or the exception it failed with. */
  private static <T> T done(CompletionStage<T> stage) {
    assertTrue(stage.toCompletableFuture().isDone(), "a direct executor completes the stage at once");
    return stage.toCompletableFuture().join();
  }

  private static Throwable failure(CompletionStage<?> stage) {
    assertTrue(stage.toCompletableFuture().isDone());
    CompletionException e = assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return e.getCause();
  }

  private static void overwriteMiddle(Path f) throws Exception {
    byte[] b = Files.readAllBytes(f);
    int mid = b.length / 2;
    for (int i = mid; i < Math.min(b.length - 1, mid + 3); i++) b[i] = (byte) (b[i] == 'X' ? 'Y' : 'X');
    Files.write(f, b);
  }

  private static void truncate(Path f) throws Exception {
    byte[] b = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
  }

  @Test
  void nameIsTheDirectoryName() {
    assertEquals("ds1", ds.name());
  }

  @Test
  void emptyDatastoreScansEmpty() {
    DatastoreScan s = done(ds.scan());
    assertEquals(new DatastoreScan("ds1", Map.of(), Map.of(), Map.of()), s);
    assertEquals(Optional.empty(), done(ds.readProtectedList()));
  }

  @Test
  void writtenFilesAreScanned() {
    HostHeartbeat a = new HostHeartbeat("esxi1", 7, T);
    HostHeartbeat b = new HostHeartbeat("esxi2", 1, T.plusSeconds(1));
    PowerOnFile pa = new PowerOnFile("esxi1", false, List.of(new VmSpec("vm1", 1024, 1)));
    PowerOnFile pb = new PowerOnFile("esxi2", true, List.of(new VmSpec("vm2", 512, 2), new VmSpec("vm3", 256, 1)));
    done(ds.writeHeartbeat(a));
    done(ds.writeHeartbeat(b));
    done(ds.writePowerOn(pa));
    done(ds.writePowerOn(pb));
    DatastoreScan s = done(ds.scan());
    assertEquals("ds1", s.datastore());
    assertEquals(Map.of("esxi1", a, "esxi2", b), s.heartbeats());
    assertEquals(Map.of("esxi1", pa, "esxi2", pb), s.powerOn());
    assertEquals(Map.of(), s.corrupt());
    assertTrue(Files.isRegularFile(DirectoryDatastore.heartbeatFile(root, "esxi1")));
    assertTrue(Files.isRegularFile(DirectoryDatastore.powerOnFile(root, "esxi2")));
  }

  @Test
  void rewriteReplacesAndLeavesNoTemporaryFiles() throws Exception {
    for (long c = 1; c <= 5; c++) done(ds.writeHeartbeat(new HostHeartbeat("esxi1", c, T.plusSeconds(c))));
    assertEquals(5, done(ds.scan()).heartbeats().get("esxi1").counter());
    try (Stream<Path> files = Files.list(root.resolve(".vmha"))) {
      assertEquals(List.of("host-esxi1-hb"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void filePathsFollowTheNamingScheme() {
    assertEquals(root.resolve(".vmha/host-h1-hb"), DirectoryDatastore.heartbeatFile(root, "h1"));
    assertEquals(root.resolve(".vmha/host-h1-poweron"), DirectoryDatastore.powerOnFile(root, "h1"));
  }

  @Test
  void corruptHeartbeatIsReportedNotUsed() throws Exception {
    done(ds.writeHeartbeat(new HostHeartbeat("esxi1", 3, T)));
    done(ds.writeHeartbeat(new HostHeartbeat("esxi2", 4, T)));
    Path f = DirectoryDatastore.heartbeatFile(root, "esxi1");
    overwriteMiddle(f);
    DatastoreScan s = done(ds.scan());
    assertEquals(Map.of("esxi2", new HostHeartbeat("esxi2", 4, T)), s.heartbeats());
    assertEquals(1, s.corrupt().size());
    assertTrue(s.corrupt().get("host-esxi1-hb").contains(f.toString()), s.corrupt().toString());
  }

  @Test
  void truncatedHeartbeatIsReportedNotUsed() throws Exception {
    done(ds.writeHeartbeat(new HostHeartbeat("esxi1", 3, T)));
    Path f = DirectoryDatastore.heartbeatFile(root, "esxi1");
    truncate(f);
    DatastoreScan s = done(ds.scan());
    assertFalse(s.heartbeats().containsKey("esxi1"));
    assertEquals(Map.of("host-esxi1-hb", f + ": truncated (no checksum line)"), s.corrupt());
  }

  @Test
  void emptyHeartbeatFileIsCorrupt() throws Exception {
    done(ds.writeHeartbeat(new HostHeartbeat("esxi1", 3, T)));
    Files.write(DirectoryDatastore.heartbeatFile(root, "esxi1"), new byte[0]);
    DatastoreScan s = done(ds.scan());
    assertEquals(Map.of(), s.heartbeats());
    assertEquals(1, s.corrupt().size());
  }

  @Test
  void invalidUtf8IsCorrupt() throws Exception {
    done(ds.writeHeartbeat(new HostHeartbeat("esxi1", 3, T)));
    Path f = DirectoryDatastore.heartbeatFile(root, "esxi1");
    byte[] b = Files.readAllBytes(f);
    b[b.length / 2] = (byte) 0xff;
    Files.write(f, b);
    DatastoreScan s = done(ds.scan());
    assertEquals(Map.of(), s.heartbeats());
    assertEquals(1, s.corrupt().size());
  }

  @Test
  void corruptPowerOnFileIsReportedNotUsed() throws Exception {
    done(ds.writePowerOn(new PowerOnFile("esxi1", true, List.of(new VmSpec("vm1", 1, 1)))));
    done(ds.writePowerOn(new PowerOnFile("esxi2", false, List.of())));
    Path f = DirectoryDatastore.powerOnFile(root, "esxi1");
    overwriteMiddle(f);
    DatastoreScan s = done(ds.scan());
    assertEquals(Map.of("esxi2", new PowerOnFile("esxi2", false, List.of())), s.powerOn());
    assertEquals(1, s.corrupt().size());
    assertTrue(s.corrupt().get("host-esxi1-poweron").startsWith(f + ": "), s.corrupt().toString());
  }

  @Test
  void heartbeatFileHoldingAnotherKindIsCorrupt() throws Exception {
    done(ds.writePowerOn(new PowerOnFile("esxi1", false, List.of())));
    Files.copy(DirectoryDatastore.powerOnFile(root, "esxi1"), DirectoryDatastore.heartbeatFile(root, "esxi1"));
    DatastoreScan s = done(ds.scan());
    assertEquals(Map.of(), s.heartbeats());
    assertEquals(1, s.corrupt().size());
    assertTrue(s.corrupt().get("host-esxi1-hb").contains("expected a heartbeat file"), s.corrupt().toString());
  }

  @Test
  void otherFilesAreIgnoredByScan() throws Exception {
    done(ds.writeProtectedList(ProtectedList.empty("esxi1").with(new VmSpec("vm1", 1, 1), "esxi1", VmProtection.defaults(), "esxi1")));
    Files.writeString(root.resolve(".vmha/host-esxi9-notes"), "garbage", StandardCharsets.UTF_8);
    Files.writeString(root.resolve(".vmha/README"), "garbage", StandardCharsets.UTF_8);
    Files.writeString(root.resolve("vm1.disk"), "garbage", StandardCharsets.UTF_8);
    assertEquals(new DatastoreScan("ds1", Map.of(), Map.of(), Map.of()), done(ds.scan()));
  }

  @Test
  void protectedListRoundTrip() {
    ProtectedList l = ProtectedList.empty("esxi1")
        .with(new VmSpec("vm1", 1024, 1), "esxi2", VmProtection.defaults(), "esxi1")
        .with(new VmSpec("vm2", 2048, 2), "esxi3", new VmProtection(RestartPriority.HIGH, 2, ReadyCondition.POWERED_ON,
            java.time.Duration.ofSeconds(90), List.of("vm1", "vm0")), "esxi1");
    done(ds.writeProtectedList(l));
    assertEquals(Optional.of(l), done(ds.readProtectedList()));
  }

  @Test
  void protectedListNeverGoesBackToALowerVersion() {
    ProtectedList v1 = ProtectedList.empty("m1").with(new VmSpec("vm1", 1, 1), "h1", VmProtection.defaults(), "m1");
    ProtectedList v2 = v1.with(new VmSpec("vm2", 1, 1), "h2", VmProtection.defaults(), "m1");
    ProtectedList otherV2 = v1.with(new VmSpec("vm9", 1, 1), "h9", VmProtection.defaults(), "m2");
    ProtectedList v3 = v2.without("vm1", "m1");
    done(ds.writeProtectedList(v2));
    done(ds.writeProtectedList(v1));
    assertEquals(Optional.of(v2), done(ds.readProtectedList()), "a lower version does not replace a higher one");
    done(ds.writeProtectedList(otherV2));
    assertEquals(Optional.of(v2), done(ds.readProtectedList()), "an equal version does not replace the stored one");
    done(ds.writeProtectedList(v3));
    assertEquals(Optional.of(v3), done(ds.readProtectedList()));
    done(ds.writeProtectedList(ProtectedList.empty("m1")));
    assertEquals(Optional.of(v3), done(ds.readProtectedList()));
  }

  @Test
  void corruptProtectedListFailsTheReadAndIsReplacedByAGoodOne() throws Exception {
    ProtectedList v5 = new ProtectedList("m1", 5, Map.of());
    done(ds.writeProtectedList(v5));
    Path f = root.resolve(".vmha/protectedlist");
    overwriteMiddle(f);
    Throwable cause = failure(ds.readProtectedList());
    assertInstanceOf(CorruptStateFileException.class, cause);
    assertTrue(cause.getMessage().contains(f.toString()), cause.getMessage());
    ProtectedList v1 = ProtectedList.empty("m2").with(new VmSpec("vm1", 1, 1), "h1", VmProtection.defaults(), "m2");
    done(ds.writeProtectedList(v1));
    assertEquals(Optional.of(v1), done(ds.readProtectedList()), "a corrupt list is replaced, whatever its version");
  }

  /** Strings no name check lets through reach the files anyway: separators, quotes, newlines, unicode, long. */
  static final List<String> HOSTILE = List.of("dns1,evil", "a;b;c", "x=y", "crc32=0", "line\nbreak", "tab\tcr\r",
      "\"quoted\"", "back\\slash", "{\"json\":1}", "", " ", "vmha protectedlist 1", "\u00e9\u4e2d\ud83d\ude00",
      "\u0000nul", "\ud800lone", "x".repeat(10_000));

  /** Issue 20 finding 1: a list holding hostile strings is written by one host and read back by another. */
  @Test
  void hostileStringsRoundTripToAnotherHost() throws Exception {
    ProtectedList l = ProtectedList.empty("m1");
    int i = 0;
    for (String h : HOSTILE) {
      l = l.with(new VmSpec("vm" + i++, 1, 1), h, new VmProtection(RestartPriority.HIGH, 1, ReadyCondition.POWERED_ON,
          java.time.Duration.ofSeconds(5), HOSTILE), h);
      l = l.recovering("vm" + (i - 1), new ProtectedList.Recovery(1, T, h), h);
    }
    done(ds.writeProtectedList(l));
    DirectoryDatastore otherHost = new DirectoryDatastore(root, Runnable::run);
    assertEquals(Optional.of(l), done(otherHost.readProtectedList()));
    for (String h : HOSTILE) {
      done(ds.writeHeartbeat(new HostHeartbeat("h1", 1, T, h)));
      assertEquals(h, done(otherHost.scan()).heartbeats().get("h1").address());
      VmLease lease = new VmLease("db1", h, 1, T);
      Files.deleteIfExists(DirectoryDatastore.leaseFile(root, "db1"));
      done(ds.swapLease(Optional.empty(), lease));
      assertEquals(Optional.of(lease), done(otherHost.readLease("db1")));
    }
    assertEquals(Map.of(), done(otherHost.scan()).corrupt());
  }

  /** Issue 20 finding 8: garbage in the protected list is reported and kept aside, never silently overwritten. */
  @Test
  void aCorruptProtectedListIsReportedByTheScanAndKeptAsideWhenReplaced() throws Exception {
    done(ds.writeProtectedList(new ProtectedList("m1", 5, Map.of())));
    Path f = root.resolve(".vmha/protectedlist");
    Files.writeString(f, "garbage\n");
    DatastoreScan s = done(ds.scan());
    assertEquals(java.util.Set.of("protectedlist"), s.corrupt().keySet());
    assertTrue(s.corrupt().get("protectedlist").contains(f.toString()), s.corrupt().toString());
    ProtectedList v5 = new ProtectedList("m1", 5, Map.of());
    done(ds.writeProtectedList(v5));
    assertEquals(Optional.of(v5), done(ds.readProtectedList()));
    DatastoreScan after = done(ds.scan());
    assertEquals(1, after.corrupt().size(), after.corrupt().toString());
    String aside = after.corrupt().keySet().iterator().next();
    assertTrue(aside.startsWith("corrupt/protectedlist."), aside);
    assertEquals("garbage\n", Files.readString(root.resolve(".vmha").resolve(aside)), "the corrupt file is kept");
  }

  @Test
  void truncatedProtectedListFailsTheRead() throws Exception {
    done(ds.writeProtectedList(new ProtectedList("m1", 5, Map.of())));
    truncate(root.resolve(".vmha/protectedlist"));
    assertInstanceOf(CorruptStateFileException.class, failure(ds.readProtectedList()));
  }

  @Test
  void aListLockIsTakenOnlyOverTheWriteJudgedStaleAndRenewedOnlyByItsOwner() {
    assertTrue(done(ds.writeListLock(new HostHeartbeat("m1", 1, T), Optional.empty())), "a free lock is taken");
    assertTrue(done(ds.writeListLock(new HostHeartbeat("m1", 2, T), Optional.empty())), "its owner renews it");
    // a master that judged an older write stale (or whose write was queued while it was frozen) writes nothing
    assertFalse(done(ds.writeListLock(new HostHeartbeat("m2", 1, T), Optional.empty())));
    assertFalse(done(ds.writeListLock(new HostHeartbeat("m2", 1, T),
        Optional.of(new ListLockSeen("m1", 1, Duration.ofMinutes(1))))));
    assertEquals("m1", done(ds.scan()).listLock().hostId());
    assertTrue(done(ds.writeListLock(new HostHeartbeat("m2", 1, T),
        Optional.of(new ListLockSeen("m1", 2, Duration.ofMinutes(1))))), "taken over the write judged stale");
    assertFalse(done(ds.writeListLock(new HostHeartbeat("m1", 3, T), Optional.empty())), "the old owner lost it");
    assertEquals("m2", done(ds.scan()).listLock().hostId());
  }

  @Test
  void theListIsWrittenOnlyUnderItsOwnersLock() {
    done(ds.writeProtectedList(new ProtectedList("m1", 1, Map.of())));
    done(ds.writeListLock(new HostHeartbeat("m2", 1, T), Optional.empty()));
    Throwable refused = failure(ds.writeProtectedList(new ProtectedList("m1", 2, Map.of())));
    assertTrue(refused.getMessage().contains("held by m2, not m1"), refused.getMessage());
    assertEquals(1, done(ds.readProtectedList()).orElseThrow().version(), "the refused write changed nothing");
    done(ds.writeProtectedList(new ProtectedList("m2", 2, Map.of())));
    assertEquals("m2", done(ds.readProtectedList()).orElseThrow().owner());
  }

  @Test
  void missingDatastoreFailsAndIsNotCreated() {
    Path gone = tmp.resolve("not-mounted");
    DirectoryDatastore missing = new DirectoryDatastore(gone, Runnable::run);
    Throwable scan = failure(missing.scan());
    assertInstanceOf(UncheckedIOException.class, scan);
    assertInstanceOf(NoSuchFileException.class, scan.getCause());
    assertTrue(scan.getMessage().contains("not mounted"), scan.getMessage());
    assertInstanceOf(UncheckedIOException.class, failure(missing.writeHeartbeat(new HostHeartbeat("h1", 1, T))));
    assertInstanceOf(UncheckedIOException.class, failure(missing.writePowerOn(new PowerOnFile("h1", false, List.of()))));
    assertInstanceOf(UncheckedIOException.class, failure(missing.writeProtectedList(ProtectedList.empty("h1"))));
    assertFalse(Files.exists(gone), "an unmounted datastore is never created");
  }

  @Test
  void datastoreUnmountedAfterUseFailsTheScan() throws Exception {
    done(ds.writeHeartbeat(new HostHeartbeat("h1", 1, T)));
    Files.delete(DirectoryDatastore.heartbeatFile(root, "h1"));
    Files.delete(root.resolve(".vmha"));
    Files.delete(root);
    assertInstanceOf(UncheckedIOException.class, failure(ds.scan()));
    assertFalse(Files.exists(root));
  }

  @Test
  void aFileInsteadOfADirectoryIsNotADatastore() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    assertInstanceOf(UncheckedIOException.class, failure(new DirectoryDatastore(file, Runnable::run).scan()));
  }

  @Test
  void aLeaseIsTakenOnlyFromTheStateTheTakerExpectsAndRenewedOnlyByItsHolder() {
    VmLease h2 = VmLease.first("db1", "host2", T);
    assertTrue(done(ds.swapLease(Optional.empty(), h2)), "a free lease is taken");
    assertFalse(done(ds.swapLease(Optional.empty(), VmLease.first("db1", "host3", T))), "no longer free");
    VmLease renewed = h2.renewed(T.plusSeconds(1));
    assertTrue(done(ds.swapLease(Optional.of(h2), renewed)));
    assertEquals(Optional.of(renewed), done(ds.readLease("db1")));
    // a taker that judged the older write expired loses: the holder renewed since
    assertFalse(done(ds.swapLease(Optional.of(h2), h2.takenBy("host3", T))));
    VmLease taken = renewed.takenBy("host3", T.plusSeconds(20));
    assertTrue(done(ds.swapLease(Optional.of(renewed), taken)));
    assertEquals(3, taken.counter(), "the counter keeps growing across holders");
    assertFalse(done(ds.swapLease(Optional.of(renewed), renewed.renewed(T))), "the old holder finds it lost");
    assertEquals(Map.of("db1", taken), done(ds.scan()).leases());
  }

  @Test
  void aLeaseIsReleasedOnlyByTheWriteThatHoldsIt() {
    VmLease h2 = VmLease.first("db1", "host2", T);
    done(ds.swapLease(Optional.empty(), h2));
    done(ds.releaseLease(VmLease.first("db1", "host3", T)));
    assertEquals(Optional.of(h2), done(ds.readLease("db1")), "someone else's release changes nothing");
    done(ds.releaseLease(h2));
    assertEquals(Optional.empty(), done(ds.readLease("db1")));
    assertFalse(Files.exists(DirectoryDatastore.leaseFile(root, "db1")));
  }

  @Test
  void aCorruptLeaseIsNeverAFreeLease() throws Exception {
    done(ds.swapLease(Optional.empty(), VmLease.first("db1", "host2", T)));
    overwriteMiddle(DirectoryDatastore.leaseFile(root, "db1"));
    assertInstanceOf(CorruptStateFileException.class, failure(ds.readLease("db1")));
    assertInstanceOf(CorruptStateFileException.class,
        failure(ds.swapLease(Optional.empty(), VmLease.first("db1", "host3", T))));
    DatastoreScan s = done(ds.scan());
    assertEquals(Map.of(), s.leases());
    assertEquals(1, s.corrupt().size(), s.corrupt().toString());
  }

  @Test
  void aHeartbeatCarriesItsAgentsAddressAndOneWithoutStillReads() {
    HostHeartbeat with = new HostHeartbeat("host2", 7, T, "10.0.0.2:2551");
    done(ds.writeHeartbeat(with));
    done(ds.writeHeartbeat(new HostHeartbeat("host3", 1, T)));
    Map<String, HostHeartbeat> hbs = done(ds.scan()).heartbeats();
    assertEquals(with, hbs.get("host2"));
    assertEquals("", hbs.get("host3").address(), "an older agent's heartbeat has no address");
  }
}
