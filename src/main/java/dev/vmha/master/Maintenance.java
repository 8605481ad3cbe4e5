package dev.vmha.master;

import dev.vmha.capacity.Admission;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.ProtectedList.HostMaintenance;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.maintenance.MigrationOutcome;
import dev.vmha.master.MasterState.AfterWrite;
import dev.vmha.master.MasterState.Draining;
import dev.vmha.master.MasterState.HostEntry;
import dev.vmha.master.MasterState.Migration;
import dev.vmha.restart.Placement;
import dev.vmha.restart.RestartPlanner;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides maintenance mode (as vSphere's): a host asked to enter is ENTERING — it takes no VMs ({@link
 * VmRecovery#rooms}) and its running VMs are live-migrated away one at a time, highest priority first, each to the
 * host {@link RestartPlanner} would restart it on; a VM that fits nowhere keeps running there and the host stays
 * ENTERING with the reason until room appears or the operator lets it exit. Once empty it is IN_MAINTENANCE: it is
 * neither judged nor failed over ({@link HostWatch#investigate}). Entering is judged by capacity admission control
 * ({@link CapacityWatch#admitMaintenance}: refused, or answered with a warning, when the cluster without the host
 * would have no failover plan). Every change is in the protected list (stored before it is answered, so a new master
 * carries it on) and is a history event naming who asked.
 */
final class Maintenance {
  private Maintenance() {}

  /** An operator asks for a host to enter or exit maintenance. */
  static MasterState request(Turn t, MasterState s, MasterInput.Maintenance m) {
    Optional<String> busy = OperatorRequests.notOwner(t, s);
    if (busy.isPresent()) return refuse(t, s, m, busy.get(), Optional.empty());
    if (!m.host().equals(t.self()) && !s.hosts().containsKey(m.host())) {
      return refuse(t, s, m, "host " + m.host() + " is not known to master " + t.self(), Optional.of("host"));
    }
    MaintenanceMode now = s.protectedList().maintenanceOf(m.host());
    if (m.enter() && now != MaintenanceMode.NONE) {
      return answer(t, s, m, "host " + m.host() + " is already " + describe(now));
    }
    if (!m.enter() && now == MaintenanceMode.NONE) {
      return answer(t, s, m, "host " + m.host() + " is not in maintenance");
    }
    Optional<Admission.Decision> admission = m.enter() ? Optional.of(CapacityWatch.admitMaintenance(t, s, m.host()))
        : Optional.empty();
    if (admission.filter(a -> a.outcome() == Admission.Outcome.REFUSED).isPresent()) {
      return refuse(t, s, m, "host " + m.host() + " not put in maintenance: " + admission.get().reason(),
          Optional.empty());
    }
    String warning = admission.filter(a -> a.outcome() == Admission.Outcome.WARNED)
        .map(a -> "; WARNING: " + a.reason()).orElse("");
    MaintenanceMode mode = m.enter() ? MaintenanceMode.ENTERING : MaintenanceMode.NONE;
    String detail = m.enter() ? "its VMs are moved to other hosts, one at a time; it takes no new VMs"
        : "it takes VMs again and its failures are failed over";
    t.emit(new HaEvent.HostMaintenanceChanged(t.wall, t.self(), m.host(), mode, m.by(), detail));
    Optional<HostMaintenance> before = Optional.ofNullable(s.protectedList().maintenance().get(m.host()));
    MasterState next = ListOwnership.write(t, s, s.protectedList().maintaining(m.host(), mode, m.by(), t.wall,
        t.self()));
    return OperatorRequests.waitForWrite(t, next, new AfterWrite.Maintenance(next.protectedList().version(),
        m.request(), m.host(), before, "host " + m.host() + (m.enter() ? " enters maintenance: "
        : " left maintenance: ") + detail + warning));
  }

  /** The list that records a request is stored: it is answered, and the draining goes on. */
  static MasterState stored(Turn t, MasterState s, AfterWrite.Maintenance a) {
    t.effect(new MasterEffect.Reply(a.request(), true, a.message(), Optional.empty()));
    return drain(t, s);
  }

  /** The list that records a request could not be stored: the host's mode is put back, and the request refused. */
  static MasterState notStored(Turn t, MasterState s, AfterWrite.Maintenance a, String why) {
    ProtectedList l = s.protectedList();
    ProtectedList back = a.before().map(b -> l.maintaining(a.host(), b.mode(), b.requestedBy(), b.since(), t.self()))
        .orElseGet(() -> l.maintaining(a.host(), MaintenanceMode.NONE, "", t.wall, t.self()));
    MasterState next = ListOwnership.write(t, s, back);
    t.effect(new MasterEffect.Reply(a.request(), false, "host " + a.host() + " unchanged: the protected list that"
        + " records it could not be stored (" + why + ")", Optional.empty()));
    return next;
  }

  /** Whether a host may take VMs: not while it enters or is in maintenance. */
  static boolean takesVms(MasterState s, String host) {
    return s.protectedList().maintenanceOf(host) == MaintenanceMode.NONE;
  }

  /**
   * Whether a host's failure is failed over: not once it is in maintenance (drained, it holds and takes no VMs; it
   * is still judged and downed), nor does its silence count toward the master's all-silent notice.
   */
  static boolean failsOver(MasterState s, String host) {
    return s.protectedList().maintenanceOf(host) != MaintenanceMode.IN_MAINTENANCE;
  }

  /** Why a host entering maintenance still holds VMs, for status ("" when it is not draining). */
  static String waitOf(MasterState s, String host) {
    return s.drain().waits().getOrDefault(host, "");
  }

  /**
   * Carries every draining host one step further (every tick, after every request and migration): with no migration
   * under way, the first VM (in start order) of the first draining host that fits somewhere is migrated; a host with
   * no VM left is in maintenance.
   */
  static MasterState drain(Turn t, MasterState s) {
    if (!s.loaded() || OperatorRequests.notOwner(t, s).isPresent()) return s;
    Draining d = s.drain();
    Optional<Migration> moving = d.moving();
    Map<String, String> waits = new TreeMap<>();
    MasterState next = s;
    for (Map.Entry<String, HostMaintenance> m : new TreeMap<>(s.protectedList().maintenance()).entrySet()) {
      String host = m.getKey();
      if (m.getValue().mode() != MaintenanceMode.ENTERING || awaitingWrite(s, host)) continue;
      HostEntry h = s.hosts().get(host);
      if (h == null || !h.live()) {
        waits.put(host, "it is not a live member (no report, or not ALIVE): its VMs cannot be migrated");
        continue;
      }
      List<VmSpec> vms = runningAt(t, s, h);
      boolean movingFrom = moving.filter(x -> x.from().equals(host)).isPresent();
      List<String> unreported = placedUnreported(s, h);
      if (vms.isEmpty() && unreported.isEmpty() && !movingFrom) {
        next = inMaintenance(t, next, host, m.getValue());
        continue;
      }
      if (moving.isPresent()) {
        Migration x = moving.get();
        waits.put(host, movingFrom ? "migrating " + x.vm().name() + " to " + x.to()
            : "waiting for the migration of " + x.vm().name() + " from " + x.from());
        continue;
      }
      List<String> why = new ArrayList<>();
      unreported.forEach(vm -> why.add(vm + " is placed here, not reported running yet"));
      for (VmSpec vm : vms) {
        Duration retry = d.notBefore().get(vm.name());
        if (s.inFlight().containsKey(vm.name()) || s.pending().containsKey(vm.name())) {
          why.add(vm.name() + " is being restarted");
        } else if (retry != null && s.now().compareTo(retry) < 0) {
          why.add(vm.name() + " was migrated lately; tried again in " + retry.minus(s.now()).toSeconds()
              + " s if it still runs here");
        } else {
          RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
              List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), host)), Map.of(), Set.of(),
              VmRecovery.rooms(t, s), t.settings().restart().defaultFailoverHost()));
          if (!plan.starts().isEmpty()) {
            String to = plan.starts().get(0).hosts().get(0);
            moving = Optional.of(new Migration(vm, host, to));
            t.log("migrating " + vm.name() + " from " + host + " (entering maintenance) to " + to);
            t.effect(new MasterEffect.Migrate(vm, host, to));
            why.clear();
            why.add("migrating " + vm.name() + " to " + to);
            break;
          }
          why.add(vm.name() + " fits on no other host: " + (plan.waits().isEmpty() ? "no other live host"
              : plan.waits().get(0).why()));
        }
      }
      String reason = String.join("; ", why);
      if (!reason.equals(d.waits().getOrDefault(host, ""))) t.log("host " + host + " entering maintenance: " + reason);
      waits.put(host, reason);
    }
    return next.drain(new Draining(moving, waits, d.notBefore()));
  }

  /** A migration ended: the list follows a moved VM; a VM that stopped and started nowhere is restarted. */
  static MasterState migrated(Turn t, MasterState s, MigrationOutcome o) {
    String vm = o.vm().name();
    Optional<Migration> was = s.drain().moving().filter(m -> m.vm().name().equals(vm) && m.from().equals(o.from()));
    String why = was.map(Migration::why).orElse("host " + o.from() + " enters maintenance");
    Optional<RequestId> request = was.flatMap(Migration::request);
    Map<String, Duration> notBefore = new HashMap<>(s.drain().notBefore());
    Optional<String> runsAt;
    if (o instanceof MigrationOutcome.Moved moved) {
      t.emit(new HaEvent.VmMigrated(t.wall, t.self(), vm, o.from(), moved.to(), why));
      request.ifPresent(r -> t.effect(new MasterEffect.Reply(r, true, vm + " moved from " + o.from() + " to "
          + moved.to(), Optional.empty())));
      runsAt = Optional.of(moved.to());
    } else {
      MigrationOutcome.NotMoved failed = (MigrationOutcome.NotMoved) o;
      t.emit(new HaEvent.VmNotMigrated(t.wall, t.self(), vm, o.from(), failed.to(), failed.runsAt().orElse("-"),
          failed.reason()));
      request.ifPresent(r -> t.effect(new MasterEffect.Reply(r, false, vm + " not moved to " + failed.to() + ": "
          + failed.reason() + "; it runs " + failed.runsAt().map(h -> "at " + h)
          .orElse("nowhere now and is restarted"), Optional.empty())));
      runsAt = failed.runsAt();
    }
    // not migrated again before the host's reports show where it runs: a report sent before the move still lists it
    notBefore.put(vm, s.now().plus(t.settings().hostTimeout()));
    MasterState next = s.drain(new Draining(Optional.empty(), s.drain().waits(), notBefore));
    ProtectedList.Entry e = next.protectedList().vms().get(vm);
    if (e != null && runsAt.isPresent() && !e.host().equals(runsAt.get())) {
      next = ListOwnership.write(t, next, next.protectedList().moved(vm, runsAt.get(), t.self()))
          .placedAt(vm, runsAt.get());
    } else if (runsAt.isEmpty()) {
      next = VmRecovery.needHome(t, next, o.from(), List.of(o.vm()), "its migration from " + o.from()
          + " failed after its writer stopped: " + ((MigrationOutcome.NotMoved) o).reason());
    }
    return drain(t, next);
  }

  /**
   * An operator moves a running VM to a host (issue 22): the same live migration as a drain, one at a time, to a live
   * host that takes VMs (not entering or in maintenance, HA not disabled for it) and has room for it. Answered when
   * the migration ends; the list follows the VM as after a drain.
   */
  static MasterState move(Turn t, MasterState s, RequestId request, Operation.Move m) {
    HostEntry target = s.hosts().get(m.to());
    Optional<String> from = s.runningAt(m.vm());
    if (target == null) {
      t.effect(MasterEffect.Reply.notFound(request, "no host " + m.to() + " in this cluster"));
      return s;
    }
    if (from.isEmpty()) {
      t.effect(MasterEffect.Reply.notFound(request, "no live host runs " + m.vm() + "; nothing to move"));
      return s;
    }
    if (from.get().equals(m.to())) {
      t.effect(new MasterEffect.Reply(request, true, m.vm() + " runs at " + m.to() + " already", Optional.empty()));
      return s;
    }
    Optional<String> refusal = moveRefusal(t, s, m, target);
    if (refusal.isPresent()) {
      t.effect(new MasterEffect.Reply(request, false, m.vm() + " not moved: " + refusal.get(), Optional.empty()));
      return s;
    }
    VmSpec vm = s.running(m.vm()).orElseThrow();
    t.effect(new MasterEffect.Migrate(vm, from.get(), m.to()));
    return s.drain(new Draining(Optional.of(new Migration(vm, from.get(), m.to(), Optional.of(request),
        "moved by \"" + m.askedBy() + "\"")), s.drain().waits(), s.drain().notBefore()));
  }

  /** Why a VM may not move to the target now, if so. */
  private static Optional<String> moveRefusal(Turn t, MasterState s, Operation.Move m, HostEntry target) {
    if (s.drain().moving().isPresent()) {
      Migration x = s.drain().moving().get();
      return Optional.of("the migration of " + x.vm().name() + " from " + x.from() + " to " + x.to() + " is under way"
          + " (one at a time); try again when it ends");
    }
    if (s.inFlight().containsKey(m.vm()) || s.pending().containsKey(m.vm())) {
      return Optional.of("it is being restarted");
    }
    if (!target.live()) return Optional.of(m.to() + " is not a live host (" + target.verdict() + ")");
    if (!takesVms(s, m.to())) return Optional.of(m.to() + " is " + describe(s.protectedList().maintenanceOf(m.to())));
    if (!s.protectedList().ha().enabledFor(m.to())) return Optional.of("HA is disabled for " + m.to());
    VmSpec vm = s.running(m.vm()).orElseThrow();
    RestartPlanner.Plan plan = RestartPlanner.plan(new RestartPlanner.Input(
        List.of(new RestartPlanner.Homeless(vm, VmProtection.defaults(), "-")), Map.of(), Set.of(),
        VmRecovery.rooms(t, s).stream().filter(r -> r.hostId().equals(m.to())).toList(),
        t.settings().restart().defaultFailoverHost()));
    return plan.starts().isEmpty() ? Optional.of("no room at " + m.to() + ": " + (plan.waits().isEmpty()
        ? "it takes no VMs" : plan.waits().get(0).why())) : Optional.empty();
  }

  /** A draining host with no VM left is in maintenance, recorded in the list. */
  private static MasterState inMaintenance(Turn t, MasterState s, String host, HostMaintenance m) {
    t.emit(new HaEvent.HostMaintenanceChanged(t.wall, t.self(), host, MaintenanceMode.IN_MAINTENANCE,
        m.requestedBy(), "no VM left on it: it takes none, and its failure triggers no failover"));
    return ListOwnership.write(t, s, s.protectedList().maintaining(host, MaintenanceMode.IN_MAINTENANCE,
        m.requestedBy(), t.wall, t.self()));
  }

  /** The VMs a host runs, in the order they claim room (protected priorities first, as a failover). */
  static List<VmSpec> runningAt(Turn t, MasterState s, HostEntry h) {
    return inStartOrder(t, s, h.report().get().poweredOn());
  }

  /** {@code vms} in start order, each with its protection (from the list, else configured). */
  static List<VmSpec> inStartOrder(Turn t, MasterState s, Collection<VmSpec> vms) {
    Map<String, VmProtection> protection = new HashMap<>();
    vms.forEach(vm -> protection.put(vm.name(), Optional.ofNullable(s.protectedList().vms().get(vm.name()))
        .map(ProtectedList.Entry::protection).orElseGet(() -> t.settings().restart().protectionOf(vm.name()))));
    return vms.stream()
        .sorted(Placement.startOrder(vm -> protection.get(vm.name()).priority(),
            vm -> protection.get(vm.name()).order(), VmSpec::name))
        .toList();
  }

  /**
   * The VMs a host may run that its report does not show running: being started there, or placed there by the list
   * (a report sent before they started; not given up), so a host is never called empty too early.
   */
  private static List<String> placedUnreported(MasterState s, HostEntry h) {
    java.util.TreeSet<String> vms = new java.util.TreeSet<>(h.report().get().starting());
    s.protectedList().vms().values().stream()
        .filter(e -> e.host().equals(h.id()) && !e.recovery().gaveUp() && !h.report().get().has(e.vm().name()))
        .forEach(e -> vms.add(e.vm().name()));
    s.inFlight().values().stream().filter(f -> f.host().equals(h.id())).forEach(f -> vms.add(f.vm().name()));
    return List.copyOf(vms);
  }

  /** A request about the host waits for its list to be stored: nothing is migrated for it before. */
  private static boolean awaitingWrite(MasterState s, String host) {
    return s.afterWrite().stream()
        .anyMatch(a -> a.change() instanceof AfterWrite.Maintenance m && m.host().equals(host));
  }

  private static String describe(MaintenanceMode mode) {
    return mode == MaintenanceMode.ENTERING ? "entering maintenance" : "in maintenance";
  }

  private static MasterState answer(Turn t, MasterState s, MasterInput.Maintenance m, String message) {
    t.effect(new MasterEffect.Reply(m.request(), true, message, Optional.empty()));
    return s;
  }

  private static MasterState refuse(
      Turn t, MasterState s, MasterInput.Maintenance m, String why, Optional<String> invalidField) {
    t.effect(new MasterEffect.Reply(m.request(), false, why, invalidField));
    return s;
  }
}
