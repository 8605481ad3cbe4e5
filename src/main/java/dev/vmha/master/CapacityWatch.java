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
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The master's current capacity plan (issue 23): {@link CapacityPlan} of the cluster as the master sees it. At the
 * end of a step the cluster is built again if what it is built from changed ({@link Source}); when what a plan is
 * computed from changed — the hosts that are up and their free memory, the protected VMs that run and where, their
 * priority and order — it is a new version, so a VM start, stop or move, a protection change and a host change
 * replan, and a beat that changes nothing does not. The
 * planner runs off the step ({@link MasterEffect.Plan}, one run at a time, for the newest version; a large
 * overcommitted cluster can take seconds), answered by {@link MasterInput.Planned}; the state keeps the last plan and
 * the version it is for. A new verdict is recorded ({@link HaEvent.CapacityPlanChanged}; the alert rule raises and
 * clears the overcommit alert from it). It also judges operations by admission control ({@link Admission}, against
 * the last plan, saying when that plan is stale) and names the wait of a VM a failure beyond the plan left without
 * room.
 */
final class CapacityWatch {
  private CapacityWatch() {}

  /**
   * The cluster as last built ({@code cluster}, its {@code version}: counted up on every change) and what it was
   * built from ({@code source}), the last plan and the version it is for ({@code planFor}, 0: none), the version a
   * planning run is out for, and the last version whose run failed ({@code failedFor}: not tried again; the next
   * change is).
   */
  record Watch(Optional<Cluster> cluster, Optional<Source> source, long version, Optional<CapacityPlan> plan,
      long planFor, Optional<Long> planning, long failedFor) {
    static final Watch NONE = new Watch(Optional.empty(), Optional.empty(), 0, Optional.empty(), 0, Optional.empty(),
        0);

    /** Whether the last plan is not of the cluster {@code now}. */
    boolean staleFor(Cluster now) {
      return plan.isEmpty() || planFor != version || cluster.filter(now::equals).isEmpty();
    }
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
   * Notes a changed cluster as a new version, and asks for its plan when none is out (else it is asked for when the
   * run out ends). Not before the list is read, its own host has reported, and every host the master knows has
   * reported to it or been judged: a new master has not heard its slaves yet, and a host not heard yet is no failed
   * one (else every election would raise a false overcommit).
   */
  static MasterState recheck(Turn t, MasterState s) {
    boolean unheard = !s.hosts().containsKey(t.self())
        || s.hosts().values().stream().anyMatch(h -> h.report().isEmpty() && h.verdict() == Verdict.ALIVE);
    if (!s.loaded() || unheard) return s;
    Watch w = s.capacity();
    Optional<Cluster> kept = w.source().isPresent() && w.source().get().matches(t, s) ? w.cluster() : Optional.empty();
    Cluster c = kept.orElseGet(() -> cluster(t, s));
    if (kept.isEmpty()) {
      // rebuilt: its inputs are noted even when it came out the same (a list written again, say), so the next step
      // matches them
      boolean changed = w.cluster().filter(c::equals).isEmpty();
      w = new Watch(changed ? Optional.of(c) : w.cluster(), Optional.of(Source.of(t, s)),
          changed ? w.version() + 1 : w.version(), w.plan(), w.planFor(), w.planning(), w.failedFor());
    }
    if (w.planning().isEmpty() && w.planFor() != w.version() && w.failedFor() != w.version()) {
      t.effect(new MasterEffect.Plan(w.version(), c, t.settings().capacity()));
      w = new Watch(w.cluster(), w.source(), w.version(), w.plan(), w.planFor(), Optional.of(w.version()),
          w.failedFor());
    }
    return w == s.capacity() ? s : s.capacity(w);
  }

  /** A planning run ended: its plan is the current one; a changed verdict (and a new master's first) is recorded. */
  static MasterState planned(Turn t, MasterState s, MasterInput.Planned p) {
    Watch w = s.capacity();
    if (w.planning().filter(v -> v == p.version()).isEmpty()) return s;
    CapacityPlan plan = p.plan();
    Optional<CapacityPlan> before = w.plan();
    if (plan.max().isPresent() && before.map(b -> b.ok() != plan.ok()).orElse(true)) {
      t.emit(new HaEvent.CapacityPlanChanged(t.wall, t.self(), plan.ok(), plan.hostFailures(),
          plan.max().get().failures(), plan.describe() + plan.wouldNotComeBack().stream().findFirst()
              .map(u -> "; " + u.describe()).orElse("")));
    }
    return s.capacity(new Watch(w.cluster(), w.source(), w.version(), Optional.of(plan), p.version(),
        Optional.empty(), w.failedFor()));
  }

  /** A planning run failed or timed out: the last plan stays (stale), and this version is not planned again. */
  static MasterState planFailed(Turn t, MasterState s, MasterInput.PlanFailed p) {
    Watch w = s.capacity();
    if (w.planning().filter(v -> v == p.version()).isEmpty()) return s;
    t.warn("capacity plan of cluster version " + p.version() + " not computed: " + p.why() + "; the last plan"
        + w.plan().map(x -> " (version " + w.planFor() + ", " + (x.ok() ? "OK" : "OVERCOMMITTED") + ")")
            .orElse(" (none yet)") + " stays, planned again on the next change");
    return s.capacity(new Watch(w.cluster(), w.source(), w.version(), w.plan(), w.planFor(), Optional.empty(),
        p.version()));
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
      Cluster.HostState state = hostState(s, h);
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
          .filter(s::liveHost);
      at.ifPresent(h -> vms.add(vm(e.vm(), e.protection(), h)));
    }
    return new Cluster(hosts, vms, t.settings().restart().defaultFailoverHost());
  }

