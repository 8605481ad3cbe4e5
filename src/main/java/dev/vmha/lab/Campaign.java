package dev.vmha.lab;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Random faults with heals between, on one 5-host lab (seeded, so a seed replays the same faults). After each heal:
 * no VM written by two hosts, one master for all hosts and every protected VM running once within
 * {@link LabBounds#afterHeal} of the fault's hold, and no VM moved by a fault that must not move any (a pure partition, a cut link,
 * an agent-only crash).
 */
public final class Campaign {
  static final int HOSTS = 5;
  static final List<String> VMS = List.of("c1", "c2", "c3", "c4", "c5", "c6");

  /**
   * The fault kinds; {@code moves}: whether the fault may rightly fail VMs over. The agents run under their run loop
   * (systemd Restart=always), each host with its watchdog: a killed agent is restarted at once and must come back
   * within the grace; a hung agent (held 2-6 s, less than the grace), a killed watchdog and a clean agent stop move
   * nothing; an agent that stays down until the heal may outlast the grace (then its watchdog stops its VMs).
   */
  enum Kind {
    CRASH(true), KILL_AGENT(false), PAUSE_CUT(true), ISOLATE(true), PARTITION(false), CUT_LINK(false),
    LOSS(true), GATEWAY_DOWN(false), DATASTORE_OFF(true), DEAD_AGENT(true), HANG_AGENT(false),
    KILL_WATCHDOG(false), STOP_AGENT(false), CRASH_NO_CUT(true);

    final boolean moves;

    Kind(boolean moves) {
      this.moves = moves;
    }
  }

  /** Per kind: steps, failovers, recovery times (ms), violations. */
  private static final class Row {
    int steps;
    int failovers;
    final List<Long> recoveries = new ArrayList<>();
    int violations;
  }

  private final Lab lab;
  private final PrintStream out;
  private final Random random;
  private final long seed;

