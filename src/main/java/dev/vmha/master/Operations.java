package dev.vmha.master;

import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.ProtectedList.HaSwitch;
import dev.vmha.history.HaEvent;
import dev.vmha.master.MasterState.AfterWrite;
import dev.vmha.master.MasterState.Pending;
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
    return retry(t, s, o.request(), (Operation.Retry) o.operation());
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
    return OperatorRequests.waitForWrite(next,
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
    return OperatorRequests.waitForWrite(next,
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
