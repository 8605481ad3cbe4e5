package dev.vmha.host;

import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVmsEffect.ForceOff;
import dev.vmha.host.HostVmsEffect.PollNow;
import dev.vmha.host.HostVmsEffect.Reply;
import dev.vmha.host.HostVmsInput.ForcedOff;
import dev.vmha.host.HostVmsInput.LeaseLost;
import dev.vmha.host.HostVmsInput.LeaseTaken;
import dev.vmha.host.HostVmsInput.LeaseUnanswered;
import dev.vmha.host.HostVmsInput.MigrateOut;
import dev.vmha.host.HostVmsInput.Polled;
import dev.vmha.host.HostVmsInput.PoweredOff;
import dev.vmha.host.HostVmsInput.PoweredOn;
import dev.vmha.host.HostVmsState.Starting;
import dev.vmha.hypervisor.VmSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The host's VM keeper as a pure state machine (issue 21): polls the powered-on VMs and reports them; carries out
 * the master's power-ons, each only after taking the VM's lease (refused when queued behind a long stall of this
 * agent: the master may have started the VM elsewhere meanwhile), and the operators' power-offs; powers off — and
 * tries again at every poll until the hypervisor shows it off — a VM whose lease was lost or that started while the
 * host fenced itself; reports a VM stopped only once a poll shows it off (its lease is released by the same poll),
 * and notices VMs that stopped by themselves; migrates a VM out (its writer stopped, then its lease released, awaited,
 * before its image is handed over) and in (its lease taken first, as for a power-on). {@link #step} returns the next state and the effects, which
 * {@link HostVms} carries out. VMs are visited in name order, so a run replays exactly.
 */
public final class HostVmsMachine {
  private HostVmsMachine() {}

  /** The next state and what to do, in order. */
  public record Step<R>(HostVmsState state, List<HostVmsEffect<R>> effects) {
    public Step {
      effects = List.copyOf(effects);
    }
  }

  public static <R> Step<R> step(HostVmsState state, HostVmsInput<R> input, String hostId) {
    Run<R> run = new Run<>(hostId, input.at(), new ArrayList<>());
    return new Step<>(run.step(state, input), run.effects());
  }

  /** One step, at {@code at}: the effects it collects. */
  private record Run<R>(String hostId, Instant at, List<HostVmsEffect<R>> effects) {
    HostVmsState step(HostVmsState s, HostVmsInput<R> in) {
      if (in instanceof HostVmsInput.PollDue<R>) {
        long seq = s.polls() + 1;
        effects.add(new HostVmsEffect.ListVms<>(seq));
        return s.polled(seq);
      }
      if (in instanceof Polled<R> p) return polled(s, p);
      if (in instanceof HostVmsInput.PollFailed<R> f) {
        effects.add(new HostVmsEffect.Warn<>("cannot list the VMs of " + hostId + ": " + f.why()));
        return s;
      }
      if (in instanceof HostVmsInput.PowerOn<R> r) return powerOn(s, r);
      if (in instanceof HostVmsInput.MigrateOut<R> r) return migrateOut(s, r);
      if (in instanceof HostVmsInput.WriterStopped<R> w) return writerStopped(s, w);
      if (in instanceof HostVmsInput.LeaseReleased<R> r) {
        MigrateOut<R> m = r.request();
        effects.add(new HostVmsEffect.MigratedOut<>(m.replyTo(), m.vm(), r.failure().isEmpty() ? Optional.of(r.image())
            : Optional.empty(), true, r.failure().map(e -> "its writer stopped, but its lease was not released: " + e)
            .orElse("")));
        effects.add(new PollNow<>()); // report it gone at once
        return s;
      }
      if (in instanceof LeaseTaken<R> t) {
        return leaseAnswered(s, t.request(), t.ok() ? Optional.empty() : Optional.of(t.reason()));
      }
      if (in instanceof LeaseUnanswered<R> u) {
        return leaseAnswered(s, u.request(), Optional.of("its lease could not be taken: " + u.why()));
      }
      if (in instanceof PoweredOn<R> p) return poweredOn(s, p);
      if (in instanceof HostVmsInput.PowerOff<R> r) {
        Set<String> off = new HashSet<>(s.operatorOff());
        off.add(r.vm());
        effects.add(new HostVmsEffect.PowerOffVm<>(r));
        return s.stopping(s.stopping(), off);
      }
      if (in instanceof PoweredOff<R> p) {
        effects.add(new Reply<>(p.request().replyTo(), p.request().vm(), p.failure().isEmpty(), p.failure()));
        effects.add(new PollNow<>());
        return s;
      }
      if (in instanceof LeaseLost<R> l) return leaseLost(s, l);
      if (in instanceof ForcedOff<R> f) return forcedOff(s, f);
      if (in instanceof HostVmsInput.Stalled<R> st) return stalled(s, st);
      if (in instanceof HostVmsInput.Isolating<R>) {
        return s.stoppingAll(sorted(s.seen().keySet()), "stopped by the isolation response");
      }
      if (in instanceof HostVmsInput.Fencing<R> f) {
        return s.fenced(Optional.of(f.reason())).stoppingAll(sorted(s.seen().keySet()),
            "its host fenced itself: " + f.reason());
      }
      return s.fenced(Optional.empty());
    }

    /**
     * Refused while the VM is being started or is not on here; else its writer is stopped, as an operator's
     * power-off: not a failure, never reported stopped.
     */
    private HostVmsState migrateOut(HostVmsState s, MigrateOut<R> r) {
      Optional<String> refusal = s.starting().containsKey(r.vm()) ? Optional.of(r.vm() + " is being started here")
          : !s.seen().containsKey(r.vm()) ? Optional.of(r.vm() + " is not on at " + hostId) : Optional.empty();
      if (refusal.isPresent()) {
        effects.add(new HostVmsEffect.MigratedOut<>(r.replyTo(), r.vm(), Optional.empty(), false, refusal.get()));
        return s;
      }
      effects.add(new HostVmsEffect.StopWriter<>(r));
      Set<String> off = new HashSet<>(s.operatorOff());
      off.add(r.vm());
      return s.stopping(s.stopping(), off);
    }

    /**
     * The writer stopped: its lease is released (awaited) before the image is handed over; polls issued until now
     * may still list the VM ({@link #polled} leaves it out of them).
     */
    private HostVmsState writerStopped(HostVmsState s, HostVmsInput.WriterStopped<R> w) {
      MigrateOut<R> r = w.request();
      if (w.failure().isPresent() || w.image().isEmpty()) {
        Set<String> off = new HashSet<>(s.operatorOff());
        off.remove(r.vm()); // it runs on here: a later stop is a failure again
        effects.add(new HostVmsEffect.MigratedOut<>(r.replyTo(), r.vm(), Optional.empty(), false,
            "its writer did not stop: " + w.failure().orElse("no state")));
        return s.stopping(s.stopping(), off);
      }
      effects.add(new HostVmsEffect.ReleaseLease<>(r, w.image().get()));
      Map<String, Long> migrated = new HashMap<>(s.migrated());
      migrated.put(r.vm(), s.polls());
      return s.migrated(migrated);
    }

    /**
     * The agent stalled: past {@link HostVmsInput.Stalled#staleAfter} the master may have given up on the power-ons
     * queued behind the stall and started their VMs elsewhere (seed 3858 without datastores: a host frozen 27 s, its
     * watchdog fired, judged dead meanwhile, carried out at its thaw a power-on sent 22 s before, and the master
     * restarted the VM elsewhere). They are refused until a poll issued after the thaw answers, which comes after
     * everything queued; a power-on that arrives just after the thaw is refused too: the master tries the next host.
     */
    private HostVmsState stalled(HostVmsState s, HostVmsInput.Stalled<R> st) {
      if (st.idle().compareTo(st.staleAfter()) < 0) return s;
      return s.thawed(Optional.of(new HostVmsState.Thawed(st.idle(), s.polls())));
    }

    /** Why a power-on is refused after a long stall, until a poll issued after it answers. */
    private Optional<String> stale(HostVmsState s) {
      return s.thawed().map(th -> hostId + "'s agent stalled for " + th.idle().toMillis() + " ms: a power-on queued"
          + " behind the stall is stale (its master may have started the VM elsewhere meanwhile)");
    }

    private HostVmsState powerOn(HostVmsState s, HostVmsInput.PowerOn<R> r) {
      String vm = r.vm().name();
      Optional<String> refusal = s.fenced().map(f -> hostId + " is fenced: " + f);
      if (refusal.isEmpty() && s.starting().containsKey(vm)) {
        // a second request while a start is under way (a copy, or another attempt): a refusal would send its asker to
        // the next host while the VM may run here in a moment. The start answers its own asker; this one hears
        // nothing, and its timeout waits for a report of whether the VM runs here (VmRestarter's Unanswered)
        effects.add(new HostVmsEffect.Warn<>("a power-on of " + vm + " while it is being started here is not"
            + " answered: that start answers its own request"));
        return s;
      }
      if (refusal.isPresent()) {
        effects.add(new Reply<>(r.replyTo(), vm, false, refusal));
        return s;
      }
      if (s.seen().containsKey(vm) && !s.stopping().containsKey(vm) && !s.forced().containsKey(vm)
          && !s.operatorOff().contains(vm)) {
        // it runs here (a copy of the request, or another attempt after this start): the hypervisor would refuse it
        // as already on, and that refusal would send the asker to the next host beside the running copy
        effects.add(new Reply<>(r.replyTo(), vm, true, Optional.empty()));
        return s;
      }
      Optional<String> stale = stale(s);
      if (stale.isPresent()) {
        effects.add(new HostVmsEffect.Warn<>("a power-on of " + vm + " is refused: " + stale.get()));
        effects.add(new Reply<>(r.replyTo(), vm, false, stale));
        return s;
      }
      effects.add(new HostVmsEffect.TakeLease<>(r));
      Map<String, Starting> st = new HashMap<>(s.starting());
      st.put(vm, new Starting(r.vm(), Optional.empty()));
      return s.starting(st);
    }

    /** The VM is powered on once its lease is taken and the host is not fenced meanwhile. */
    private HostVmsState leaseAnswered(HostVmsState s, HostVmsInput.PowerOn<R> r, Optional<String> refusal) {
      Optional<String> err = refusal.or(() -> s.fenced().map(f -> hostId + " is fenced: " + f)).or(() -> stale(s));
      if (err.isEmpty()) {
        effects.add(new HostVmsEffect.PowerOnVm<>(r));
        return s;
      }
      effects.add(new Reply<>(r.replyTo(), r.vm().name(), false, err));
      Map<String, Starting> st = new HashMap<>(s.starting());
      st.remove(r.vm().name());
      return s.starting(st); // the next poll's LeasesRunning releases a lease taken for nothing
    }

    private HostVmsState poweredOn(HostVmsState s, PoweredOn<R> p) {
      String vm = p.request().vm().name();
      Optional<String> err = p.failure();
      HostVmsState next = s;
      if (err.isEmpty() && s.fenced().isPresent()) {
        // started just before the fence came down: it must not run here
        next = forceOff(s, vm);
        err = Optional.of(hostId + " fenced itself while starting it: " + s.fenced().get());
      }
      if (err.isEmpty()) {
        // running again here: no longer stopped, no longer an operator's power-off
        Map<String, StoppedVm> stopped = new HashMap<>(s.stopped());
        stopped.remove(vm);
        Set<String> off = new HashSet<>(s.operatorOff());
        off.remove(vm);
        Map<String, String> stopping = new HashMap<>(s.stopping());
        stopping.remove(vm);
        Map<String, Long> migrated = new HashMap<>(s.migrated());
        migrated.remove(vm); // migrated back in
        next = new HostVmsState(s.fenced(), s.polls(), s.starting(), s.seen(), stopping, off, stopped, s.forced(),
            migrated, s.thawed());
      }
      effects.add(new Reply<>(p.request().replyTo(), vm, err.isEmpty(), err));
      Map<String, Starting> st = new HashMap<>(next.starting());
      st.put(vm, new Starting(p.request().vm(), Optional.of(next.polls())));
      effects.add(new PollNow<>()); // report the new VM at once
      return next.starting(st);
    }

    private HostVmsState leaseLost(HostVmsState s, LeaseLost<R> l) {
      if (!s.seen().containsKey(l.vm()) && !s.starting().containsKey(l.vm())) return s;
      if (s.forced().containsKey(l.vm())) return s;
      effects.add(new HostVmsEffect.Emit<>(new HaEvent.VmLeaseFenced(at, hostId, l.vm(), l.reason())));
      return forceOff(s.stoppingAll(List.of(l.vm()), "fenced by its lease: " + l.reason()), l.vm());
    }

    private HostVmsState forcedOff(HostVmsState s, ForcedOff<R> f) {
      if (f.failure().isPresent()) {
        // the next timed poll tries again: polling at once would retry a power-off that fails fast in a loop
        effects.add(new HostVmsEffect.Warn<>(f.vm() + " is not powered off at " + hostId + ": " + f.failure().get()
            + "; tried again at the next poll while it runs"));
      } else {
        effects.add(new PollNow<>()); // report it off at once
      }
      if (!s.forced().containsKey(f.vm())) return s;
      Map<String, Boolean> forced = new HashMap<>(s.forced());
      forced.put(f.vm(), false);
      return s.forced(forced);
    }

    /** Powers a VM off, awaited: until a poll shows it off it is tried again (see {@link #polled}). */
    private HostVmsState forceOff(HostVmsState s, String vm) {
      effects.add(new ForceOff<>(vm));
      Map<String, Boolean> forced = new HashMap<>(s.forced());
      forced.put(vm, true);
      return s.forced(forced);
    }

    private HostVmsState polled(HostVmsState s, Polled<R> p) {
      // a poll issued before a VM migrated away may list it still: it runs elsewhere now
      List<VmSpec> on = p.vms().stream().filter(vm -> s.migrated().getOrDefault(vm.name(), -1L) < p.seq()).toList();
      Map<String, VmSpec> now = new HashMap<>();
      on.forEach(vm -> now.put(vm.name(), vm));
      Map<String, Long> migrated = new HashMap<>(s.migrated());
      migrated.values().removeIf(issued -> issued < p.seq());
      // a VM whose power-on finished before this poll was issued is no longer starting: the poll shows the truth
      Map<String, Starting> starting = new HashMap<>();
      s.starting().forEach((vm, st) -> {
        if (st.doneAtPoll().map(done -> done >= p.seq()).orElse(true)) starting.put(vm, st);
      });
      Map<String, String> stopping = new HashMap<>(s.stopping());
      Set<String> off = new HashSet<>(s.operatorOff());
      Map<String, StoppedVm> stopped = new HashMap<>(s.stopped());
      for (String vm : sorted(s.seen().keySet())) {
        if (now.containsKey(vm) || starting.containsKey(vm)) continue;
        String why = stopping.remove(vm);
        if (off.remove(vm)) continue; // an operator's power-off: not a failure
        if (why == null) {
          why = "it stopped from inside its guest (shutdown or crash)";
          effects.add(new HostVmsEffect.Emit<>(new HaEvent.VmStoppedInGuest(at, hostId, vm)));
        }
        stopped.put(vm, new StoppedVm(s.seen().get(vm), why));
      }
      Set<String> leased = new HashSet<>(now.keySet());
      leased.addAll(starting.keySet());
      effects.add(new HostVmsEffect.LeasesRunning<>(leased));
      effects.add(new HostVmsEffect.Report<>(on, s.fenced().isPresent(), stopped.values().stream()
          .sorted(Comparator.comparing(v -> v.vm().name())).toList(), sorted(starting.keySet()), p.seq()));
      // a forced power-off is done when the hypervisor shows the VM off; until then it is tried again
      Map<String, Boolean> forced = new TreeMap<>();
      s.forced().forEach((vm, inFlight) -> {
        if (now.containsKey(vm) || starting.containsKey(vm)) forced.put(vm, inFlight);
      });
      // a poll issued after the thaw answers after everything queued behind the stall
      Optional<HostVmsState.Thawed> thawed = s.thawed().filter(th -> th.polls() >= p.seq());
      HostVmsState next = new HostVmsState(s.fenced(), s.polls(), starting, now, stopping, off, stopped, forced,
          migrated, thawed);
      for (Map.Entry<String, Boolean> f : forced.entrySet()) {
        if (!f.getValue() && now.containsKey(f.getKey())) next = forceOff(next, f.getKey());
      }
      return next;
    }

    private static List<String> sorted(Set<String> vms) {
      return vms.stream().sorted().toList();
    }
  }
}