  public Campaign(Path home, PrintStream out, long seed) {
    this.lab = new Lab(home, out);
    this.out = out;
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** Runs the campaign; true when no step broke a rule. */
  public boolean run(int steps) throws Exception {
    Map<Kind, Row> table = new TreeMap<>();
    List<String> violations = new ArrayList<>();
    try {
      lab.up(HOSTS, "--supervise");
      if (!lab.await(Scenarios.FORM_BOUND, () -> lab.formed(HOSTS))) throw new IllegalStateException("no cluster formed");
      for (int i = 0; i < VMS.size(); i++) lab.powerOn(VMS.get(i), 1 + i % HOSTS, Scenarios.FORM_BOUND);
      Set<String> vms = Set.copyOf(VMS);
      if (!lab.await(Scenarios.FORM_BOUND, () -> lab.notRunningOnce(vms).isEmpty())) {
        throw new IllegalStateException("VMs not running: " + lab.notRunningOnce(vms));
      }
      Set<String> all = new TreeSet<>();
      for (int h = 1; h <= HOSTS; h++) all.add("host" + h);
      for (int step = 1; step <= steps; step++) {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        Row row = table.computeIfAbsent(kind, k -> new Row());
        row.steps++;
        Map<String, String> before = placement();
        long since = Lab.nowMicros();
        String[] fault = fault(kind);
        lab.say("step " + step + ": " + String.join(" ", fault));
        lab.run(fault);
        Duration hold = Duration.ofMillis(2000 + random.nextInt(4000));
        lab.hold(hold);
        lab.run("heal");
        long t0 = System.nanoTime();
        Duration bound = Scenarios.BOUNDS.afterHeal(hold);
        boolean converged = lab.awaitSettled(bound, Scenarios.BOUNDS.interval(), () -> lab.notRunningOnce(vms).isEmpty()
            && Judge.oneMasterPerComponent(List.of(all), lab.views()).isEmpty());
        // recovered when it first held, not when that was confirmed
        long recovery = (System.nanoTime() - t0) / 1_000_000
            - Lab.settleWindow(Scenarios.BOUNDS.interval()).toMillis();
        List<String> v = new ArrayList<>(Judge.twoWriters(lab.disksNow(), since));
        if (!converged) {
          v.add("not converged " + bound.toMillis() / 1000.0 + " s after the heal: "
              + Judge.oneMasterPerComponent(List.of(all), lab.views()) + " " + lab.notRunningOnce(vms));
        } else {
          row.recoveries.add(recovery);
        }
        Map<String, String> after = placement();
        int moved = (int) before.keySet().stream().filter(vm -> !before.get(vm).equals(after.get(vm))).count();
        row.failovers += moved;
        if (moved > 0 && !kind.moves) v.add(moved + " VMs moved after " + String.join(" ", fault) + ": " + before + " -> " + after);
        for (String x : v) lab.say("VIOLATION step " + step + ": " + x);
        row.violations += v.size();
        violations.addAll(v);
        if (!converged) break; // the next step would judge a cluster that never came back
      }
    } catch (IllegalStateException e) {
      violations.add(e.getMessage());
    } finally {
      print(table, violations);
      if (!violations.isEmpty()) lab.say("logs kept in " + lab.keepLogs("campaign-seed" + seed));
      lab.run("down");
    }
    return violations.isEmpty();
  }

  private Map<String, String> placement() {
    Map<String, String> p = new TreeMap<>();
    for (String vm : VMS) p.put(vm, lab.runningAt(vm).orElse("?"));
    return p;
  }

  private String[] fault(Kind kind) {
    String h = String.valueOf(1 + random.nextInt(HOSTS));
    return switch (kind) {
      case CRASH -> new String[] {"crash", h};
      case KILL_AGENT -> new String[] {"kill-agent", h};
      case PAUSE_CUT -> new String[] {"pause", h, "--cut"};
      case ISOLATE -> new String[] {"isolate", h};
      case PARTITION -> {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int i = 1; i <= HOSTS; i++) (random.nextBoolean() ? a : b).add(String.valueOf(i));
        if (a.isEmpty()) a.add(b.remove(0));
        if (b.isEmpty()) b.add(a.remove(0));
        yield new String[] {"partition", String.join(",", a), String.join(",", b)};
      }
      case CUT_LINK -> {
        String o = String.valueOf(1 + (Integer.parseInt(h) + random.nextInt(HOSTS - 1)) % HOSTS);
        yield new String[] {"cut-link", h, o};
      }
      case LOSS -> new String[] {"loss", h, "--percent", String.valueOf(20 + random.nextInt(60))};
      case GATEWAY_DOWN -> new String[] {"gateway-down"};
      case DATASTORE_OFF -> new String[] {"datastore-off", h};
      case DEAD_AGENT -> new String[] {"kill-agent", h, "--stay-down"};
      case HANG_AGENT -> new String[] {"pause-agent", h};
      case KILL_WATCHDOG -> new String[] {"kill-watchdog", h};
      case STOP_AGENT -> new String[] {"stop-agent", h};
      case CRASH_NO_CUT -> new String[] {"crash", h, "--no-cut"};
    };
  }

  private void print(Map<Kind, Row> table, List<String> violations) {
    out.printf("%n%-14s %6s %10s %14s %14s %11s%n", "fault", "steps", "failovers", "recovery p50", "recovery max",
        "violations");
    int steps = 0;
    for (Map.Entry<Kind, Row> e : table.entrySet()) {
      Row r = e.getValue();
      steps += r.steps;
      List<Long> rec = r.recoveries.stream().sorted().toList();
      out.printf("%-14s %6d %10d %13.1fs %13.1fs %11d%n", e.getKey().name().toLowerCase().replace('_', '-'),
          r.steps, r.failovers, rec.isEmpty() ? Double.NaN : rec.get(rec.size() / 2) / 1000.0,
          rec.isEmpty() ? Double.NaN : rec.get(rec.size() - 1) / 1000.0, r.violations);
    }
    out.printf("campaign seed %d: %d steps, %d violations: %s%n", seed, steps, violations.size(),
        violations.isEmpty() ? "PASS" : "FAIL");
  }
}
