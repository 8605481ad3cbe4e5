package dev.vmha.master;

import dev.vmha.capacity.Admission;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.ProtectedList.HaSwitch;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.MasterState.AfterWrite;
import dev.vmha.master.MasterState.Pending;
import dev.vmha.restart.VmProtection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides an operator's changes to HA itself ({@link Operation}), each the same way: refused with why and nothing
 * changed, or written to the protected list and acted on (recorded, answered, planned) only once that list is stored;
 * a list that cannot be stored puts it back as it was. The list carries them to the next master and, through the
 * master's heartbeats, to every host.
 */
final class Operations {
  private Operations() {}

  static MasterState operate(Turn t, MasterState s, MasterInput.Operate o) {
    Optional<String> busy = OperatorRequests.notOwner(t, s);
    if (busy.isPresent()) return OperatorRequests.refuse(t, s, o.request(), busy.get());
    if (o.operation() instanceof Operation.SwitchHa h) return switchHa(t, s, o.request(), h);
    if (o.operation() instanceof Operation.Retry r) return retry(t, s, o.request(), r);
    if (o.operation() instanceof Operation.Protect p) return protect(t, s, o.request(), p);
    if (o.operation() instanceof Operation.Unprotect u) return unprotect(t, s, o.request(), u);
    if (o.operation() instanceof Operation.Move m) return Maintenance.move(t, s, o.request(), m);
    return set(t, s, o.request(), (Operation.SetProtection) o.operation());
  }

  /**
   * A VM that runs at a live host, not protected yet, is protected where it runs, with its configured protection and
   * the request's change over it; its dependencies must name protected VMs and close no cycle.
   */
  private static MasterState protect(Turn t, MasterState s, RequestId request, Operation.Protect o) {
    ProtectedList.Entry already = s.protectedList().vms().get(o.vm());
    if (already != null) {
      t.effect(new MasterEffect.Reply(request, false, o.vm() + " is protected already (at " + already.host()
          + "); ./vmha vm set changes how it is restarted", Optional.empty(), true));
      return s;
    }
    Optional<String> host = s.runningAt(o.vm());
    if (host.isEmpty()) {
      t.effect(MasterEffect.Reply.notFound(request, "no live host runs " + o.vm() + "; ./vmha vm power-on starts"
          + " and protects a VM"));
      return s;
    }
    VmSpec vm = s.running(o.vm()).orElseThrow();
    VmProtection protection = o.change().applyTo(t.settings().restart().protectionOf(o.vm()));
    Optional<String> invalid = OperatorRequests.dependencyError(s, o.vm(), protection);
    if (invalid.isPresent()) return invalid(t, s, request, invalid.get());
    Admission.Decision admission = CapacityWatch.admitProtect(t, s, vm, protection, host.get());
    if (admission.outcome() == Admission.Outcome.REFUSED) {
      return OperatorRequests.refuse(t, s, request, o.vm() + " not protected: " + admission.reason());
    }
    MasterState next = ListOwnership.write(t, s, s.protectedList().with(vm, host.get(), protection, t.self()));
    return OperatorRequests.waitForWrite(t, next, new AfterWrite.Protection(next.protectedList().version(), request,
        o.vm(), Optional.empty(), Optional.empty(), List.of(new HaEvent.VmProtected(t.wall, t.self(), o.vm(), host.get()),
            new HaEvent.VmProtectionSet(t.wall, t.self(), o.vm(), host.get(), protection, true, o.askedBy())),
        o.vm() + " protected at " + host.get() + " with priority " + protection.priority().configName()
            + ", order " + protection.order() + (admission.outcome() == Admission.Outcome.WARNED
            ? "; WARNING: " + admission.reason() : "")));
  }

  /**
   * A protected VM is unprotected: HA no longer restarts it, and it keeps running. Refused while it is being started
   * (the start would protect it again) and while another protected VM depends on it (that one would wait forever).
   */
  private static MasterState unprotect(Turn t, MasterState s, RequestId request, Operation.Unprotect o) {
    ProtectedList.Entry e = s.protectedList().vms().get(o.vm());
    if (e == null) {
      t.effect(MasterEffect.Reply.notFound(request, o.vm() + " is not a protected VM; nothing to unprotect"));
      return s;
    }
    if (s.inFlight().containsKey(o.vm())) {
      return OperatorRequests.refuse(t, s, request, o.vm() + " is being started; unprotect it once it runs");
    }
    List<String> dependents = s.protectedList().dependencies().entrySet().stream()
        .filter(d -> d.getValue().contains(o.vm())).map(Map.Entry::getKey).sorted().toList();
    if (!dependents.isEmpty()) {
      return OperatorRequests.refuse(t, s, request, String.join(", ", dependents) + " depend"
          + (dependents.size() == 1 ? "s" : "") + " on " + o.vm() + ": change their dependencies first (./vmha vm"
          + " set VM --after ...)");
    }
    MasterState next = ListOwnership.write(t, s, s.protectedList().without(o.vm(), t.self()));
    Map<String, Pending> pending = new HashMap<>(next.pending());
    pending.remove(o.vm());
    String at = s.runningAt(o.vm()).orElse(e.host());
    return OperatorRequests.waitForWrite(t, next.restarts(pending, next.inFlight()), new AfterWrite.Protection(
        next.protectedList().version(), request, o.vm(), Optional.of(e), Optional.ofNullable(s.pending().get(o.vm())),
        List.of(new HaEvent.VmUnprotected(t.wall, t.self(), o.vm(), at, o.askedBy())),
        o.vm() + " is no longer protected; HA does not restart it (it keeps running where it runs)"));
  }