  /**
   * Whether a host runs VMs and takes restarts: a host in maintenance does neither; one entering it is up (its VMs
   * fail over if it fails) and takes none ({@link VmRecovery#rooms} gives it no room).
   */
  private static Cluster.HostState hostState(MasterState s, HostEntry h) {
    if (!Maintenance.failsOver(s, h.id())) return Cluster.HostState.MAINTENANCE;
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
    return judged(t, s, now, now.plus(vm(vm, p, host)), "power-on", host, Optional.of(vm.name()),
        "powering " + vm.name() + " on at " + host);
  }

  /**
   * Whether admission control would refuse an operator's power-on of {@code vm} at {@code host}, recording nothing:
   * a fallback host of the start that it would refuse is not tried.
   */
  static boolean refusesPowerOn(Turn t, MasterState s, VmSpec vm, VmProtection p, String host) {
    Cluster now = cluster(t, s);
    return decide(t, s, now, now.plus(vm(vm, p, host)), "").outcome() == Admission.Outcome.REFUSED;
  }

  /**
   * An operator's power-on that did not start at its target {@code target} but at a fallback, {@code host}, judged
   * again there: against the cluster as it is, with the VM there ({@code s}: after the start). It runs already, so a
   * broken plan is a warning (recorded as one), whatever vmha.capacity.admission says; a fallback refused when the
   * start was decided is never tried ({@link #refusesPowerOn}), so only a change since then warns under refuse.
   */
  static Optional<String> landedWarning(Turn t, MasterState s, String vm, String host, String target) {
    Cluster now = cluster(t, s);
    Admission.Decision d = decide(t, s, now, now, "powering " + vm + " on at " + host + " (it did not start at "
        + target + ")");
    if (d.outcome() == Admission.Outcome.ALLOWED) return Optional.empty();
    t.emit(new HaEvent.CapacityAdmission(t.wall, t.self(), "power-on", host, List.of(vm), false, d.reason()));
    return Optional.of(d.reason());
  }

