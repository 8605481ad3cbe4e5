package dev.vmha.master;

import dev.vmha.capacity.Admission;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.MajorityRule;
import dev.vmha.lease.LeaseRule;
import dev.vmha.master.MasterState.AfterWrite;
import dev.vmha.master.MasterState.HostEntry;
import dev.vmha.master.MasterState.InFlight;
import dev.vmha.master.MasterState.Pending;
import dev.vmha.restart.Dependencies;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.VmProtection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Decides an operator's power-on and power-off. A power-on is refused, changing nothing, when the VM runs, is being
 * started, waits or is already protected, or its depends-on cannot be, or when running it where placement puts it
 * would break the capacity policy and admission is refuse ({@link CapacityWatch#admitPowerOn}; with warn it goes
 * ahead and its answer carries the warning); else the VM is protected in the list, and started once that list is
 * stored, at the target or a fallback admission allows; one that lands on a fallback is judged again there. A power-off unprotects first and stops the VM once that is stored; the VM is
 * reported powered off once its host confirms it.
 */
final class OperatorRequests {
  private OperatorRequests() {}

  /** Why this master may not change the protected list now, if so. */
  static Optional<String> notOwner(Turn t, MasterState s) {
    if (!s.loaded() || s.listReadOut()) return Optional.of("the master has not read the protected list yet; try again");
    if (!ListOwnership.owns(t, s)) {
      return Optional.of("master " + t.self() + " does not own the protected list (another master holds its"
          + " datastore lock: the cluster is partitioned); try again when it heals");
    }
    MajorityRule.Count side = HostWatch.majority(t, s);
    if (!t.config.hasDatastores() && !side.majority()) {
      return Optional.of("master " + t.self() + ": " + side.describe() + ", no strict majority (the cluster is"
          + " partitioned); try again when it heals");
    }
    return Optional.empty();
  }

  static MasterState powerOn(Turn t, MasterState s, MasterInput.PowerOn p) {
    VmSpec vm = p.vm();
    VmProtection protection = p.protection().orElseGet(() -> t.settings().restart().protectionOf(vm.name()));
    Optional<LeaseRule.Decision> lease = t.config.hasDatastores() ? VmRecovery.lease(t, s, vm.name())
        : Optional.empty();
    // the list must be known to check the dependencies against it; a wrong request is named before a busy cluster
    Optional<String> busy = notOwner(t, s);
    if (busy.isPresent()) return refuse(t, s, p.request(), busy.get());
    Optional<String> invalid = dependencyError(s, vm.name(), protection);
    if (invalid.isPresent()) {
      t.effect(new MasterEffect.Reply(p.request(), false, invalid.get(), Optional.of("dependsOn")));
      return s;
    }
    Optional<String> protectedAlready = alreadyProtected(s, vm.name());
    if (protectedAlready.isPresent()) {
      t.effect(new MasterEffect.Reply(p.request(), false, protectedAlready.get(), Optional.empty(), true));
      return s;
    }
    Optional<String> refusal = powerOnRefusal(t, s, p, lease);
    if (refusal.isPresent()) return refuse(t, s, p.request(), refusal.get());
    List<RestartPlanner.HostRoom> rooms = VmRecovery.rooms(t, s).stream()
        .filter(c -> p.host().isEmpty() || c.hostId().equals(p.host().get())).toList();
    // an operator's power-on is placed at once: no ordering group or dependency holds it back
    RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
        List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), "-")), Map.of(), Set.of(), rooms,
        t.settings().restart().defaultFailoverHost()));
    if (plan.starts().isEmpty()) {
      String why = plan.waits().isEmpty() ? "no live host" : plan.waits().get(0).why();
      return refuse(t, s, p.request(), "no " + p.host().map(h -> "room at " + h).orElse("live host") + " for "
          + vm.name() + ": " + why);
    }
    List<String> candidates = plan.starts().get(0).hosts();
    Admission.Decision admission = CapacityWatch.admitPowerOn(t, s, vm, protection, candidates.get(0));
    if (admission.outcome() == Admission.Outcome.REFUSED) {
      return refuse(t, s, p.request(), vm.name() + " not powered on: " + admission.reason());
    }
    // a fallback admission would refuse is not tried; where it lands is judged again (VmRecovery.restarted)
    List<String> hosts = Stream.concat(candidates.stream().limit(1), candidates.stream().skip(1)
        .filter(h -> !CapacityWatch.refusesPowerOn(t, s, vm, protection, h))).toList();
    Optional<String> warning = admission.outcome() == Admission.Outcome.WARNED
        ? Optional.of(admission.reason()) : Optional.empty();
    // protected before it is started, so a new master knows of it: the start waits until the list is stored
    MasterState next = ListOwnership.write(t, s, s.protectedList().with(vm, hosts.get(0), protection, t.self()));
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    inFlight.put(vm.name(), VmRecovery.starting(t, next, vm, protection, "-", hosts.get(0), 1,
        Optional.of(p.request()), warning));
    MasterEffect.PersistThenStart start = new MasterEffect.PersistThenStart(Optional.empty(), vm,
        lease.flatMap(LeaseRule.Decision::grant), hosts, 1);
    return waitForWrite(t, next.restarts(s.pending(), inFlight),
        new AfterWrite.Start(next.protectedList().version(), start, p.request()));
  }

  /**
   * How the VM is protected already, if it is and not given up: a power-on of it changes nothing (power-on is
   * idempotent per name), and a client that asks again after a lost answer may take it as done. A VM just started is
   * protected before its host reports it.
   */
  private static Optional<String> alreadyProtected(MasterState s, String vm) {
    ProtectedList.Entry protectedAs = s.protectedList().vms().get(vm);
    if (protectedAs == null || protectedAs.recovery().gaveUp()) return Optional.empty();
    if (s.runningAt(vm).isPresent()) return Optional.of(vm + " already runs at " + s.runningAt(vm).get());
    if (s.inFlight().containsKey(vm)) return Optional.of(vm + " is being started");
    if (s.pending().containsKey(vm)) {
      return Optional.of(vm + " is waiting to be restarted: " + s.pending().get(vm).waiting()
          .map(MasterState.Waiting::why).orElse("placed in the next round"));
    }
    return Optional.of(vm + " is already protected (placed at " + protectedAs.host() + ")");
  }

  /** Why an operator's power-on of a VM not protected (or given up) cannot go ahead now, if it cannot. */
  private static Optional<String> powerOnRefusal(
      Turn t, MasterState s, MasterInput.PowerOn p, Optional<LeaseRule.Decision> lease) {
    String vm = p.vm().name();
    if (s.runningAt(vm).isPresent()) return Optional.of(vm + " already runs at " + s.runningAt(vm).get());
    if (s.inFlight().containsKey(vm)) return Optional.of(vm + " is being started");
    // starting a given-up VM again would fail, and unprotect it
    ProtectedList.Entry protectedAs = s.protectedList().vms().get(vm);
    if (protectedAs != null) {
      return Optional.of(vm + " is already protected (placed at " + protectedAs.host() + "; given up: "
          + protectedAs.recovery().givenUp().orElse("") + "; power it off, then on, to retry it)");
    }
    if (t.config.hasDatastores() && (lease.isEmpty() || !lease.get().mayStart())) {
      return Optional.of(vm + " cannot start: " + lease.map(LeaseRule.Decision::why)
          .orElse("the master has not read the datastores yet"));
    }
    // without datastores no lease shows where a VM runs: a host not heard may run it, unprotected by a power-off
    // that reached no host (seeds 23129, 21230: started beside that copy)
    List<String> unaccounted = VmRecovery.unaccounted(t, s);
    if (!unaccounted.isEmpty()) {
      return Optional.of(vm + " may run at " + String.join(", ", unaccounted) + ": not heard by this master nor"
          + " judged dead (without heartbeat datastores no lease shows where a VM runs); try again when each has"
          + " reported or been judged dead");
    }
    Optional<HostEntry> h = p.host().map(id -> s.hosts().get(id));
    if (p.host().isPresent() && (h.isEmpty() || !h.get().live())) {
      return Optional.of("host " + p.host().get() + " is not a live member of the cluster");
    }
    return Optional.empty();
  }

  /**
   * Why the VM's dependencies (the request's, else its configured depends-on) cannot be: each must name a protected
   * VM — one that is not would be waited for forever — and together they must not close a cycle.
   */
  static Optional<String> dependencyError(MasterState s, String vm, VmProtection protection) {
    List<String> unknown = Dependencies.unknown(protection.dependsOn(), s.protectedList().vms().keySet());
    if (!unknown.isEmpty()) {
      return Optional.of(vm + " would wait forever for " + String.join(", ", unknown) + ": not a protected VM;"
          + " power " + (unknown.size() == 1 ? "it" : "them") + " on first");
    }
    Map<String, List<String>> dependencies = new HashMap<>(s.protectedList().dependencies());
    dependencies.put(vm, protection.dependsOn());
    return Dependencies.findCycle(dependencies)
        .map(cycle -> "its depends-on would make a cycle: " + String.join(" -> ", cycle));
  }

  /**
   * An operator's power-off: the VM leaves the protected list first, so nothing restarts it, then stops where a
   * report shows it running, else where the list places it at a live host (started there, its host's next report
   * not in yet; a power-off of a VM that is not running is harmless). Refused while the list places it, running as
   * far as this master knows, at a host that is not live (not heard, isolated, partitioned): it may run there, and
   * "not running" would be a guess (seeds 118 with datastores and 328 without: the VM ran on, unprotected, at a host
   * the master did not hear, and the operator was told it was not running).
   */
  static MasterState powerOff(Turn t, MasterState s, MasterInput.PowerOff p) {
    String vm = p.vm();
    Optional<String> placed = Optional.ofNullable(s.protectedList().vms().get(vm))
        .filter(e -> !e.recovery().gaveUp() && !s.pending().containsKey(vm)).map(ProtectedList.Entry::host);
    Optional<String> at = s.runningAt(vm).or(() -> placed.filter(s::liveHost));
    Optional<String> refusal = notOwner(t, s);
    if (refusal.isEmpty() && s.inFlight().containsKey(vm)) {
      refusal = Optional.of(vm + " is being started; power it off when it runs");
    } else if (refusal.isEmpty() && at.isEmpty() && placed.isPresent()) {
      HostEntry h = s.hosts().get(placed.get());
      refusal = Optional.of(vm + " may run at " + placed.get() + ", where the protected list places it, and "
          + placed.get() + " is not a live host of this master (" + (h == null ? "not known" : h.verdict() + ": "
          + h.reason()) + "); try again when it reports");
    } else if (refusal.isEmpty() && at.isEmpty() && !s.protectedList().vms().containsKey(vm)) {
      refusal = Optional.of(vm + " is neither protected nor running at a live host");
    }
    if (refusal.isPresent()) return refuse(t, s, p.request(), refusal.get());
    Optional<ProtectedList.Entry> entry = Optional.ofNullable(s.protectedList().vms().get(vm));
    MasterState next = ListOwnership.write(t, s, s.protectedList().without(vm, t.self()));
    Map<String, Pending> pending = new HashMap<>(s.pending());
    pending.remove(vm);
    return waitForWrite(t, next.restarts(pending, s.inFlight()),
        new AfterWrite.Stop(next.protectedList().version(), p.request(), vm, entry, at));
  }

  /** The host answered a power-off: the VM is reported powered off only once it confirmed it. */
  static MasterState poweredOff(Turn t, MasterState s, MasterInput.PoweredOff p) {
    if (p.error().isPresent()) {
      return refuse(t, s, p.request(), p.vm() + " is no longer protected, but its power-off at " + p.host()
          + " failed: " + p.error().get());
    }
    t.emit(new HaEvent.VmPoweredOff(t.wall, t.self(), p.vm(), p.host()));
    t.effect(new MasterEffect.Reply(p.request(), true, p.vm() + " powered off at " + p.host()
        + "; it is no longer protected", Optional.empty()));
    return s;
  }

  /** The list a request changed is stored: its start or stop goes ahead. */
  static MasterState goAhead(Turn t, MasterState s, AfterWrite held) {
    AfterWrite a = held.change();
    if (a instanceof AfterWrite.Maintenance m) return Maintenance.stored(t, s, m);
    if (a instanceof AfterWrite.Restart r) return VmRecovery.send(t, s, r);
    if (!(a instanceof AfterWrite.Start || a instanceof AfterWrite.Stop)) return Operations.goAhead(t, s, a);
    if (a instanceof AfterWrite.Start start) {
      t.effect(start.start());
    } else if (a instanceof AfterWrite.Stop stop && stop.at().isPresent()) {
      t.effect(new MasterEffect.PowerOff(stop.request(), stop.vm(), stop.at().get()));
    } else if (a instanceof AfterWrite.Stop stop) {
      t.emit(new HaEvent.VmPoweredOff(t.wall, t.self(), stop.vm(), "-"));
      t.effect(new MasterEffect.Reply(stop.request(), true, stop.vm() + " was not running; it is no longer"
          + " protected", Optional.empty()));
    }
    return s;
  }

  /** The list a request changed could not be stored: the request is undone and refused. */
  static MasterState notStored(Turn t, MasterState s, AfterWrite held, String why) {
    AfterWrite a = held.change();
    if (a instanceof AfterWrite.Maintenance m) return Maintenance.notStored(t, s, m, why);
    if (a instanceof AfterWrite.Restart r) return VmRecovery.notRecorded(t, s, r, why);
    if (!(a instanceof AfterWrite.Start || a instanceof AfterWrite.Stop)) return Operations.notStored(t, s, a, why);
    if (a instanceof AfterWrite.Start start) {
      String vm = start.start().vm().name();
      Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
      inFlight.remove(vm);
      return notPoweredOn(t, s.restarts(s.pending(), inFlight), start.request(), vm,
          "it could not be recorded as protected (" + why + ")");
    }
    AfterWrite.Stop stop = (AfterWrite.Stop) a;
    MasterState next = stop.entry().map(e -> ListOwnership.write(t, s, s.protectedList().restored(e, t.self())))
        .orElse(s);
    return refuse(t, next, stop.request(), stop.vm() + " not powered off: its removal from protection could not"
        + " be stored (" + why + "); it stays as it was");
  }

  /** The VM an operator's request started runs at {@code host}; admission control's warning, if any, goes along. */
  static void poweredOn(Turn t, RequestId request, String vm, String host, Optional<String> warning) {
    t.emit(new HaEvent.VmProtected(t.wall, t.self(), vm, host));
    t.effect(new MasterEffect.Reply(request, true, vm + " powered on at " + host + " and protected"
        + warning.map(w -> "; WARNING: " + w).orElse(""), Optional.empty()));
  }

  /** The start an operator's request added failed: the entry it added is removed, and the request refused. */
  static MasterState notPoweredOn(Turn t, MasterState s, RequestId request, String vm, String reason) {
    MasterState next = s.protectedList().vms().containsKey(vm)
        ? ListOwnership.write(t, s, s.protectedList().without(vm, t.self())) : s;
    return refuse(t, next, request, vm + " not powered on: " + reason);
  }

  static MasterState refuse(Turn t, MasterState s, RequestId request, String why) {
    t.effect(new MasterEffect.Reply(request, false, why, Optional.empty()));
    return s;
  }

  /**
   * Without datastores, this master takes a newer list (a slave's replica: another master wrote since) while
   * operators' changes still wait for a strict majority to hold the list that records them: none is carried out, and
   * each is answered — the list taken decides whether it is in effect (it has it if that master took this one's
   * list first), so nothing is undone onto it.
   */
  static MasterState unconfirmed(Turn t, MasterState s, ProtectedList taken) {
    List<AfterWrite> still = new ArrayList<>();
    Map<String, InFlight> inFlight = new HashMap<>(s.inFlight());
    for (AfterWrite held : s.afterWrite()) {
      Optional<RequestId> request = requestOf(held.change());
      if (!(held instanceof AfterWrite.Held) || request.isEmpty()) {
        still.add(held);
        continue;
      }
      if (held.change() instanceof AfterWrite.Start start) inFlight.remove(start.start().vm().name());
      refuse(t, s, request.get(), "not confirmed: master " + t.self() + " took the protected list v"
          + taken.version() + " written by another master before a strict majority of hosts held v" + held.version()
          + ", which records this change; it is in effect only if v" + taken.version() + " has it (./vmha status"
          + " shows)");
    }
    return still.size() == s.afterWrite().size() ? s : s.afterWrite(still).restarts(s.pending(), inFlight);
  }

  /** The operator's request a change answers; a restart answers none. */
  private static Optional<RequestId> requestOf(AfterWrite a) {
    if (a instanceof AfterWrite.Start x) return Optional.of(x.request());
    if (a instanceof AfterWrite.Stop x) return Optional.of(x.request());
    if (a instanceof AfterWrite.Maintenance x) return Optional.of(x.request());
    if (a instanceof AfterWrite.Switched x) return Optional.of(x.request());
    if (a instanceof AfterWrite.Protection x) return Optional.of(x.request());
    if (a instanceof AfterWrite.Retried x) return Optional.of(x.request());
    return Optional.empty();
  }

  /** What {@code a} does waits for its list to be stored ({@link ListOwnership#written}); without datastores, held. */
  static MasterState waitForWrite(Turn t, MasterState s, AfterWrite a) {
    List<AfterWrite> waiting = new ArrayList<>(s.afterWrite());
    waiting.add(t.config.hasDatastores() ? a : new AfterWrite.Held(a, false, Set.of()));
    return s.afterWrite(waiting);
  }
}