  /**
   * How a protected VM is restarted changes; its dependencies must name protected VMs and close no cycle, and a
   * change that makes it owed room is judged by capacity admission control.
   */
  private static MasterState set(Turn t, MasterState s, RequestId request, Operation.SetProtection o) {
    ProtectedList.Entry e = s.protectedList().vms().get(o.vm());
    if (e == null) {
      t.effect(MasterEffect.Reply.notFound(request, o.vm() + " is not a protected VM; ./vmha vm protect protects a"
          + " running one"));
      return s;
    }
    VmProtection protection = o.change().applyTo(e.protection());
    Optional<String> invalid = OperatorRequests.dependencyError(s, o.vm(), protection);
    if (invalid.isPresent()) return invalid(t, s, request, invalid.get());
    if (protection.equals(e.protection())) {
      t.effect(new MasterEffect.Reply(request, true, o.vm() + " is restarted so already; nothing changed",
          Optional.empty()));
      return s;
    }
    Optional<Admission.Decision> admission = CapacityWatch.admitProtectionRaise(t, s, o.vm(), e.protection(),
        protection);
    if (admission.filter(a -> a.outcome() == Admission.Outcome.REFUSED).isPresent()) {
      return OperatorRequests.refuse(t, s, request, o.vm() + " not changed: " + admission.get().reason());
    }
    MasterState next = ListOwnership.write(t, s, s.protectedList().reprotected(o.vm(), protection, t.self()));
    // a VM waiting for a home is planned with its new protection
    Map<String, Pending> pending = new HashMap<>(next.pending());
    pending.computeIfPresent(o.vm(), (vm, p) -> new Pending(p.vm(), protection, p.lostFrom(), p.reason(),
        p.failedAttempts(), p.notBefore(), p.unknown(), p.waiting()));
    return OperatorRequests.waitForWrite(t, next.restarts(pending, next.inFlight()), new AfterWrite.Protection(
        next.protectedList().version(), request, o.vm(), Optional.of(e), Optional.empty(),
        List.of(new HaEvent.VmProtectionSet(t.wall, t.self(), o.vm(), e.host(), protection, false, o.askedBy())),
        o.vm() + " is restarted with priority " + protection.priority().configName() + ", order "
            + protection.order() + (protection.dependsOn().isEmpty() ? "" : ", after "
            + String.join(", ", protection.dependsOn())) + protection.isolationResponse()
            .map(r -> ", isolation response " + r.configName()).orElse("") + admission.filter(a -> a.outcome()
            == Admission.Outcome.WARNED).map(a -> "; WARNING: " + a.reason()).orElse("")));
  }

  /** A request whose dependencies cannot be: 400 naming dependsOn, nothing changed. */
  private static MasterState invalid(Turn t, MasterState s, RequestId request, String why) {
    t.effect(new MasterEffect.Reply(request, false, why, Optional.of("dependsOn")));
    return s;
  }

  /**
   * HA enabled or disabled for the cluster or a known host. Asking for what holds already changes nothing and
   * succeeds (a client that asks again after a lost answer gets the same answer).
   */
  private static MasterState switchHa(Turn t, MasterState s, RequestId request, Operation.SwitchHa o) {
    HaSwitch before = s.protectedList().ha();
    String what = o.host().map(h -> "host " + h).orElse("the cluster");
    if (o.host().isPresent() && !s.hosts().containsKey(o.host().get())) {
      t.effect(MasterEffect.Reply.notFound(request, "no host " + o.host().get() + " in this cluster; known: "
          + HostWatch.sorted(s).stream().map(MasterState.HostEntry::id).toList()));
      return s;
    }
    HaSwitch after = o.host().map(h -> before.host(h, o.enable())).orElse(before.cluster(o.enable()));
    String state = o.enable() ? "enabled" : "disabled";
    if (after.equals(before)) {
      t.effect(new MasterEffect.Reply(request, true, "HA is " + state + " for " + what + " already; nothing changed",
          Optional.empty()));
      return s;
    }
    HaEvent event = o.host().<HaEvent>map(h -> new HaEvent.HostHaSwitched(t.wall, t.self(), h, o.enable(),
        o.askedBy())).orElseGet(() -> new HaEvent.ClusterHaSwitched(t.wall, t.self(), o.enable(), o.askedBy()));
    String done = "HA " + state + " for " + what + (o.enable()
        ? "; VMs whose recovery it held are planned again"
        : ": no VM " + (o.host().isPresent() ? "lost from it is failed over, it takes no restarts" : "is failed over"
            + " or restarted") + " and no isolation response runs; VMs keep running");
    MasterState next = ListOwnership.write(t, s, s.protectedList().switched(after, t.self()));
    return OperatorRequests.waitForWrite(t, next,
        new AfterWrite.Switched(next.protectedList().version(), request, before, event, done));
  }