  /**
   * Admission control of an operator's protect of {@code vm}, running at {@code host}: judged against the cluster
   * with it protected there (it takes no more room: the host's free memory counts it already).
   */
  static Admission.Decision admitProtect(Turn t, MasterState s, VmSpec vm, VmProtection p, String host) {
    Cluster now = cluster(t, s);
    List<Cluster.Vm> vms = new ArrayList<>(now.vms());
    vms.add(vm(vm, p, host));
    return judged(t, s, now, new Cluster(now.hosts(), vms, now.defaultFailoverHost()), "protect", host,
        Optional.of(vm.name()), "protecting " + vm.name() + " at " + host);
  }

  /**
   * Admission control of a protected VM's protection change that makes it owed room after a failure (from
   * best-effort or disabled to a restarted priority: vmha's "raise a reservation"); empty when the change asks for
   * no more room, or the VM runs at no live host.
   */
  static Optional<Admission.Decision> admitProtectionRaise(
      Turn t, MasterState s, String vm, VmProtection before, VmProtection after) {
    Cluster now = cluster(t, s);
    Optional<Cluster.Vm> was = now.vms().stream().filter(v -> v.name().equals(vm)).findFirst();
    if (was.isEmpty() || before.priority().owedRoom() || !after.priority().owedRoom()) return Optional.empty();
    Cluster.Vm v = was.get();
    List<Cluster.Vm> vms = new ArrayList<>(now.vms());
    vms.set(vms.indexOf(v), new Cluster.Vm(vm, v.memoryMb(), v.cpuMhz(), v.host(), after.priority(), after.order()));
    return Optional.of(judged(t, s, now, new Cluster(now.hosts(), vms, now.defaultFailoverHost()), "set-protection",
        v.host(), Optional.of(vm), "restarting " + vm + " with priority " + after.priority().configName()));
  }

