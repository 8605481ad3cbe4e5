package dev.vmha.master;

import dev.vmha.capacity.Admission;
import dev.vmha.classify.Verdict;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.capacity.Cluster;
import dev.vmha.config.CapacitySettings;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.MasterState.HostEntry;
import dev.vmha.master.MasterState.InFlight;
import dev.vmha.master.MasterState.Pending;
import dev.vmha.master.MasterState.Waiting;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The master's current capacity plan (issue 23): {@link CapacityPlan} of the cluster as the master sees it, computed
 * again at the end of a step only when what it is computed from changed — the hosts that are up and their free
 * memory, the protected VMs that run and where, their priority and order — so a VM start, stop or move, a protection
 * change and a host change replan, and a beat that changes nothing does not. A new verdict is recorded
 * ({@link HaEvent.CapacityPlanChanged}; the alert rule raises and clears the overcommit alert from it). It also
 * judges an operator's power-on ({@link Admission}) and names the wait of a VM a failure beyond the plan left
 * without room.
 */
final class CapacityWatch {
  private CapacityWatch() {}

  /** The plan, the cluster it was computed from, and what that cluster was built from. */
  record Watch(Optional<Cluster> from, Optional<Source> source, Optional<CapacityPlan> plan) {
    static final Watch NONE = new Watch(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * What {@link #cluster} reads, as it was when the cluster was last built. A master steps on every beat, tick and
   * reply, and nearly every step leaves all of it as it was; comparing it is far cheaper than building the cluster
   * again (the simulation's single largest cost), so a step that matches keeps the cluster it has.
   */
  record Source(Map<String, HostEntry> hosts, ProtectedList list, Map<String, InFlight> inFlight,
      Set<String> pending, HaSettings settings) {
    static Source of(Turn t, MasterState s) {
      return new Source(s.hosts(), s.protectedList(), s.inFlight(), s.pending().keySet(), t.settings());
    }

    /**
     * Whether {@link #cluster} of this step gives the cluster built from this source: the same list, starts and
     * waiting VMs, settings, and hosts that are live or not, with the same memory and powered-on VMs, as before.
     */
    boolean matches(Turn t, MasterState s) {
      if (settings != t.settings() || !same(list, s.protectedList()) || !same(inFlight, s.inFlight())
          || !pending.equals(s.pending().keySet()) || hosts.size() != s.hosts().size()) {
        return false;
      }
      for (HostEntry now : s.hosts().values()) {
        HostEntry was = hosts.get(now.id());
        if (was == now) continue;
        if (was == null || was.live() != now.live() || was.report().isPresent() != now.report().isPresent()) {
          return false;
        }
        if (now.report().isPresent() && (was.report().get().memoryMb() != now.report().get().memoryMb()
            || !same(was.report().get().poweredOn(), now.report().get().poweredOn()))) {
          return false;
        }
      }
      return true;
    }

    private static boolean same(Object was, Object now) {
      return was == now || was.equals(now);
    }

    @Override
    public String toString() {
      return "Source[" + hosts.size() + " hosts, list version " + list.version() + "]";
    }
  }

  /**
   * Replans if the cluster changed since the last plan; records a changed verdict. Not before the list is read, its
   * own host has reported, and every host the master knows has reported to it or been judged: a new master has not
   * heard its slaves yet, and a host not heard yet is no failed one (else every election would raise a false
   * overcommit).
   */
  static MasterState recheck(Turn t, MasterState s) {
    boolean unheard = !s.hosts().containsKey(t.self())
        || s.hosts().values().stream().anyMatch(h -> h.report().isEmpty() && h.verdict() == Verdict.ALIVE);
    if (!s.loaded() || unheard) return s;
    if (s.capacity().source().filter(src -> src.matches(t, s)).isPresent()) return s;
    Cluster c = cluster(t, s);
    Watch w = s.capacity();
    // the same cluster from changed inputs (a list written again, say): the inputs are noted, so the next step matches
    if (w.from().filter(c::equals).isPresent()) {
      return s.capacity(new Watch(w.from(), Optional.of(Source.of(t, s)), w.plan()));
    }
    CapacityPlan plan = CapacityPlan.of(c, t.settings().capacity());
    Optional<CapacityPlan> before = w.plan();
    if (plan.max().isPresent() && before.map(b -> b.ok() != plan.ok()).orElse(true)) {
      t.emit(new HaEvent.CapacityPlanChanged(t.wall, t.self(), plan.ok(), plan.hostFailures(),
          plan.max().get().failures(), plan.describe() + plan.wouldNotComeBack().stream().findFirst()
              .map(u -> "; " + u.describe()).orElse("")));
    }
    return s.capacity(new Watch(Optional.of(c), Optional.of(Source.of(t, s)), Optional.of(plan)));
  }

  /**
   * The cluster capacity planning sees: live hosts are up (with the free memory a restart would find,
   * {@link VmRecovery#rooms}), the others down; the protected VMs that run, are being started, or are placed at a
   * live host and do not need a home, where they are, with their priority and order.
   */
  static Cluster cluster(Turn t, MasterState s) {
    Map<String, Long> room = new HashMap<>();
    VmRecovery.rooms(t, s).forEach(r -> room.put(r.hostId(), r.freeMemoryMb()));
    List<Cluster.Host> hosts = new ArrayList<>();
    Map<String, String> runs = new HashMap<>();
    for (HostEntry h : HostWatch.sorted(s)) {
      long memory = h.report().map(r -> r.memoryMb()).orElse(0L);
      Cluster.HostState state = hostState(h);
      long free = state == Cluster.HostState.UP ? Math.max(0, Math.min(memory, room.getOrDefault(h.id(), 0L))) : 0;
      hosts.add(new Cluster.Host(h.id(), memory, free, 0, state));
      if (state == Cluster.HostState.UP) h.report().get().poweredOn().forEach(v -> runs.putIfAbsent(v.name(), h.id()));
    }
    List<Cluster.Vm> vms = new ArrayList<>();
    for (ProtectedList.Entry e : s.protectedList().vms().values().stream()
        .sorted(Comparator.comparing(e -> e.vm().name())).toList()) {
      String name = e.vm().name();
      Optional<String> at = Optional.ofNullable(runs.get(name))
          .or(() -> Optional.ofNullable(s.inFlight().get(name)).map(InFlight::host))
          .or(() -> s.pending().containsKey(name) ? Optional.empty() : Optional.of(e.host()))
          .filter(h -> Optional.ofNullable(s.hosts().get(h)).map(HostEntry::live).orElse(false));
      at.ifPresent(h -> vms.add(vm(e.vm(), e.protection(), h)));
    }
    return new Cluster(hosts, vms, t.settings().restart().defaultFailoverHost());
  }

  /** Whether a host runs VMs and takes restarts; maintenance mode (issue 22) is the third state. */
  private static Cluster.HostState hostState(HostEntry h) {
    return h.live() ? Cluster.HostState.UP : Cluster.HostState.DOWN;
  }

  private static Cluster.Vm vm(VmSpec vm, VmProtection p, String host) {
    return new Cluster.Vm(vm.name(), vm.memoryMb(), 0, host, p.priority(), p.order());
  }

  /**
   * Admission control of an operator's power-on of {@code vm} at {@code host}: judged against the cluster with it
   * running there.
   */
  static Admission.Decision admitPowerOn(Turn t, MasterState s, VmSpec vm, VmProtection p, String host) {
    Cluster now = cluster(t, s);
    return judged(t, s, now, now.plus(vm(vm, p, host)), "power-on", vm.name(),
        "powering " + vm.name() + " on at " + host);
  }

  /**
   * Admission control of an operator's protect of {@code vm}, running at {@code host}: judged against the cluster
   * with it protected there (it takes no more room: the host's free memory counts it already).
   */
  static Admission.Decision admitProtect(Turn t, MasterState s, VmSpec vm, VmProtection p, String host) {
    Cluster now = cluster(t, s);
    List<Cluster.Vm> vms = new ArrayList<>(now.vms());
    vms.add(vm(vm, p, host));
    return judged(t, s, now, new Cluster(now.hosts(), vms, now.defaultFailoverHost()), "protect", vm.name(),
        "protecting " + vm.name() + " at " + host);
  }

  /** The decision on {@code after}; one that is not plainly allowed is recorded ({@code operation} on {@code vm}). */
  private static Admission.Decision judged(
      Turn t, MasterState s, Cluster now, Cluster after, String operation, String vm, String described) {
    CapacityPlan plan = s.capacity().plan().orElseGet(() -> CapacityPlan.of(now, t.settings().capacity()));
    Admission.Decision d = Admission.judge(plan, after, t.settings().capacity(), described);
    if (d.outcome() != Admission.Outcome.ALLOWED) {
      t.emit(new HaEvent.CapacityAdmission(t.wall, t.self(), operation, vm,
          d.outcome() == Admission.Outcome.REFUSED, d.reason()));
    }
    return d;
  }

  /**
   * Why a VM waits, as the planner said; a protected VM without room after a failure beyond the failover plan waits
   * as best-effort (XenServer's overcommit handling: started when room appears, owed none), and its wait says so.
   */
  static Waiting waiting(Turn t, MasterState s, Pending p, RestartPlanner.Wait w) {
    CapacitySettings c = t.settings().capacity();
    if (w.reason() != WaitReason.NO_ROOM || c.policy() == CapacitySettings.Policy.DISABLED
        || !p.protection().priority().restarted()
        || p.protection().priority() == RestartPriority.BEST_EFFORT) {
      return new Waiting(w.reason(), w.why());
    }
    List<String> down = HostWatch.sorted(s).stream().filter(h -> !h.live()).map(HostEntry::id).toList();
    String beyond = s.capacity().plan().filter(plan -> !plan.ok())
        .map(plan -> "the cluster is overcommitted (" + String.join("; ", plan.violations()) + ")")
        .orElse(down.size() + " host" + (down.size() == 1 ? " is" : "s are") + " down (" + String.join(", ", down)
            + (c.policy() == CapacitySettings.Policy.HOST_FAILURES ? "), the plan covers " + c.hostFailures() + " host failure" + (c.hostFailures() == 1 ? "" : "s")
            : "), more than vmha.capacity.policy = " + c.policy().configName() + " reserves room for"));
    return new Waiting(WaitReason.BEYOND_PLAN, "a failure beyond the failover plan: " + beyond + "; handled as"
        + " best-effort, started when room appears; " + w.why());
  }
}
