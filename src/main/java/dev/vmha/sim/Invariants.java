package dev.vmha.sim;

import dev.vmha.history.HaEvent;
import dev.vmha.master.MasterEffect;
import dev.vmha.master.RequestId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What must hold in every simulated run, checked after every event: never two running copies of a VM (over all
 * hypervisors), never a list written to a datastore whose list lock another host holds, and every decision
 * explained: a restart or a downing only after an event that records it. The liveness check (protected VMs running
 * again within the bound after the last heal, and what operators were told was done still so) is {@link #allRunning}.
 * The first violation ends the run.
 */
final class Invariants {
  private final Simulation w;
  private Optional<String> violation = Optional.empty();
  /** Per master host, the VMs and hosts its recorded events have decided about. */
  private final Map<String, Set<String>> decided = new TreeMap<>();
  private boolean vmsChanged = true;
  /** The operators' power requests: which VM, on or off. */
  private final Map<RequestId, Power> asked = new HashMap<>();
  /** Per VM, what an operator was last told was done: powered on and protected (true), or powered off (false). */
  private final Map<String, Boolean> answered = new TreeMap<>();

  private record Power(String vm, boolean on) {}

  Invariants(Simulation w) {
    this.w = w;
  }

  Optional<String> violation() {
    return violation;
  }

  private void violated(String what) {
    if (violation.isEmpty()) violation = Optional.of("t=" + w.clock().now() + " ms: " + what);
  }

  /** A hypervisor powered a VM on: the next check looks at every hypervisor. */
  void poweredOn() {
    vmsChanged = true;
  }

  /** After every event (the hypervisors only when a VM was powered on: nothing else can make a second copy). */
  void afterEvent() {
    if (!vmsChanged) return;
    vmsChanged = false;
    Map<String, String> at = new TreeMap<>();
    for (SimHost h : w.hosts()) {
      if (!h.powered()) continue;
      for (String vm : h.running()) {
        String other = at.put(vm, h.id);
        if (other != null) violated(vm + " runs twice: at " + other + " and at " + h.id);
      }
    }
  }

  /** An event recorded by a host: what it explains. */
  void emitted(String host, HaEvent e) {
    Set<String> d = decided.computeIfAbsent(host, k -> new TreeSet<>());
    if (e instanceof HaEvent.VmRestartPlanned p) d.add(p.vm());
    else if (e instanceof HaEvent.VmRestartAttempted p) d.add(p.vm());
    else if (e instanceof HaEvent.HostJudged j) d.add(j.host());
  }

  /** An operator asked the master at {@code master} to power the VM on or off: a power-on explains its start. */
  void asked(String master, RequestId request, String vm, boolean on) {
    if (on) decided.computeIfAbsent(master, k -> new TreeSet<>()).add(vm);
    asked.put(request, new Power(vm, on));
    answered.remove(vm); // until this one is answered, what an earlier answer said may no longer be so
  }

  /** A master's step: every restart it starts and every host it downs was decided in a recorded event. */
  void masterStep(String master, List<MasterEffect> effects) {
    for (MasterEffect e : effects) {
      if (e instanceof MasterEffect.Emit x) emitted(master, x.event());
      if (e instanceof MasterEffect.Reply r && r.ok() && asked.containsKey(r.request())) {
        answered.put(asked.get(r.request()).vm(), asked.get(r.request()).on());
      }
      if (e instanceof MasterEffect.PersistThenStart s && s.decision().isPresent()) emitted(master, s.decision().get());
      Set<String> d = decided.getOrDefault(master, Set.of());
      if (e instanceof MasterEffect.PersistThenStart s && !d.contains(s.vm().name())) {
        violated(master + " restarts " + s.vm().name() + " with no recorded decision");
      }
      if (e instanceof MasterEffect.Down x && !d.contains(x.host())) {
        violated(master + " downs " + x.host() + " with no recorded verdict");
      }
    }
  }

  /** A master writes the protected list to a datastore: it must hold that datastore's list lock. */
  void listWrite(String master, String ds) {
    Optional<String> owner = w.datastores().listLockOwner(ds);
    if (owner.isPresent() && !owner.get().equals(master)) {
      violated("two list owners of " + ds + ": " + master + " writes the list while the lock is " + owner.get()
          + "'s");
    }
  }

  /** A host starts a VM for a master: the master must have recorded the decision. */
  void started(String master, String host, String vm) {
    if (!decided.getOrDefault(master, Set.of()).contains(vm)) {
      violated(host + " starts " + vm + " for " + master + ", which recorded no decision");
    }
  }

  /**
   * The liveness check, once the bound after the last heal has passed: every protected VM runs somewhere, except
   * those whose lease file is corrupt and not repaired (by design they wait for an operator: nobody knows who holds
   * them). Returns how many were excused.
   */
  int allRunning(Optional<Set<String>> protectedVms, String bound) {
    if (protectedVms.isEmpty()) {
      violated((w.datastores().names().isEmpty() ? "no agent holds a protected list "
          : "no datastore holds a readable protected list ") + bound + " after the last heal");
      return 0;
    }
    for (Map.Entry<String, Boolean> a : answered.entrySet()) {
      if (a.getValue() != protectedVms.get().contains(a.getKey())) {
        violated(a.getKey() + (a.getValue() ? " was answered powered on and protected, but the list does not protect it"
            : " was answered powered off, but the list protects it") + " " + bound + " after the last heal");
        return 0;
      }
      if (!a.getValue()) {
        w.hosts().stream().filter(h -> h.powered() && h.running().contains(a.getKey())).findFirst().ifPresent(h ->
            violated(a.getKey() + " was answered powered off, but runs at " + h.id + " " + bound
                + " after the last heal"));
      }
    }
    Set<String> down = new TreeSet<>(protectedVms.get());
    w.hosts().stream().filter(SimHost::powered).forEach(h -> down.removeAll(h.running()));
    int excused = 0;
    for (String vm : down) {
      if (w.datastores().leaseCorrupt(vm)) {
        excused++;
      } else {
        violated(vm + " is not running " + bound + " after the last heal");
        return excused;
      }
    }
    return excused;
  }
}
