package dev.vmha.host;

import dev.vmha.Failures;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.HostListFile;
import dev.vmha.timing.TimingRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What an agent checks on its datastores before it starts: that no other live agent uses its host id, and which
 * datastores it cannot use yet.
 */
public final class StartChecks {
  private StartChecks() {}

  /**
   * Another live agent with this host's id, seen on the datastores ({@link DuplicateHostRule}); blocks for the watch
   * only when a heartbeat of this id was last written from another address. A datastore that does not answer within
   * hostTimeout is skipped: the agent deals with unreachable datastores once it runs.
   */
  public static Optional<String> duplicateHostId(HaSettings s) throws InterruptedException {
    String own = s.hostAddress() + ":" + s.clusterPort();
    ExecutorService io = Executors.newCachedThreadPool();
    try {
      Map<Path, HostHeartbeat> watched = new LinkedHashMap<>();
      for (Path ds : s.datastores()) {
        ownHeartbeat(ds, s, io).filter(hb -> DuplicateHostRule.mustWatch(own, hb)).ifPresent(hb -> watched.put(ds, hb));
      }
      if (watched.isEmpty()) return Optional.empty();
      Thread.sleep(TimingRules.duplicateWatch(s.failureDetectionInterval(), s.leaseTiming().ioDelayMax()).toMillis());
      for (Map.Entry<Path, HostHeartbeat> w : watched.entrySet()) {
        Optional<HostHeartbeat> now = ownHeartbeat(w.getKey(), s, io);
        if (now.isPresent()) {
          Optional<String> other = DuplicateHostRule.otherAgent(w.getKey().toString(), w.getValue(), now.get());
          if (other.isPresent()) return other;
        }
      }
      return Optional.empty();
    } finally {
      io.shutdownNow();
    }
  }

  /**
   * The configured datastores this agent cannot write now, each with why. The agent starts anyway, as vSphere HA's
   * agent does with a datastore down at boot (an NFS mount may come after the host): a host whose heartbeat reaches
   * no datastore fences itself and takes no VMs, so starting is safe, while refusing would leave the host without HA
   * once the mount returns. The caller warns, since a misspelled path never answers.
   */
  public static Map<Path, String> unusableDatastores(HaSettings s) {
    Map<Path, String> unusable = new LinkedHashMap<>();
    for (Path ds : s.datastores()) {
      if (!java.nio.file.Files.exists(ds)) {
        unusable.put(ds, "does not exist (not mounted?)");
      } else if (!java.nio.file.Files.isDirectory(ds)) {
        unusable.put(ds, "is not a directory");
      } else if (!java.nio.file.Files.isWritable(ds)) {
        unusable.put(ds, "is not writable by this agent (read-only mount or permissions)");
      }
    }
    return unusable;
  }

  /**
   * Without datastores, why the epoch this host promised ({@code <data-dir>/list-promise}) cannot be read, if it
   * cannot. The agent does not start then: starting with no promise, this host could store and report as held the
   * lists of a master deposed since it promised its successor's epoch, and that master could act on them.
   */
  public static Optional<String> unreadablePromise(HaSettings s) {
    if (!s.datastores().isEmpty()) return Optional.empty();
    try {
      new HostListFile(s.dataDir(), Runnable::run).promised().toCompletableFuture().join();
      return Optional.empty();
    } catch (java.util.concurrent.CompletionException e) {
      return Optional.of(s.dataDir().resolve(HostListFile.PROMISE).toAbsolutePath() + " cannot be read ("
          + Failures.rootMessage(e) + ")");
    }
  }

  private static Optional<HostHeartbeat> ownHeartbeat(Path ds, HaSettings s, ExecutorService io)
      throws InterruptedException {
    try {
      DatastoreScan scan = new DirectoryDatastore(ds, io).scan().toCompletableFuture()
          .get(s.hostTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return Optional.ofNullable(scan.heartbeats().get(s.hostId()));
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Optional.empty();
    }
  }
}
