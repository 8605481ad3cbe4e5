package dev.vmha.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * One fault a {@link Simulation} injects: it begins at {@code start} (global virtual ms) and heals {@code length}
 * later (an instantaneous fault has length 0 and nothing to heal).
 */
sealed interface Fault {
  long start();

  long length();

  default long end() {
    return start() + length();
  }

  void begin(Simulation w);

  void heal(Simulation w);

  /** A fault that is a condition switched on at its start and off at its end. */
  sealed interface Condition extends Fault {
    void set(Simulation w, boolean on);

    default void begin(Simulation w) {
      set(w, true);
    }

    default void heal(Simulation w) {
      set(w, false);
    }
  }

  /** The host loses power, its VMs with it, and is powered back. */
  record Crash(long start, long length, String host) implements Fault {
    public void begin(Simulation w) {
      w.host(host).powerLoss();
    }

    public void heal(Simulation w) {
      w.host(host).powerBack();
    }
  }

  /** The agent restarts (its VMs keep running): everything it held in memory is gone. */
  record AgentRestart(long start, String host) implements Fault {
    public long length() {
      return 0;
    }

    public void begin(Simulation w) {
      w.host(host).agentRestart("restarted by a fault");
    }

    public void heal(Simulation w) {}
  }

  /** The host's network is cut, its isolation address included (its datastores stay reachable). */
  record Isolate(long start, long length, String host) implements Condition {
    public void set(Simulation w, boolean on) {
      w.network().isolate(host, on);
    }
  }

  /**
   * Without datastores, the host's disk refuses the protected list's writes (full, or gone read-only); the majority
   * record is not modelled failing. Never drawn by {@link #schedule}: cases name it, so every seed keeps its run.
   */
  record ListWriteFails(long start, long length, String host) implements Condition {
    public void set(Simulation w, boolean on) {
      w.host(host).listWritesFail(on);
    }
  }

  /** The hosts split in two: {@code side} and the rest. */
  record Partition(long start, long length, List<String> side) implements Fault {
    public void begin(Simulation w) {
      w.network().partition(new java.util.TreeSet<>(side));
    }

    public void heal(Simulation w) {
      w.network().partition(java.util.Set.of());
    }
  }

  /**
   * A partition healed as a real network heals: management pings answer across it {@code pingsFirst} ms before its
   * end, while the cluster transport stays cut until the end.
   */
  record PartitionHealingPingsFirst(long start, long length, List<String> side, long pingsFirst) implements Fault {
    public void begin(Simulation w) {
      java.util.Set<String> sideOne = new java.util.TreeSet<>(side);
      w.network().partition(sideOne);
      w.later(Math.max(0, length - pingsFirst), "pings cross the partition " + side, () -> w.network()
          .pingsCross(sideOne));
    }

    public void heal(Simulation w) {
      w.network().partition(java.util.Set.of());
    }
  }

  /** Every message from {@code from} to {@code to} is lost; the other way works. */
  record OneWayLoss(long start, long length, String from, String to) implements Condition {
    public void set(Simulation w, boolean on) {
      w.network().loseOneWay(from, to, on);
    }
  }

  /** Messages take up to {@code ms} longer, so they arrive out of order. */
  record Slow(long start, long length, long ms) implements Fault {
    public void begin(Simulation w) {
      w.network().slow(ms);
    }

    public void heal(Simulation w) {
      w.network().slow(0);
    }
  }

  /** Messages arrive twice with probability {@code p}. */
  record Duplicate(long start, long length, double p) implements Fault {
    public void begin(Simulation w) {
      w.network().duplicate(p);
    }

    public void heal(Simulation w) {
      w.network().duplicate(0);
    }
  }

  /** A datastore stops answering every host. */
  record DatastoreFreeze(long start, long length, String datastore) implements Condition {
    public void set(Simulation w, boolean on) {
      w.datastores().freeze(datastore, on);
    }
  }

  /**
   * A state file reads as corrupt until it is rewritten: the lease of {@code leaseOf} (on the lease datastore), else
   * the datastore's copy of the protected list.
   */
  record Corrupt(long start, String datastore, Optional<String> leaseOf) implements Fault {
    public long length() {
      return 0;
    }

    public void begin(Simulation w) {
      leaseOf.ifPresentOrElse(vm -> w.datastores().corruptLease(vm), () -> w.datastores().corruptList(datastore));
    }

    public void heal(Simulation w) {}
  }

  /** The agent hangs (its VMs run on, the host answers ping) and then carries on where it stopped. */
  record FrozenAgent(long start, long length, String host) implements Fault {
    public void begin(Simulation w) {
      w.host(host).freezeUntil(start + length);
    }