  /**
   * Admission control of an operator's request for {@code host} to enter maintenance: judged against the cluster
   * after its drain — each VM it holds (protected or not, in start order) moved to the host the drain would pick,
   * and the host in maintenance, or still up and taking nothing if a VM fits nowhere. What it holds is what its last
   * report runs and what the list places there: a host fenced or unheard for a moment (whose VMs the plan of now
   * leaves out) is judged as it will be drained once it is back, not as an empty host.
   */
  static Admission.Decision admitMaintenance(Turn t, MasterState s, String host) {
    Cluster now = cluster(t, s);
    List<VmSpec> held = heldBy(t, s, host, now);
    Map<String, Long> taken = new HashMap<>();
    Map<String, RestartPlanner.HostRoom> rooms = new LinkedHashMap<>();
    VmRecovery.rooms(t, s).stream().filter(r -> !r.hostId().equals(host)).forEach(r -> rooms.put(r.hostId(), r));
    Map<String, String> movedTo = new HashMap<>();
    boolean stays = false;
    for (VmSpec vm : held) {
      RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
          List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), host)), Map.of(), Set.of(),
          List.copyOf(rooms.values()), t.settings().restart().defaultFailoverHost()));
      if (plan.starts().isEmpty()) {
        stays = true;
        continue;
      }
      String to = plan.starts().get(0).hosts().get(0);
      RestartPlanner.HostRoom r = rooms.get(to);
      rooms.put(to, new RestartPlanner.HostRoom(to, r.freeMemoryMb() - vm.memoryMb(), r.freeStartSlots()));
      taken.merge(to, vm.memoryMb(), Long::sum);
      movedTo.put(vm.name(), to);
    }
    boolean left = stays;
    List<Cluster.Host> hosts = now.hosts().stream().map(x -> x.id().equals(host)
        ? new Cluster.Host(host, x.memoryMb(), 0, x.cpuMhz(), left ? x.state() : Cluster.HostState.MAINTENANCE)
        : new Cluster.Host(x.id(), x.memoryMb(), Math.max(0, x.freeMemoryMb() - taken.getOrDefault(x.id(), 0L)),
            x.cpuMhz(), x.state())).toList();
    List<Cluster.Vm> vms = new ArrayList<>(now.vms().stream().filter(v -> !v.host().equals(host) || left
        || movedTo.containsKey(v.name())).map(v -> !movedTo.containsKey(v.name()) ? v : new Cluster.Vm(v.name(),
        v.memoryMb(), v.cpuMhz(), movedTo.get(v.name()), v.priority(), v.order())).toList());
    // a protected VM the plan of now left out (its host not live at the moment) lands where its drain takes it
    held.stream().filter(vm -> s.protectedList().vms().containsKey(vm.name())
        && now.vms().stream().noneMatch(v -> v.name().equals(vm.name())))
        .filter(vm -> left || movedTo.containsKey(vm.name()))
        .forEach(vm -> vms.add(vm(vm, s.protectedList().vms().get(vm.name()).protection(),
            movedTo.getOrDefault(vm.name(), host))));
    Cluster after = new Cluster(hosts, vms, now.defaultFailoverHost());
    return judged(t, s, now, after, "enter-maintenance", host, Optional.empty(),
        "putting host " + host + " in maintenance");
  }

  /**
   * The VMs {@code host} holds, in start order: those its last report runs, and the protected VMs the list places
   * there (not given up, not being restarted, not running anywhere the plan of now knows of).
   */
  private static List<VmSpec> heldBy(Turn t, MasterState s, String host, Cluster now) {
    HostEntry h = s.hosts().get(host);
    List<VmSpec> held = new ArrayList<>(h == null ? List.of() : h.report().map(r -> r.poweredOn()).orElse(List.of()));
    s.protectedList().vms().values().stream().sorted(Comparator.comparing(e -> e.vm().name()))
        .filter(e -> e.host().equals(host) && !e.recovery().gaveUp() && !s.pending().containsKey(e.vm().name())
            && held.stream().noneMatch(vm -> vm.name().equals(e.vm().name()))
            && now.vms().stream().noneMatch(v -> v.name().equals(e.vm().name()) && !v.host().equals(host)))
        .forEach(e -> held.add(e.vm()));
    return Maintenance.inStartOrder(t, s, held);
  }

  /**
   * The decision on {@code after}; one that is not plainly allowed is recorded ({@code operation} at {@code host},
   * on {@code vm}, else on the protected VMs that would not come back).
   */
  private static Admission.Decision judged(Turn t, MasterState s, Cluster now, Cluster after, String operation,
      String host, Optional<String> vm, String described) {
    Admission.Decision d = decide(t, s, now, after, described);
    if (d.outcome() != Admission.Outcome.ALLOWED) {
      List<String> vms = vm.map(List::of).orElseGet(() -> d.after().wouldNotComeBack().stream()
          .map(CapacityPlan.Unplaced::vm).distinct().toList());
      t.emit(new HaEvent.CapacityAdmission(t.wall, t.self(), operation, host, vms,
          d.outcome() == Admission.Outcome.REFUSED, d.reason()));
    }
    return d;
  }

  /**
   * The decision on {@code after}, noting whether the cluster was overcommitted already by the master's last plan,
   * and saying so when that plan is not of the cluster {@code now} (a planning run is out, or failed).
   */
  private static Admission.Decision decide(Turn t, MasterState s, Cluster now, Cluster after, String described) {
    Watch w = s.capacity();
    Admission.Decision d = Admission.judge(w.plan(), after, t.settings().capacity(), described);
    if (d.outcome() == Admission.Outcome.ALLOWED || !w.staleFor(now)) return d;
    return new Admission.Decision(d.outcome(), d.reason() + " (" + (w.plan().isEmpty() ? "the master has no plan"
        + " of its own yet" : "the master's last plan is stale: it is of cluster version " + w.planFor() + ", the"
        + " cluster has changed since") + ")", d.after());
  }

  /**
   * Why a VM waits, as the planner said; a protected VM without room after a failure beyond the failover plan waits
   * as best-effort (XenServer's overcommit handling: started when room appears, owed none), and its wait says so.
   */
  static Waiting waiting(Turn t, MasterState s, Pending p, RestartPlanner.Wait w) {
    CapacitySettings c = t.settings().capacity();
    if (w.reason() != WaitReason.NO_ROOM || c.policy() == CapacitySettings.Policy.DISABLED
        || !p.protection().priority().owedRoom()) {
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
