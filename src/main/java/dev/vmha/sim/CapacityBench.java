package dev.vmha.sim;

import dev.vmha.capacity.Cluster;
import dev.vmha.capacity.FailoverPlanner;
import dev.vmha.restart.RestartPriority;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The failover planner's speed (issue 23): seeded random clusters of H hosts and V VMs (memory 0.5 to 16 GB,
 * vSphere priorities with a fifth best-effort and a tenth disabled), each host filled to about {@code fill}, judged
 * for N = 1..maxFailures; each case timed {@code runs} times after one warm-up run, preparation included.
 */
public final class CapacityBench {
  public record Options(List<Integer> hosts, List<Integer> vms, int maxFailures, int runs, double fill, long seed) {}

  /** One case: times in ms, and what the verdict found. */
  public record Row(int hosts, int vms, int failures, double minMs, double medianMs, double maxMs, long sets,
      long simulated, long uncovered) {}

  private static final long[] SIZES_MB = {512, 1024, 2048, 4096, 8192, 16384};

  private CapacityBench() {}

  /** A cluster of {@code hosts} equal hosts and {@code vms} VMs, each host filled to about {@code fill}. */
  public static Cluster cluster(int hosts, int vms, double fill, long seed) {
    Random r = new Random(seed);
    long[] memory = new long[vms];
    long total = 0;
    for (int i = 0; i < vms; i++) {
      memory[i] = SIZES_MB[r.nextInt(SIZES_MB.length)];
      total += memory[i];
    }
    long hostMb = Math.max(SIZES_MB[SIZES_MB.length - 1], (long) Math.ceil(total / (double) hosts / fill / 1024) * 1024);
    long[] free = new long[hosts];
    Arrays.fill(free, hostMb);
    RestartPriority[] protectedLevels = {RestartPriority.HIGHEST, RestartPriority.HIGH, RestartPriority.MEDIUM,
        RestartPriority.LOW, RestartPriority.LOWEST};
    List<Cluster.Vm> list = new ArrayList<>();
    for (int i = 0; i < vms; i++) {
      int h = r.nextInt(hosts);
      for (int tries = 0; free[h] < memory[i] && tries < hosts; tries++) h = (h + 1) % hosts;
      if (free[h] < memory[i]) continue; // the cluster is full: fewer VMs
      free[h] -= memory[i];
      int p = r.nextInt(10);
      RestartPriority priority = p == 0 ? RestartPriority.DISABLED : p <= 2 ? RestartPriority.BEST_EFFORT
          : protectedLevels[r.nextInt(protectedLevels.length)];
      list.add(new Cluster.Vm(String.format("vm%05d", i), memory[i], 0, "host" + (h + 1), priority, r.nextInt(4)));
    }
    List<Cluster.Host> hostList = new ArrayList<>();
    for (int h = 0; h < hosts; h++) {
      hostList.add(new Cluster.Host("host" + (h + 1), hostMb, free[h], 0, Cluster.HostState.UP));
    }
    return new Cluster(hostList, list, Optional.empty());
  }

  public static List<Row> run(Options o, PrintStream out) {
    List<Row> rows = new ArrayList<>();
    out.printf("%6s %7s %2s %10s %10s %10s %9s %9s %9s%n", "HOSTS", "VMS", "N", "MIN ms", "MEDIAN ms", "MAX ms",
        "SETS", "SIMULATED", "UNCOVERED");
    for (int h : o.hosts()) {
      for (int v : o.vms()) {
        Cluster c = cluster(h, v, o.fill(), o.seed());
        for (int n = 1; n <= o.maxFailures(); n++) {
          double[] ms = new double[o.runs()];
          FailoverPlanner.Verdict verdict = FailoverPlanner.of(c).verdict(n); // warm-up
          for (int i = 0; i < o.runs(); i++) {
            long t0 = System.nanoTime();
            verdict = FailoverPlanner.of(c).verdict(n);
            ms[i] = (System.nanoTime() - t0) / 1e6;
          }
          Arrays.sort(ms);
          Row row = new Row(h, v, n, ms[0], ms[ms.length / 2], ms[ms.length - 1], verdict.sets(), verdict.simulated(),
              verdict.uncoveredSets());
          rows.add(row);
          out.printf("%6d %7d %2d %10.2f %10.2f %10.2f %9d %9d %9d%n", h, v, n, row.minMs(), row.medianMs(),
              row.maxMs(), row.sets(), row.simulated(), row.uncovered());
        }
      }
    }
    return rows;
  }
}