  /**
   * A given-up VM, or one waiting for its next retry, is tried again: its failed attempts are reset in the list, and
   * once that is stored it is planned like a VM just lost from the host the list places it on.
   */
  private static MasterState retry(Turn t, MasterState s, RequestId request, Operation.Retry o) {
    ProtectedList.Entry e = s.protectedList().vms().get(o.vm());
    if (e == null) {
      t.effect(MasterEffect.Reply.notFound(request, o.vm() + " is not a protected VM; nothing to retry"));
      return s;
    }
    Pending p = s.pending().get(o.vm());
    boolean scheduled = p != null && p.failedAttempts() > 0;
    if (!e.recovery().gaveUp() && !scheduled) {
      return OperatorRequests.refuse(t, s, request, o.vm() + " is not given up, nor waiting for a retry: "
          + notGivenUp(s, e) + "; nothing to retry");
    }
    MasterState next = ListOwnership.write(t, s, s.protectedList().recovering(o.vm(), ProtectedList.Recovery.NONE,
        t.self()));
    return OperatorRequests.waitForWrite(t, next,
        new AfterWrite.Retried(next.protectedList().version(), request, e, o.askedBy()));
  }

  private static String notGivenUp(MasterState s, ProtectedList.Entry e) {
    String vm = e.vm().name();
    if (s.runningAt(vm).isPresent()) return "it runs at " + s.runningAt(vm).get();
    if (s.inFlight().containsKey(vm)) return "it is being started at " + s.inFlight().get(vm).host();
    if (s.pending().containsKey(vm)) {
      return "it waits to be restarted: " + s.pending().get(vm).waiting().map(MasterState.Waiting::why)
          .orElse("placed in the next round");
    }
    return "it is protected at " + e.host();
  }

  /** The list a change wrote is stored: it counts now. */
  static MasterState goAhead(Turn t, MasterState s, AfterWrite a) {
    if (a instanceof AfterWrite.Protection p) {
      p.events().forEach(t::emit);
      t.effect(new MasterEffect.Reply(p.request(), true, p.done(), Optional.empty()));
      return VmRecovery.advance(t, s);
    }
    if (a instanceof AfterWrite.Switched w) {
      t.emit(w.event());
      t.effect(new MasterEffect.Reply(w.request(), true, w.done(), Optional.empty()));
      return VmRecovery.advance(t, s);
    }
    AfterWrite.Retried r = (AfterWrite.Retried) a;
    String vm = r.before().vm().name();
    int failed = Optional.ofNullable(s.pending().get(vm)).map(Pending::failedAttempts)
        .orElse(r.before().recovery().failedAttempts());
    t.emit(new HaEvent.VmRetryAsked(t.wall, t.self(), vm, failed, r.askedBy()));
    t.effect(new MasterEffect.Reply(r.request(), true, vm + ": " + failed + " failed attempts reset; it is planned"
        + " again (./vmha status shows where it starts or why it waits)", Optional.empty()));
    Map<String, Pending> pending = new HashMap<>(s.pending());
    // a retry waiting for its time starts over: no attempts counted, due now
    pending.remove(vm);
    return VmRecovery.needHome(t, s.restarts(pending, s.inFlight()), r.before().host(), List.of(r.before().vm()),
        "retry asked by \"" + r.askedBy() + "\"");
  }

  /** The list a change wrote could not be stored: it is put back as it was, and the request refused. */
  static MasterState notStored(Turn t, MasterState s, AfterWrite a, String why) {
    if (a instanceof AfterWrite.Protection p) {
      ProtectedList back = p.before().map(e -> s.protectedList().restored(e, t.self()))
          .orElseGet(() -> s.protectedList().without(p.vm(), t.self()));
      Map<String, Pending> pending = new HashMap<>(s.pending());
      p.waiting().ifPresent(w -> pending.put(p.vm(), w));
      return OperatorRequests.refuse(t, ListOwnership.write(t, s.restarts(pending, s.inFlight()), back),
          p.request(), p.vm() + ": the change"
          + " could not be stored (" + why + "); it stays as it was");
    }
    if (a instanceof AfterWrite.Switched w) {
      MasterState next = ListOwnership.write(t, s, s.protectedList().switched(w.before(), t.self()));
      return OperatorRequests.refuse(t, next, w.request(), "HA not switched: the change could not be stored ("
          + why + "); it stays as it was");
    }
    AfterWrite.Retried r = (AfterWrite.Retried) a;
    MasterState next = ListOwnership.write(t, s, s.protectedList().restored(r.before(), t.self()));
    return OperatorRequests.refuse(t, next, r.request(), r.before().vm().name() + " not retried: its reset could not"
        + " be stored (" + why + "); it stays as it was");
  }
}
