package dev.vmha.lease;

import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.lease.LeaseEffect.Fence;
import dev.vmha.lease.LeaseEffect.Read;
import dev.vmha.lease.LeaseEffect.Release;
import dev.vmha.lease.LeaseEffect.Repair;
import dev.vmha.lease.LeaseEffect.Reply;
import dev.vmha.lease.LeaseEffect.Swap;
import dev.vmha.lease.LeaseEffect.Warn;
import dev.vmha.lease.LeaseInput.Found;
import dev.vmha.lease.LeaseInput.Repaired;
import dev.vmha.lease.LeaseInput.Running;
import dev.vmha.lease.LeaseInput.Swapped;
import dev.vmha.lease.LeaseInput.Take;
import dev.vmha.lease.LeaseInput.Tick;
import dev.vmha.lease.LeaseInput.Written;
import dev.vmha.lease.LeaseState.Held;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leases of the VMs on one host as a pure state machine (issue 21): takes a VM's lease before it is started
 * here, renews every lease every interval with a compare-and-swap on the lease datastore, releases the lease of a VM
 * that is no longer on, and — the self-fencing of seed 001 — has the VM powered off when its lease was taken by
 * another host or could not be renewed for {@link TimingRules.Lease#fenceAfter()}, keeping, and renewing where it can, the
 * lease of a fenced VM until the hypervisor shows it off. A lease file it finds corrupt while it holds the lease it
 * rewrites ({@link LeaseRule#mayRepair}). Without datastores there are no leases: the majority rule decides.
 * {@link #step} returns the next state and the effects, which {@link VmLeases} carries out; time advances one
 * interval per {@link Tick}. VMs are visited in name order, so a run replays exactly.
 */
public final class LeaseMachine {
  private LeaseMachine() {}

  /** The next state and what to do, in order. */
  public record Step<R>(LeaseState<R> state, List<LeaseEffect<R>> effects) {
    public Step {
      effects = List.copyOf(effects);
    }
  }

  public static <R> Step<R> step(LeaseState<R> state, LeaseInput<R> input, LeaseConfig config) {
    Run<R> run = new Run<>(config, input.at(), new ArrayList<>());
    return new Step<>(run.step(state, input), run.effects());
  }

  /** One step, at {@code at}: the effects it collects. */
  private record Run<R>(LeaseConfig config, Instant at, List<LeaseEffect<R>> effects) {
    LeaseState<R> step(LeaseState<R> s, LeaseInput<R> in) {
      if (in instanceof Tick<R>) return tick(s);
      if (in instanceof Take<R> t) return take(s, t);
      if (in instanceof Running<R> r) return running(s, r.vms());
      if (in instanceof LeaseInput.Release<R> r) return release(s, r);
      if (in instanceof LeaseInput.Enforce<R> e) return s.enforcing(e.enforcement());
      if (in instanceof Swapped<R> w) return swapped(s, w.swap(), w.result());
      if (in instanceof Found<R> f) return found(s, f);
      return repaired(s, (Repaired<R>) in);
    }

    private String ds() {
      return config.datastoreName();
    }

    private Duration fenceAfter() {
      return config.timing().fenceAfter();
    }

    private LeaseState<R> take(LeaseState<R> s, Take<R> t) {
      if (config.datastore().isEmpty()) {
        effects.add(new Reply<>(t.replyTo(), t.vm(), true, "no datastores: the majority rule decides"));
        return s;
      }
      Held h = s.held().get(t.vm());
      if (s.busy().contains(t.vm()) || (h != null && h.adopting())) {
        effects.add(new Reply<>(t.replyTo(), t.vm(), false, "the lease of " + t.vm()
            + " is being checked here; try again"));
        return s;
      }
      // a lease this host holds already is renewed; otherwise exactly the state the master judged is replaced
      Optional<VmLease> expected = h != null ? h.lease() : t.grant();
      VmLease next = expected.map(l -> l.takenBy(config.hostId(), at))
          .orElseGet(() -> VmLease.first(t.vm(), config.hostId(), at));
      effects.add(new Swap<>(t.vm(), expected, next, s.now(), Optional.of(t)));
      return s.with(s.held(), plus(s.busy(), t.vm()), s.fenced());
    }

    private LeaseState<R> swapped(LeaseState<R> s, Swap<R> w, Written result) {
      Set<String> busy = minus(s.busy(), w.vm());
      Map<String, Held> held = new HashMap<>(s.held());
      if (w.take().isPresent()) {
        Take<R> t = w.take().get();
        if (result instanceof Written.Done) {
          held.put(w.vm(), new Held(Optional.of(w.next()), w.issuedAt()));
          effects.add(new Reply<>(t.replyTo(), w.vm(), true, "lease taken on " + ds()));
        } else {
          Held placeholder = held.get(w.vm());
          if (placeholder != null && placeholder.adopting()) held.remove(w.vm()); // it will not run here
          effects.add(new Reply<>(t.replyTo(), w.vm(), false, result instanceof Written.Failed f
              ? "its lease on " + ds() + " cannot be taken: " + f.why()
              : "its lease on " + ds() + " changed since the master judged it: another host holds it"));
        }
        return s.with(held, busy, s.fenced());
      }
      Held h = held.get(w.vm());
      if (h == null) {
        // released while the renewal was in flight: give back what was just written
        return givenBack(s.with(held, busy, s.fenced()), w.vm(),
            Optional.of(w.next()).filter(x -> result instanceof Written.Done));
      }
      Set<String> fenced = new HashSet<>(s.fenced());
      if (result instanceof Written.Done) {
        held.put(w.vm(), new Held(Optional.of(w.next()), w.issuedAt()));
      } else if (result instanceof Written.Changed) {
        held.remove(w.vm()); // not this host's any more: nothing to renew or release
        fence(fenced, w.vm(), "its lease on " + ds() + " was taken by another host");
      } else if (result instanceof Written.Failed f && f.corrupt() && LeaseRule.mayRepair(!h.adopting(),
          fenced.contains(w.vm()), s.now().minus(h.lastOk()), fenceAfter())) {
        VmLease next = h.lease().orElseThrow().renewed(at);
        effects.add(new Warn<>("lease of " + w.vm() + " on " + ds()
            + " is corrupt; this host holds it and rewrites it: " + f.why()));
        busy.add(w.vm());
        effects.add(new Repair<>(w.vm(), next, s.now()));
      } else if (result instanceof Written.Failed f) {
        effects.add(new Warn<>("lease of " + w.vm() + " not renewed on " + ds() + ": " + f.why()));
      }
      return s.with(held, busy, fenced);
    }

    /** A repaired lease counts as renewed; one found readable again is left to the next round's renewal. */
    private LeaseState<R> repaired(LeaseState<R> s, Repaired<R> r) {
      Repair<R> p = r.repair();
      Set<String> busy = minus(s.busy(), p.vm());
      Map<String, Held> held = new HashMap<>(s.held());
      if (!held.containsKey(p.vm())) { // released meanwhile
        return givenBack(s.with(held, busy, s.fenced()), p.vm(),
            Optional.of(p.next()).filter(x -> r.result() instanceof Written.Done));
      } else if (r.result() instanceof Written.Done) {
        held.put(p.vm(), new Held(Optional.of(p.next()), p.issuedAt()));
      } else if (r.result() instanceof Written.Failed f) {
        effects.add(new Warn<>("lease of " + p.vm() + " not repaired on " + ds() + ": " + f.why()));
      }
      return s.with(held, busy, s.fenced());
    }

    /** Has the VM powered off, once: the VM manager retries until the hypervisor shows it off. */
    private void fence(Set<String> fenced, String vm, String why) {
      if (fenced.add(vm)) effects.add(new Fence<>(vm, why));
    }

    private LeaseState<R> tick(LeaseState<R> s) {
      LeaseState<R> t = new LeaseState<>(s.now().plus(config.timing().renewInterval()), s.held(), s.busy(), s.fenced(),
          s.listed(), s.releasing(), s.enforcement());
      if (config.datastore().isPresent()) t = renew(t);
      effects.add(new LeaseEffect.ReportRenewal<>(t.settled(), t.longestUnrenewed(), t.enforcement()));
      return t;
    }

    /** A round: late renewals reported, overdue VMs fenced, every lease not in flight renewed (or read to adopt). */
    private LeaseState<R> renew(LeaseState<R> t) {
      Map<String, Held> held = new HashMap<>(t.held());
      Set<String> busy = new HashSet<>(t.busy());
      Set<String> fenced = new HashSet<>(t.fenced());
      for (Map.Entry<String, Held> e : new TreeMap<>(t.held()).entrySet()) {
        String vm = e.getKey();
        Held h = e.getValue();
        Duration unrenewed = t.now().minus(h.lastOk());
        TimingRules.Lease timing = config.timing();
        if (!h.adopting() && !h.lateReported() && unrenewed.compareTo(timing.lateAfter()) >= 0) {
          effects.add(new LeaseEffect.Emit<>(new HaEvent.LeaseRenewalLate(at, config.hostId(), vm, unrenewed,
              timing.fenceAfter())));
          held.put(vm, new Held(h.lease(), h.lastOk(), true));
        }
        if (unrenewed.compareTo(timing.fenceAfter()) >= 0 && t.enforcement().on()) {
          fence(fenced, vm, "its lease on " + ds() + " was not renewed for " + unrenewed.toMillis()
              + " ms (fence after " + timing.fenceAfter().toMillis() + " ms)");
        }
        // renewed on, even once fenced: while the power-off has not been confirmed the VM may still run here
        if (busy.add(vm)) {
          if (h.adopting()) {
            effects.add(new Read<>(vm, t.now()));
          } else {
            VmLease l = h.lease().orElseThrow();
            effects.add(new Swap<>(vm, h.lease(), l.renewed(at), t.now(), Optional.empty()));
          }
        }
      }
      return t.with(held, busy, fenced);
    }

    /**
     * A VM found running here whose lease this agent does not hold yet (the agent restarted): adopted when the lease is
     * still this host's (or missing) by a compare-and-swap from exactly the state read — its success proves nobody
     * took the lease meanwhile, as a master starts a VM elsewhere only after its own swap replaced the lease — and
     * fenced when another host holds it or the swap finds it changed (in {@link #swapped}).
     */
    private LeaseState<R> found(LeaseState<R> s, Found<R> f) {
      String vm = f.read().vm();
      Set<String> busy = minus(s.busy(), vm);
      Map<String, Held> held = new HashMap<>(s.held());
      if (!held.containsKey(vm)) return givenBack(s.with(held, busy, s.fenced()), vm, Optional.empty());
      if (f.failure().isPresent()) return s.with(held, busy, s.fenced());
      Optional<VmLease> l = f.lease();
      if (l.isPresent() && !l.get().owner().equals(config.hostId())) {
        held.remove(vm);
        Set<String> fenced = new HashSet<>(s.fenced());
        fence(fenced, vm, "it runs here but its lease on " + ds() + " is held by " + l.get().owner());
        return s.with(held, busy, fenced);
      }
      VmLease next = l.map(x -> x.renewed(at)).orElseGet(() -> VmLease.first(vm, config.hostId(), at));
      held.put(vm, new Held(l, held.get(vm).lastOk()));
      busy.add(vm);
      effects.add(new Swap<>(vm, l, next, f.read().issuedAt(), Optional.empty()));
      return s.with(held, busy, s.fenced());
    }

    /**
     * A migrated VM's lease is released at once, the answer after the write; with lease I/O in flight, once that I/O
     * came back ({@link #givenBack}), so that nothing written later still names this host.
     */
    private LeaseState<R> release(LeaseState<R> s, LeaseInput.Release<R> r) {
      Map<String, Held> held = new HashMap<>(s.held());
      Optional<VmLease> lease = Optional.ofNullable(held.remove(r.vm())).flatMap(Held::lease)
          .filter(l -> config.datastore().isPresent());
      if (config.datastore().isPresent() && s.busy().contains(r.vm())) {
        Map<String, LeaseState.Releasing<R>> releasing = new HashMap<>(s.releasing());
        releasing.put(r.vm(), new LeaseState.Releasing<>(r.replyTo(), lease));
        return s.with(held, s.busy(), s.fenced()).releasing(releasing);
      }
      effects.add(new LeaseEffect.ReleaseAnswered<>(r.vm(), lease, r.replyTo()));
      return s.with(held, s.busy(), s.fenced());
    }

    /**
     * Lease I/O of a VM no longer held here came back: what it wrote is given back (else what was held when a release
     * was asked for), and a release waiting for it answered.
     */
    private LeaseState<R> givenBack(LeaseState<R> s, String vm, Optional<VmLease> written) {
      LeaseState.Releasing<R> waiting = s.releasing().get(vm);
      if (waiting == null) {
        written.ifPresent(l -> effects.add(new Release<>(l)));
        return s;
      }
      effects.add(new LeaseEffect.ReleaseAnswered<>(vm, written.or(waiting::held), waiting.replyTo()));
      Map<String, LeaseState.Releasing<R>> releasing = new HashMap<>(s.releasing());
      releasing.remove(vm);
      return s.releasing(releasing);
    }

    /** The hypervisor's truth: a lease is released only once its VM is shown off, fenced or not. */
    private LeaseState<R> running(LeaseState<R> s, Set<String> vms) {
      Map<String, Held> held = new HashMap<>(s.held());
      for (Map.Entry<String, Held> e : new TreeMap<>(s.held()).entrySet()) {
        if (vms.contains(e.getKey())) continue;
        held.remove(e.getKey());
        if (config.datastore().isPresent()) e.getValue().lease().ifPresent(l -> effects.add(new Release<>(l)));
      }
      Set<String> fenced = new HashSet<>(s.fenced());
      fenced.retainAll(vms);
      if (config.datastore().isPresent()) {
        for (String vm : new TreeSet<>(vms)) {
          if (!s.busy().contains(vm) && !fenced.contains(vm)) held.putIfAbsent(vm, new Held(Optional.empty(), s.now()));
        }
      }
      return new LeaseState<>(s.now(), held, s.busy(), fenced, true, s.releasing(), s.enforcement());
    }

    private static Set<String> plus(Set<String> set, String vm) {
      Set<String> next = new HashSet<>(set);
      next.add(vm);
      return next;
    }

    private static Set<String> minus(Set<String> set, String vm) {
      Set<String> next = new HashSet<>(set);
      next.remove(vm);
      return next;
    }
  }
}
