package dev.vmha.sim;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.master.OperationResult;
import dev.vmha.testing.TestTls;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What the simulated-cluster tests share: fast settings, and waiting on a cluster while checking its ground truth —
 * no VM on two hosts at once — on every poll, not only at the end. A failure names {@code context} (how the test got
 * here), the ground truth and every host's decisions.
 */
final class ClusterWatch {
  static final double FACTOR = Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"));
  static final Duration ASK = Duration.ofSeconds(3);
  private static final long POLL_NANOS = 50_000_000;

  private final SimulatedCluster cluster;
  private final Supplier<String> context;

  ClusterWatch(SimulatedCluster cluster, Supplier<String> context) {
    this.cluster = cluster;
    this.context = context;
  }

  /**
   * The timeouts of the tests, scaled down from vSphere's (interval 200 ms, hostTimeout 2 s, election window 1 s) so a
   * case takes seconds; isolation response power-off, so an isolated host's VMs come back elsewhere.
   * Over TLS with the test run's stores, as every cluster (an agent that stops in one JVM used to hang over TLS:
   * cluster.TransportShutdownGuard).
   */
  static Config fastSettings() {
    return ConfigFactory.parseString("""
        das.failuredetectioninterval = 200ms
        das.config.fdm.hostTimeout = 2s
        das.config.fdm.icmpPingTimeout = 500ms
        das.config.fdm.deadIcmpPingInterval = 2s
        das.usedefaultisolationaddress = false
        das.isolationaddress1 = "127.0.0.1"
        vmha.election.window = 1s
        vmha.host.memory-mb = 4096
        vmha.isolation.response = "power-off"
        vmha.restart.power-on-timeout = 5s
        vmha.restart.retry-base-delay = 1s
        vmha.lease { io-delay-max = 200ms, power-off-max = 200ms }
        """).withFallback(TestTls.settings());
  }
  /**
   * The fast settings for a cluster with this many datastores. Without datastores, over TLS, a removed minority's next
   * incarnation did not rejoin in time on a loaded machine (PartitionHealTest, and CanonicalCasesTest's removed host
   * on 2026-12-02: it joined, heard no ballot or master heartbeat for 60 s and elected itself; not investigated yet,
   * see issue 20's note): plain TCP for those clusters until it is.
   */
  static Config fastSettings(int datastores) {
    // without datastores the election window must stay below (hostTimeout - 2 x interval) / 2: the derived 400 ms
    return datastores > 0 ? fastSettings()
        : ConfigFactory.parseString("vmha.tls.transport = \"plain-tcp\"\nvmha.election.window = \"\"")
            .withFallback(fastSettings());
  }


  /** Waits until {@code done} holds, at most {@code seconds} × the time factor; checks safety on every poll. */
  void await(String what, double seconds, BooleanSupplier done) {
    if (!within(seconds, done)) fail("timed out waiting for " + what + "\n" + report());
  }

  /** Whether {@code done} holds within {@code seconds} × the time factor; checks safety on every poll. */
  boolean within(double seconds, BooleanSupplier done) {
    long deadline = System.nanoTime() + (long) (seconds * FACTOR * 1e9);
    while (true) {
      assertSafe();
      if (done.getAsBoolean()) return true;
      if (System.nanoTime() >= deadline) return false;
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * Powers a VM on through the master at {@code host}, asking again while the answer is a refusal that passes: a
   * master elected just after another briefly was takes the protected-list lock once the other's stood still; or
   * until the VM runs there, when the answer was slower than the ask (the start awaits the list write). An answer that
   * the VM is protected already counts as done (power-on is idempotent per name).
   */
  void powerOn(String master, VmSpec vm, String host) {
    await(vm.name() + " powered on at " + host, 30, () -> {
      try {
        OperationResult r = cluster.powerOn(master, vm, host, ASK);
        if (r.ok() || r.alreadyProtected()) return true;
      } catch (Exception slowerThanTheAsk) {
        // the VM may be starting: asked again, it is refused as protected, and then runs there
      }
      return cluster.running().getOrDefault(vm.name(), List.of()).contains(host);
    });
  }

  /** Lets {@code d} pass (unscaled: a fault schedule, not a wait for something), checking safety on every poll. */
  void hold(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    do {
      assertSafe();
      LockSupport.parkNanos(Math.max(0, Math.min(POLL_NANOS, end - System.nanoTime())));
    } while (System.nanoTime() < end);
    assertSafe();
  }

  /** Fails if a VM runs on two hosts now, or ever started on one while running on another. */
  void assertSafe() {
    Map<String, List<String>> doubles = cluster.doubles();
    List<String> starts = cluster.doubleStarts();
    if (!doubles.isEmpty() || !starts.isEmpty()) {
      fail("SAFETY: VMs running on two hosts at once: now " + doubles + ", started twice " + starts + "\n" + report());
    }
  }

  /** Waits for one master whose slaves are all the other hosts, and which hears them all; returns it. */
  String awaitOneMaster(int hosts) {
    await("one master and " + (hosts - 1) + " slaves of it", 60, this::oneMaster);
    String master = cluster.masters(ASK).get(0);
    await("the master hears all " + hosts + " hosts", 30, () -> cluster.status(master, ASK).map(s -> s.hosts().stream()
        .filter(h -> h.verdict() == dev.vmha.classify.Verdict.ALIVE && h.memoryMb() > 0).count() == hosts).orElse(false));
    return master;
  }

  /** Whether one host is master and every host, powered or not, follows it. */
  boolean oneMaster() {
    List<String> m = cluster.masters(ASK);
    return m.size() == 1 && cluster.hosts().stream()
        .allMatch(h -> cluster.role(h.id(), ASK).map(r -> r.master().equals(Optional.of(m.get(0)))).orElse(false));
  }

  /**
   * Waits until every host holds the master's protected list (without datastores the heartbeats' replica is the only
   * copy a new master has: a change made within one heartbeat before the master fails is lost with it).
   */
  void awaitListReplicated(String master) {
    long version = cluster.role(master, ASK).orElseThrow().listVersion().orElseThrow();
    await("every host holds protected list v" + version, 30, () -> cluster.hosts().stream()
        .allMatch(h -> cluster.role(h.id(), ASK).map(r -> r.listVersion().equals(OptionalLong.of(version))).orElse(false)));
  }

  /** The context, the ground truth and the timeline, for a failure message. */
  String report() {
    String c = context.get();
    return (c.isEmpty() ? "" : c + "\n") + "running " + cluster.running() + "\n" + timeline(cluster.allEvents());
  }

  /** Events as an operator's timeline, without the chatter of datastore access. */
  static String timeline(List<HaEvent> events) {
    return events.stream().filter(e -> !(e instanceof HaEvent.DatastoreAccessChanged))
        .map(e -> e.at() + " " + e.by() + " " + e.describe()).collect(Collectors.joining("\n"));
  }
}
