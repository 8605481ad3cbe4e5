package dev.vmha.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.security.ClusterCa;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.sim.SimulatedCluster;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Seed 000's five canonical cases, one at a time, on a simulated 4-host cluster inside this JVM (real agents, links
 * cut at the transport; see {@link SimulatedCluster}): forms the cluster, places 8 protected VMs, injects the case's
 * fault, waits for the cluster to settle, prints every host's decisions and checks that every VM ran exactly once
 * throughout. Optionally without heartbeat datastores, where the majority rule decides.
 */
public final class CaseDemo {
  private static final Duration ASK = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(90);

  private final PrintStream out;
  private final Instant start = Instant.now();
  private SimulatedCluster cluster;
  private final List<String> doubles = new ArrayList<>();

  public CaseDemo(PrintStream out) {
    this.out = out;
  }

  /** Runs case 1..5; true when every VM ran exactly once throughout and the case ended as the seed says. */
  public boolean run(int number, boolean datastores, Path dir) throws Exception {
    if (number < 1 || number > 5) throw new IllegalArgumentException("--case takes 1 to 5, not " + number);
    DemoRun.deleteTree(dir); // a fresh cluster: no earlier run's protected list or lock on the datastores
    Files.createDirectories(dir);
    // over TLS, as every cluster: a CA and the four hosts' stores for this run
    // without datastores the window must stay below (hostTimeout - 2 x interval) / 2: the derived one
    Config settings = datastores ? SimulatedCluster.DEMO_SETTINGS
        : ConfigFactory.parseString("vmha.election.window = \"\"").withFallback(SimulatedCluster.DEMO_SETTINGS);
    cluster = SimulatedCluster.start(new SimulatedCluster.Options(4, SimulatedCluster.withTls(settings, dir, 4),
        datastores ? 2 : 0, dir, ConfigFactory.load()));
    try {
      say("case " + number + (datastores ? "" : " without heartbeat datastores (majority rule)")
          + ": 4 simulated hosts, isolation response power-off");
      await("one master and three slaves", () -> {
        List<String> m = cluster.masters(ASK);
        return m.size() == 1 && cluster.status(m.get(0), ASK).map(s -> s.hosts().stream()
            .filter(h -> h.verdict() == dev.vmha.classify.Verdict.ALIVE && h.memoryMb() > 0).count() == 4).orElse(false);
      });
      String master = cluster.masters(ASK).get(0);
      List<String> slaves = new ArrayList<>(List.of("host1", "host2", "host3", "host4"));
      slaves.remove(master);
      int n = 0;
      for (String h : List.of("host1", "host2", "host3", "host4")) {
        for (int k = 0; k < 2; k++) {
          var r = cluster.powerOn(master, new VmSpec("vm" + ++n, 512, 1), h, ASK);
          if (!r.ok()) throw new IllegalStateException("power-on refused: " + r.message());
        }
      }
      await("8 VMs running", () -> allOnceAwayFrom(null));
      long version = cluster.role(master, ASK).orElseThrow().listVersion().orElseThrow();
      await("every host holds the protected list v" + version, () -> cluster.hosts().stream()
          .allMatch(h -> cluster.role(h.id(), ASK).map(r -> r.listVersion().equals(OptionalLong.of(version)))
              .orElse(false)));
      say("master " + master + "; VMs " + cluster.running());
      Instant faultAt = Instant.now();
      boolean ok = switch (number) {
        case 1 -> fault("crash slave " + slaves.get(0), () -> cluster.crash(slaves.get(0)))
            && await("its VMs running on the others", () -> allOnceAwayFrom(slaves.get(0)));
        case 2 -> fault("isolate slave " + slaves.get(0), () -> cluster.isolate(slaves.get(0)))
            && await("its VMs running on the others", () -> allOnceAwayFrom(slaves.get(0)));
        case 3 -> fault("crash master " + master, () -> cluster.crash(master))
            && await("a new master, the old master's VMs running on the others", () -> allOnceAwayFrom(master)
                && cluster.masters(ASK).size() == 1);
        case 4 -> fault("isolate master " + master, () -> cluster.isolate(master))
            && await("a new master, the old master's VMs running on the others", () -> allOnceAwayFrom(master));
        default -> partition(master, slaves);
      };
      printTimeline(faultAt);
      boolean safe = doubles.isEmpty();
      out.println(safe && ok ? "CHECK PASSED: every protected VM ran exactly once throughout; now " + cluster.running()
          : "CHECK FAILED" + (safe ? "" : ": VMs on two hosts at once " + doubles));
      return safe && ok;
    } finally {
      cluster.close();
    }
  }

  private boolean partition(String master, List<String> slaves) throws InterruptedException {
    Map<String, List<String>> before = cluster.running();
    Set<String> a = Set.of(master, slaves.get(0));
    Set<String> b = Set.of(slaves.get(1), slaves.get(2));
    fault("partition " + a + " | " + b, () -> cluster.partition(a, b));
    boolean split = await("a master on each side, each judging the other side partitioned",
        () -> cluster.masters(ASK).size() == 2 && partitionedJudgements() >= 4);
    boolean untouched = before.equals(cluster.running());
    say("during the partition the VMs are " + (untouched ? "untouched" : "CHANGED: " + cluster.running()));
    fault("heal the partition", cluster::heal);
    boolean merged = await("one master again", () -> cluster.masters(ASK).size() == 1);
    return split && untouched && merged && before.equals(cluster.running());
  }

  private long partitionedJudgements() {
    return cluster.allEvents().stream()
        .filter(e -> e instanceof HaEvent.HostJudged j && j.verdict() == dev.vmha.classify.Verdict.PARTITIONED)
        .count();
  }

  private boolean fault(String what, Runnable inject) {
    say("FAULT: " + what);
    inject.run();
    return true;
  }

  private boolean allOnceAwayFrom(String host) {
    Map<String, List<String>> r = cluster.running();
    return r.size() == 8 && r.values().stream().allMatch(on -> on.size() == 1 && !on.contains(host));
  }

  private boolean await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      cluster.doubles().forEach((vm, on) -> doubles.add(vm + " on " + on));
      if (done.getAsBoolean()) {
        say("reached: " + what);
        return true;
      }
      Thread.sleep(50);
    }
    say("TIMED OUT waiting for " + what);
    return false;
  }

  private void printTimeline(Instant from) {
    out.println();
    out.println("---- timeline of every host's decisions since the fault (seconds) ----");
    for (HaEvent e : cluster.allEvents()) {
      if (e.at().isBefore(from) || e instanceof HaEvent.DatastoreAccessChanged) continue;
      out.printf("%+8.2fs %-6s %s%n", Duration.between(from, e.at()).toMillis() / 1000.0, e.by(), e.describe());
    }
    out.println();
  }

  private void say(String s) {
    out.printf("%+8.2fs demo   %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, s);
  }
}