    public void heal(Simulation w) {}
  }

  /**
   * An operator asks the master to power a VM on (protected again) or off (unprotected first): not a fault, but an
   * input at a moment the seed picks, as faults are.
   */
  record OperatorPower(long start, String vm, boolean on) implements Fault {
    public long length() {
      return 0;
    }

    public void begin(Simulation w) {
      w.operatorPower(vm, on);
    }

    public void heal(Simulation w) {}
  }

  /** The host's clock runs at {@code rate} (within the configured drift bound), then exact again. */
  record Drift(long start, long length, String host, double rate) implements Fault {
    public void begin(Simulation w) {
      w.clock().rate(host, rate);
    }

    public void heal(Simulation w) {
      w.clock().rate(host, 1.0);
    }
  }

  /**
   * Operator requests at random: at every step one comes with probability {@code perStep}, for a random VM, to power
   * it on or off (drawn apart from the faults, so the fault schedule of a seed stays what it was).
   */
  static List<Fault> operatorRequests(Random r, int steps, long stepMs, double perStep, List<String> vms) {
    List<Fault> requests = new ArrayList<>();
    for (int step = 1; step < steps; step++) {
      if (r.nextDouble() >= perStep) continue;
      requests.add(new OperatorPower(step * stepMs + r.nextInt((int) stepMs), vms.get(r.nextInt(vms.size())),
          r.nextBoolean()));
    }
    return requests;
  }

  /** A datastore frozen, or a state file corrupted. */
  private static Fault datastoreFault(boolean corrupt, Random r, long start, long length, List<String> datastores,
      List<String> vms) {
    if (!corrupt) return new DatastoreFreeze(start, length, datastores.get(r.nextInt(datastores.size())));
    return r.nextBoolean() ? new Corrupt(start, datastores.get(0), Optional.of(vms.get(r.nextInt(vms.size()))))
        : new Corrupt(start, datastores.get(r.nextInt(datastores.size())), Optional.empty());
  }

  /** A random side that heals pings first, for up to half the partition (without datastores, instead of theirs). */
  private static Fault partitionHealingPingsFirst(Random r, long start, long length, long stepMs, List<String> hosts) {
    return new PartitionHealingPingsFirst(start, length, side(r, hosts),
        stepMs * r.nextInt((int) (length / stepMs / 2 + 1)));
  }

  /** One side of a partition: each host on it with probability 1/2. */
  private static List<String> side(Random r, List<String> hosts) {
    List<String> side = new ArrayList<>();
    for (String h : hosts) if (r.nextBoolean()) side.add(h);
    return side;
  }

  /**
   * A random schedule: at every step (one interval) a fault begins with probability {@code perStep}; each heals
   * within {@code maxSteps} steps and before the last step.
   */
  static List<Fault> schedule(Random r, int steps, long stepMs, double perStep, int maxSteps, List<String> hosts,
      List<String> vms, List<String> datastores, double driftMax) {
    List<Fault> faults = new ArrayList<>();
    for (int step = 1; step < steps; step++) {
      if (r.nextDouble() >= perStep) continue;
      long start = step * stepMs + r.nextInt((int) stepMs);
      long length = Math.min((1 + r.nextInt(maxSteps)) * stepMs, steps * stepMs - start);
      String host = hosts.get(r.nextInt(hosts.size()));
      int kind = r.nextInt(12);
      switch (kind) {
        case 0, 1 -> faults.add(new Crash(start, length, host));
        case 2 -> faults.add(new AgentRestart(start, host));
        case 3 -> faults.add(new Isolate(start, length, host));
        case 4 -> faults.add(new Partition(start, length, side(r, hosts)));
        case 5 -> {
          String to = hosts.get(r.nextInt(hosts.size()));
          if (!to.equals(host)) faults.add(new OneWayLoss(start, length, host, to));
        }
        case 6 -> faults.add(r.nextBoolean() ? new Slow(start, length, 50 + r.nextInt(2000))
            : new Duplicate(start, length, 0.05 + 0.3 * r.nextDouble()));
        case 7, 8, 9 -> faults.add(datastores.isEmpty() ? partitionHealingPingsFirst(r, start, length, stepMs, hosts)
            : datastoreFault(kind == 9, r, start, length, datastores, vms));
        case 10 -> faults.add(new FrozenAgent(start, length, host));
        default -> faults.add(new Drift(start, length, host, 1 + driftMax * (r.nextDouble() - 0.5)));
      }
    }
    return faults;
  }
}
