package dev.vmha.master;

import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.MajorityRule;
import dev.vmha.lease.LeaseRule;
import dev.vmha.master.MasterState.HostEntry;
import dev.vmha.master.MasterState.InFlight;
import dev.vmha.master.MasterState.Pending;
import dev.vmha.master.MasterState.Unknown;
import dev.vmha.master.MasterState.Unseen;
import dev.vmha.master.MasterState.Waiting;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which lost protected VMs start, where and when (issue 5): VMs that need a home ({@link Pending}) come from
 * a verdict, an isolated host's flag, a host's report of VMs that stopped, or a VM its live host has not run for
 * hostTimeout ({@link #reconcile}); {@link #advance} passes those whose time has come to the {@link RestartPlanner}
 * and starts its plan; {@link #restarted} follows each attempt to success, retry or give-up.
 */
final class VmRecovery {
  private VmRecovery() {}

  /**
   * The VMs an isolated host's power-on file lists as stopped by its isolation response, which the protected list
   * still places on that host. The host writes the file only after the hypervisor confirmed them off, so they may
   * start elsewhere; whether the host is back or not.
   */
  static MasterState restartFlagged(Turn t, MasterState s, String host) {
    List<VmSpec> stopped = s.view().flatMap(v -> v.powerOn(host)).filter(PowerOnFile::isolated)
        .map(PowerOnFile::vms).orElse(List.of());
    return restartStopped(t, s, host, stopped, "host " + host + " is isolated and powered these VMs off");
  }

  /** The isolated hosts' flagged VMs, every round. */
  static MasterState restartFlagged(Turn t, MasterState s) {
    MasterState next = s;
    List<String> flagged = s.view().map(v -> v.powerOn().values().stream().filter(PowerOnFile::isolated)
        .map(PowerOnFile::hostId).sorted().toList()).orElse(List.of());
    for (String host : flagged) next = restartFlagged(t, next, host);
    return next;
  }

  /**
   * VMs a host confirmed it powered off (isolation response, fence, guest) are restarted elsewhere, those the
   * protected list still places on that host: once restarted, the list places them where they run now.
   */
  static MasterState restartStopped(Turn t, MasterState s, String host, List<VmSpec> stopped, String reason) {
    List<VmSpec> still = stopped.stream()
        .filter(vm -> {
          ProtectedList.Entry e = s.protectedList().vms().get(vm.name());
          return e != null && e.host().equals(host);
        })
        .toList();
    return needHome(t, s, host, still, reason);
  }

  /**
   * The protected VMs the protected list places on a host. The list follows every host's reports, so it is the
   * authority; a power-on file may still name VMs that were restarted elsewhere since.
   */
  static List<VmSpec> protectedVmsOf(MasterState s, String host) {
    return s.protectedList().vms().values().stream().filter(e -> e.host().equals(host))
        .map(ProtectedList.Entry::vm).sorted(Comparator.comparing(VmSpec::name)).toList();
  }

  /**
   * A protected VM that its live host neither runs nor starts, and that nothing is restarting, in reports spanning
   * hostTimeout was lost unseen — the host rebooted, or its agent restarted without it — and is restarted like a
   * failure; without datastores only while no other host is {@link #unaccounted}. The wait lets every host's report
   * arrive first: a VM moved elsewhere shows up there and is followed.
   */
  static MasterState reconcile(Turn t, MasterState s) {
    Map<String, Unseen> missing = new HashMap<>();
    MasterState next = s;
    Duration hostTimeout = t.settings().hostTimeout();
    boolean unaccounted = !unaccounted(t, s).isEmpty();
    for (ProtectedList.Entry e : sortedEntries(s)) {
      String vm = e.vm().name();
      HostEntry h = s.hosts().get(e.host());
      boolean unseen = h != null && h.live() && !h.report().get().has(vm) && !e.recovery().gaveUp()
          && !s.inFlight().containsKey(vm) && !s.pending().containsKey(vm) && s.runningAt(vm).isEmpty();
      if (!unseen) continue;
      Unseen was = s.missing().get(vm);
      // counted at this host only: a VM restarted here after going missing at its old host is new here
      Duration since = was != null && was.host().equals(e.host()) ? was.since() : s.now();
      // acted on only when a report that came hostTimeout after the first one without it still lacks it: a host
      // whose beats stopped meanwhile is judged instead, and its last report proves nothing
      if (h.lastBeat().minus(since).compareTo(hostTimeout) < 0 || unaccounted) {
        missing.put(vm, new Unseen(e.host(), since));
      } else {
        next = needHome(t, next, e.host(), List.of(e.vm()), "its host " + e.host() + " has not run it for "
            + hostTimeout.toSeconds() + " s (the host or its agent restarted without it)");
      }
    }
    return next.missing(missing);
  }

  /**
   * Without datastores, the other hosts that neither report to this master nor are judged DEAD (surely fenced). No
   * lease shows where a VM runs, so a VM missing at the host the list places it on may run at one of them, restarted
   * there by a master whose newer list died with it (seed 557): {@link #reconcile} takes it for lost only once there
   * are none; an operator's power-on waits for the same ({@link OperatorRequests}). With datastores the VM's lease
   * shows its holder ({@link #advance}).
   */
  static List<String> unaccounted(Turn t, MasterState s) {
    if (t.config.hasDatastores()) return List.of();
    return HostWatch.sorted(s).stream()
        .filter(h -> !h.id().equals(t.self()) && h.verdict() != Verdict.DEAD
            && !(h.verdict() == Verdict.ALIVE && h.report().isPresent() && HostWatch.beating(t, s, h)))
        .map(HostEntry::id).toList();
  }

  /**
   * Protected VMs lost from a host join the VMs that need a home; {@link #advance} starts them in order. VMs not
   * protected, running somewhere, being started or already waiting are left alone.
   */
  static MasterState needHome(Turn t, MasterState s, String lostFrom, List<VmSpec> vms, String reason) {
    Map<String, Pending> pending = new HashMap<>(s.pending());
    for (VmSpec vm : vms) {
      ProtectedList.Entry e = s.protectedList().vms().get(vm.name());
      if (e == null || e.recovery().gaveUp()) continue; // unprotected, or given up with a recorded reason
      if (s.runningAt(vm.name()).isPresent() || s.inFlight().containsKey(vm.name())) continue;
      Duration wait = e.recovery().retryAt().map(at -> Duration.between(t.wall, at)).filter(w -> !w.isNegative())
          .orElse(Duration.ZERO);
      pending.putIfAbsent(vm.name(), Pending.lost(e, lostFrom, reason, s.now(), s.now().plus(wait)));
    }
    return advance(t, s.restarts(pending, s.inFlight()));
  }

  /**
   * Carries the restart plan one step further (every tick and after every change): the VMs that need a home and
   * whose retry time has come, whose lease is free or expired, and whose last unanswered host has shown itself, go
   * through the {@link RestartPlanner}; its starts are carried out, its waits and skips recorded with their reasons.
   */
  static MasterState advance(Turn t, MasterState s) {
    if (!s.loaded()) return s;
    Map<String, Pending> pending = new HashMap<>(s.pending());
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    pending.keySet().removeIf(vm -> s.runningAt(vm).isPresent()); // back by itself, or an unanswered host ran it
    for (InFlight f : sortedInFlight(s)) {
      if (!f.announced() && f.satisfied(s.now())) {
        t.emit(new HaEvent.VmReady(t.wall, t.self(), f.vm().name(), "its ready timeout of "
            + f.protection().readyTimeout().toSeconds() + " s passed without a power-on answer from " + f.host()));
        inFlight.put(f.vm().name(), f.announce());
      }
    }
    Optional<Waiting> hold = holdRestarts(t, s);
    List<Pending> due = pending.values().stream().sorted(Comparator.comparing(p -> p.vm().name())).toList();
    if (hold.isPresent()) {
      boolean noMajority = !t.config.hasDatastores() && !HostWatch.majority(t, s).majority();
      for (Pending p : due) {
        pending.put(p.vm().name(), waitFor(t, noMajority ? otherSideMayRunIt(t, s, p) : p, hold.get()));
      }
      return s.restarts(pending, inFlight);
    }
    List<RestartPlanner.Homeless> homeless = new ArrayList<>();
    Map<String, Optional<VmLease>> grants = new HashMap<>();
    for (Pending p : due) {
      if (p.notBefore().compareTo(s.now()) > 0) continue; // its retry is scheduled
      if (!s.protectedList().ha().enabledFor(p.lostFrom())) {
        pending.put(p.vm().name(), waitFor(t, p, new Waiting(WaitReason.HA_DISABLED, "HA is disabled for "
            + p.lostFrom() + ", which it was lost from (./vmha host ha enable " + p.lostFrom() + ")")));
        continue;
      }
      List<String> unknown = p.unknown().map(u -> unshown(t, s, u, p.vm().name())).orElse(List.of());
      if (!unknown.isEmpty()) {
        pending.put(p.vm().name(), waitFor(t, p, new Waiting(WaitReason.POWER_STATE_UNKNOWN, String.join(", ", unknown)
            + " may run " + p.vm().name() + " (a power-on went there unanswered, or this side held no majority while"
            + " it was not heard): nothing else starts it until each has reported without it or been judged dead")));
        continue;
      }
      if (t.config.hasDatastores()) {
        LeaseRule.Decision d = lease(t, s, p.vm().name()).orElse(new LeaseRule.Decision(false, Optional.empty(),
            "the master has not read the datastores yet"));
        if (!d.mayStart()) {
          pending.put(p.vm().name(), waitFor(t, p, new Waiting(WaitReason.LEASE, d.why())));
          continue;
        }
        grants.put(p.vm().name(), d.grant());
      }
      homeless.add(new RestartPlanner.Homeless(p.vm(), p.protection(), p.lostFrom()));
    }
    if (homeless.isEmpty()) return s.restarts(pending, inFlight);
    Map<String, VmProtection> starting = new HashMap<>();
    inFlight.values().stream().filter(f -> !f.satisfied(s.now()))
        .forEach(f -> starting.put(f.vm().name(), f.protection()));
    Set<String> satisfied = new HashSet<>();
    for (ProtectedList.Entry e : s.protectedList().vms().values()) {
      String vm = e.vm().name();
      InFlight f = inFlight.get(vm);
      boolean placedLive = s.liveHost(e.host());
      if (s.runningAt(vm).isPresent() || (f != null ? f.satisfied(s.now()) : !pending.containsKey(vm) && placedLive)) {
        satisfied.add(vm);
      }
    }
    // a host whose HA an operator disabled takes no restarts
    List<RestartPlanner.HostRoom> targets = rooms(t, s).stream()
        .filter(r -> s.protectedList().ha().enabledFor(r.hostId())).toList();
    RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(homeless, starting, satisfied,
        targets, t.settings().restart().defaultFailoverHost()));
    MasterState next = recordStarts(t, s, plan.starts());
    List<MasterState.AfterWrite> held = new ArrayList<>();
    for (RestartPlanner.Start st : plan.starts()) {
      Pending p = pending.remove(st.vm().name());
      HaEvent planned = new HaEvent.VmRestartPlanned(t.wall, t.self(), st.vm().name(), p.lostFrom(),
          st.hosts().get(0), p.reason() + "; " + st.why());
      int attempt = p.failedAttempts() + 1;
      MasterEffect.PersistThenStart start = new MasterEffect.PersistThenStart(Optional.of(planned), p.vm(),
          grants.getOrDefault(st.vm().name(), Optional.empty()), st.hosts(), attempt);
      if (recorded(t, s, st)) {
        held.add(new MasterState.AfterWrite.Restart(next.protectedList().version(), start, p));
      } else {
        t.effect(start);
      }
      inFlight.put(st.vm().name(), starting(t, s, p.vm(), p.protection(), p.lostFrom(), st.hosts().get(0), attempt,
          Optional.empty(), Optional.empty()));
    }
    for (RestartPlanner.Wait w : plan.waits()) {
      Pending p = pending.get(w.vm().name());
      pending.put(w.vm().name(), waitFor(t, p, CapacityWatch.waiting(t, s, p, w)));
    }
    for (RestartPlanner.Skip k : plan.skips()) {
      pending.remove(k.vm().name());
      next = giveUp(t, next, k.vm().name(), 0, k.why());
    }
    next = next.restarts(pending, inFlight);
    for (MasterState.AfterWrite a : held) next = OperatorRequests.waitForWrite(t, next, a);
    return next;
  }

  /**
   * Without datastores, the restarts whose power-on still waits for a strict majority to hold the list recording them
   * ({@link MasterState.AfterWrite.Held}) are not sent, and wait for a home again: their list was replaced by one
   * taken from elsewhere, or this side lost its majority (a power-on sent once the slaves hold the list after a heal
   * could start the VM beside a copy another master started meanwhile).
   */
  static MasterState unsent(Turn t, MasterState s, String why) {
    List<MasterState.AfterWrite> still = new ArrayList<>();
    Map<String, Pending> pending = new HashMap<>(s.pending());
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    for (MasterState.AfterWrite a : s.afterWrite()) {
      if (!(a.change() instanceof MasterState.AfterWrite.Restart r)) {
        still.add(a);
        continue;
      }
      String vm = r.start().vm().name();
      InFlight f = inFlight.remove(vm);
      ProtectedList.Entry e = s.protectedList().vms().get(vm);
      t.log(vm + " not started: " + why);
      if (f != null && e != null) pending.putIfAbsent(vm, Pending.lost(e, f.lostFrom(), why, s.now(), s.now()));
    }
    return still.size() == s.afterWrite().size() ? s : s.afterWrite(still).restarts(pending, inFlight);
  }

  /**
   * Without datastores a restart's power-on waits for its list to be held ({@link MasterState.AfterWrite.Held}),
   * an interval or two: it goes out only if no host reports the VM running meanwhile, as a VM back by itself leaves
   * the ones still waiting ({@link #advance}); otherwise the VM is placed where it runs (seeds 39166 and 24528, with a
   * simulated restarter that outlived its master: host3 reported the VM running and the held power-on went out).
   */
  static MasterState send(Turn t, MasterState s, MasterState.AfterWrite.Restart r) {
    String vm = r.start().vm().name();
    Optional<String> at = s.runningAt(vm);
    if (at.isEmpty()) {
      t.effect(r.start());
      return s;
    }
    t.log(vm + " not started: " + at.get() + " reports it running since its restart was planned");
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    inFlight.remove(vm);
    MasterState next = s.restarts(s.pending(), inFlight);
    return ListOwnership.followMigrations(t, next, next.hosts().get(at.get()).report().orElseThrow());
  }

  /**
   * Without datastores the list records where the restarts go before their power-ons go out ({@link
   * ProtectedList.Entry#startingAt}): a new master that takes it from the replica waits to hear those hosts before it
   * starts the VM again (seed 2185: master host4 started vm3 at host1 and stepped down before the answer; host5 took
   * its list and acted on host4's stop record of vm3 while host1, running it, had not reported to it). With
   * datastores the VM's lease shows where it runs.
   */
  private static MasterState recordStarts(Turn t, MasterState s, List<RestartPlanner.Start> starts) {
    if (t.config.hasDatastores() || starts.isEmpty()) return s;
    Map<String, List<String>> at = new HashMap<>();
    for (RestartPlanner.Start st : starts) {
      if (recorded(t, s, st)) at.put(st.vm().name(), st.hosts());
    }
    return at.isEmpty() ? s : ListOwnership.write(t, s, s.protectedList().starting(at, t.self()));
  }

  /**
   * Whether the list records where this restart goes ({@link #recordStarts}): its power-on then waits until that
   * list is on this host's disk, so that an agent restarting here before its next beat carries the list knows of it
   * (seed 18433: the new agent took an older replica, and restarted the VM beside the copy this one started).
   */
  private static boolean recorded(Turn t, MasterState s, RestartPlanner.Start st) {
    return !t.config.hasDatastores() && s.protectedList().vms().containsKey(st.vm().name());
  }

  /**
   * Without datastores, the list that records a restart could not be written to this host's disk ({@link
   * #recorded}): its power-on does not go out — an agent restarting here would not know of it — and the VM waits as
   * before, planned again on the next round, the attempt not counted. The list still names the hosts the attempt was
   * to go to ({@link ProtectedList.Entry#startingAt}): a master that takes it only waits to hear them.
   */
  static MasterState notRecorded(Turn t, MasterState s, MasterState.AfterWrite.Restart r, String why) {
    String vm = r.start().vm().name();
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    inFlight.remove(vm);
    Map<String, Pending> pending = new HashMap<>(s.pending());
    if (s.protectedList().vms().containsKey(vm)) {
      Pending p = r.pending();
      Pending again = new Pending(p.vm(), p.protection(), p.lostFrom(), p.reason(), p.failedAttempts(),
          s.now().plus(t.settings().failureDetectionInterval()), p.unknown(), p.waiting());
      pending.put(vm, waitFor(t, again, new Waiting(WaitReason.LIST_NOT_STORED, why)));
    }
    return s.restarts(pending, inFlight);
  }

  /** What the lease rule says of starting the VM elsewhere, once the master has read the datastores. */
  static Optional<LeaseRule.Decision> lease(Turn t, MasterState s, String vm) {
    return s.view().map(v -> LeaseRule.mayStart(vm, v.lease(vm), t.settings().leaseTiming().expiry()));
  }

  /**
   * Why this master restarts nothing now, if so: an operator disabled HA for the cluster. With heartbeat datastores:
   * it holds no protected-list lock (another master owns the list), or it has just taken one and reads the list
   * again. Without: its side holds no strict majority; or it has one, but a host Pekko reaches has
   * not reported to it since (the other master's slaves after a heal), and hostTimeout has not passed since the
   * majority began — so that no VM lost while this side had no majority is started beside its running copy.
   */
  private static Optional<Waiting> holdRestarts(Turn t, MasterState s) {
    if (!s.protectedList().ha().clusterEnabled()) {
      return Optional.of(new Waiting(WaitReason.HA_DISABLED, "HA is disabled for the cluster (./vmha ha enable)"));
    }
    if (t.config.hasDatastores() && !ListOwnership.owns(t, s)) {
      return Optional.of(new Waiting(WaitReason.LIST_LOCK,
          "this master holds no datastore's protected-list lock (another master owns the list: partitioned)"));
    }
    if (t.config.hasDatastores() && s.listReadOut()) {
      // the master that held the lock may have changed the list since this one read it (seed 289: a power-off lost)
      return Optional.of(new Waiting(WaitReason.LIST_LOCK, "this master took the protected-list lock and reads the"
          + " list again first"));
    }
    if (t.config.hasDatastores()) return Optional.empty();
    MajorityRule.Count side = HostWatch.majority(t, s);
    if (!side.majority()) {
      return Optional.of(new Waiting(WaitReason.NO_MAJORITY, side.describe() + ": without heartbeat datastores only"
          + " a strict majority restarts VMs"));
    }
    // the hosts Pekko reaches that have not beaten to this master since its majority began: after a heal, the
    // other master's slaves, which follow this master at its next heartbeat and then report the VMs they run
    Duration since = s.majoritySince().orElse(s.now());
    List<String> awaited = HostWatch.sorted(s).stream()
        .filter(o -> !o.id().equals(t.self()) && o.reach() == Reachability.REACHABLE && o.verdict() != Verdict.DEAD
            && (o.report().isEmpty() || o.lastBeat().compareTo(since) < 0))
        .map(HostEntry::id).toList();
    if (!awaited.isEmpty() && s.now().minus(since).compareTo(t.settings().hostTimeout()) < 0) {
      return Optional.of(new Waiting(WaitReason.NO_MAJORITY, side.describe() + "; waiting (at most hostTimeout) for"
          + " the report of " + awaited + ", reachable but not yet following this master"));
    }
    return Optional.empty();
  }

  /**
   * The VM is given up after {@code failed} attempts (of this recovery, or a previous master's as the list says):
   * recorded in the protected list first, so no master tries it again until it runs.
   */
  static MasterState giveUp(Turn t, MasterState s, String vm, int failed, String why) {
    MasterState next = s;
    ProtectedList.Entry e = s.protectedList().vms().get(vm);
    if (e != null) {
      next = ListOwnership.write(t, s, s.protectedList().recovering(vm,
          ProtectedList.Recovery.givenUp(Math.max(failed, e.recovery().failedAttempts()), why), t.self()));
    }
    t.emit(new HaEvent.VmNotRestarted(t.wall, t.self(), vm, why));
    return next;
  }

  /**
   * The hosts that may run the VM and have not shown since: neither beaten again without it (a report that has it
   * starting shows only that it may soon run there) nor been judged dead. Without datastores a power-on sent before
   * the wait began may still be in the network, and a report sent before it arrived lacks the VM (seed 24528: the
   * previous master's power-on reached host3 after this master took its replica, and host3's report sent before that
   * came here after it): only a report from {@link TimingRules#powerOnArrivedBy} on shows the host. With datastores the
   * VM's lease orders the copies.
   */
  private static List<String> unshown(Turn t, MasterState s, Unknown u, String vm) {
    Duration from = t.config.hasDatastores() ? u.since()
        : u.since().plus(TimingRules.powerOnArrivedBy(t.settings().failureDetectionInterval()));
    return u.hosts().stream().filter(host -> {
      HostEntry h = s.hosts().get(host);
      return h != null && h.verdict() != Verdict.DEAD
          && (h.lastBeat().compareTo(from) <= 0 || h.report().map(r -> r.has(vm)).orElse(false));
    }).toList();
  }

  /**
   * Without datastores, while this side holds no majority another side may hold one, and its master may restart a VM
   * waiting here at a host not heard here, in a list that never reaches this master (seed 21186, before promised
   * epochs: that master stepped down for this one and took its list, of the same version; now the majority's host
   * that holds that list promised a later epoch and offers it). The hosts unaccounted for while the VM waits join
   * those that may run it: once the majority is back it starts only after each has reported without it or been
   * judged DEAD.
   */
  private static Pending otherSideMayRunIt(Turn t, MasterState s, Pending p) {
    List<String> known = p.unknown().map(Unknown::hosts).orElse(List.of());
    List<String> added = unaccounted(t, s).stream().filter(h -> !known.contains(h)).toList();
    if (added.isEmpty()) return p;
    List<String> hosts = new ArrayList<>(known);
    hosts.addAll(added);
    // counted from now: a host added now must beat after it, and one already there beats again soon if it beats
    return new Pending(p.vm(), p.protection(), p.lostFrom(), p.reason(), p.failedAttempts(), p.notBefore(),
        Optional.of(new Unknown(hosts, s.now())), p.waiting());
  }

  /** The VM waits for a reason; the reason is recorded when it changes (not every round). */
  private static Pending waitFor(Turn t, Pending p, Waiting w) {
    if (p.waiting().map(Waiting::reason).filter(w.reason()::equals).isEmpty()) {
      if (w.reason() == WaitReason.NO_ROOM || w.reason() == WaitReason.BEYOND_PLAN) {
        t.emit(new HaEvent.VmAwaitingCapacity(t.wall, t.self(), p.vm().name(), p.reason() + "; " + w.why()
            + "; retried when capacity appears"));
      } else {
        t.emit(new HaEvent.VmRestartWaiting(t.wall, t.self(), p.vm().name(), w.reason(), w.why()));
      }
    }
    return p.waiting(w);
  }

  /** A VM being started at {@code host} now; ready at once when resources allocated is its condition. */
  static InFlight starting(
      Turn t, MasterState s, VmSpec vm, VmProtection protection, String lostFrom, String host, int attempt,
      Optional<RequestId> request, Optional<String> warning) {
    InFlight f = new InFlight(vm, protection, lostFrom, host, s.now(), attempt, request, warning, false);
    if (!f.satisfied(s.now())) return f;
    t.emit(new HaEvent.VmReady(t.wall, t.self(), vm.name(), "resources allocated at " + host));
    return f.announce();
  }

  /**
   * Room on every live host not in maintenance: its memory less the VMs it reports, those the protected list places
   * there and not yet reported, and starts in flight to it; and how many more power-ons it may take at once
   * ({@code das.perHostConcurrentFailoversLimit}).
   */
  static List<RestartPlanner.HostRoom> rooms(Turn t, MasterState s) {
    int limit = t.settings().restart().perHostConcurrentFailoversLimit();
    // grouped once, in plain loops: the capacity plan asks on every step (CapacityWatch), so O(hosts + VMs)
    Map<String, List<ProtectedList.Entry>> placed = new HashMap<>();
    for (ProtectedList.Entry e : s.protectedList().vms().values()) {
      placed.computeIfAbsent(e.host(), h -> new ArrayList<>()).add(e);
    }
    Map<String, List<InFlight>> starts = new HashMap<>();
    for (InFlight f : s.inFlight().values()) starts.computeIfAbsent(f.host(), h -> new ArrayList<>()).add(f);
    List<RestartPlanner.HostRoom> rooms = new ArrayList<>();
    for (HostEntry h : HostWatch.sorted(s)) {
      if (!h.live() || !Maintenance.takesVms(s, h.id())) continue;
      Map<String, Long> vms = new HashMap<>();
      h.report().get().poweredOn().forEach(vm -> vms.put(vm.name(), vm.memoryMb()));
      placed.getOrDefault(h.id(), List.of()).forEach(e -> vms.putIfAbsent(e.vm().name(), e.vm().memoryMb()));
      List<InFlight> starting = starts.getOrDefault(h.id(), List.of());
      starting.forEach(f -> vms.putIfAbsent(f.vm().name(), f.vm().memoryMb()));
      long used = 0;
      for (long mb : vms.values()) used += mb;
      rooms.add(new RestartPlanner.HostRoom(h.id(), h.report().get().memoryMb() - used,
          (int) Math.max(0, limit - starting.size())));
    }
    return List.copyOf(rooms);
  }

  /** An attempt ended: the VM runs (the list follows it), or it is retried, waits for its host, or is given up. */
  static MasterState restarted(Turn t, MasterState s, RestartOutcome o) {
    String vm = o.vm().name();
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    InFlight f = inFlight.remove(vm);
    if (f == null) return s;
    Map<String, Pending> pending = new HashMap<>(s.pending());
    MasterState next = s;
    if (o instanceof RestartOutcome.Started started) {
      if (s.protectedList().vms().containsKey(vm)) {
        next = ListOwnership.write(t, next, s.protectedList().moved(vm, started.host(), t.self()));
      }
      // started there: not missing there since before (seed 27993: restarted between two rounds of reconcile at the
      // host it had long been missing at, it was taken for lost again before that host's next poll showed it)
      Map<String, Unseen> missing = new HashMap<>(next.missing());
      missing.remove(vm);
      next = next.placedAt(vm, started.host()).missing(missing);
      if (f.request().isPresent()) {
        Optional<String> warning = started.host().equals(f.host()) ? f.warning()
            : CapacityWatch.landedWarning(t, next.restarts(pending, inFlight), vm, started.host(), f.host());
        OperatorRequests.poweredOn(t, f.request().get(), vm, started.host(), warning);
      }
      if (!f.announced()) t.emit(new HaEvent.VmReady(t.wall, t.self(), vm, "powered on at " + started.host()));
      return advance(t, next.restarts(pending, inFlight));
    }
    String reason = o instanceof RestartOutcome.Refused r ? r.reason() : ((RestartOutcome.Unanswered) o).reason();
    if (f.request().isPresent()) {
      // this request added the VM: a power-on of a VM already protected is refused before it starts (issue 20)
      next = OperatorRequests.notPoweredOn(t, next, f.request().get(), vm, reason);
      return advance(t, next.restarts(pending, inFlight));
    }
    int failed = f.attempt();
    int max = t.settings().restart().maxVmRestartCount();
    if (!next.protectedList().vms().containsKey(vm)) {
      // powered off by an operator meanwhile: nothing to retry
    } else if (o instanceof RestartOutcome.Unanswered u) {
      // its host failed, not the VM: tried again, uncounted, as soon as that host shows whether it runs it
      pending.put(vm, waitFor(t, new Pending(f.vm(), f.protection(), f.lostFrom(), "retry after " + reason,
          failed - 1, s.now(), Optional.of(new Unknown(List.of(u.host()), s.now())), Optional.empty()),
          new Waiting(WaitReason.POWER_STATE_UNKNOWN, reason)));
    } else if (f.protection().priority() == RestartPriority.BEST_EFFORT) {
      next = giveUp(t, next, vm, failed, "best-effort VMs get exactly one attempt, and it failed: " + reason);
    } else if (failed >= max) {
      next = giveUp(t, next, vm, failed, "all " + failed + " attempts failed (das.maxvmrestartcount = " + max + "); the"
          + " last: " + reason);
    } else {
      Duration delay = t.settings().restart().retryDelay(failed);
      // recorded before it waits: a new master retries at the same time, counting the same attempts
      next = ListOwnership.write(t, next, next.protectedList().recovering(vm,
          ProtectedList.Recovery.retry(failed, t.wall.plus(delay)), t.self()));
      t.emit(new HaEvent.VmRestartRetryScheduled(t.wall, t.self(), vm, failed, delay, reason));
      pending.put(vm, new Pending(f.vm(), f.protection(), f.lostFrom(), "retry after " + reason, failed,
          s.now().plus(delay), Optional.empty(), Optional.empty()));
    }
    return advance(t, next.restarts(pending, inFlight));
  }

  private static List<ProtectedList.Entry> sortedEntries(MasterState s) {
    return s.protectedList().vms().values().stream().sorted(Comparator.comparing(e -> e.vm().name())).toList();
  }

  private static List<InFlight> sortedInFlight(MasterState s) {
    return s.inFlight().values().stream().sorted(Comparator.comparing(f -> f.vm().name())).toList();
  }
}
