package dev.vmha.lease;

import dev.vmha.Failures;
import dev.vmha.LocalMessage;
import dev.vmha.datastore.CorruptStateFileException;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The leases of the VMs on one host (child of the host's VM manager). Takes a VM's lease before it is started here,
 * renews every lease every interval with a compare-and-swap on the lease datastore, releases the lease of a VM that is
 * no longer on, and — the self-fencing of seed 001 — has the VM powered off when its lease was taken by another host
 * or could not be renewed for {@link TimingRules.Lease#fenceAfter()} — keeping, and renewing where it can, the lease of a
 * fenced VM until the hypervisor shows it off. A lease file it finds corrupt while it holds the lease it rewrites
 * ({@link LeaseRule#mayRepair}). Time is the sum of this actor's ticks, so a hung
 * datastore still lets the deadline pass. Without datastores there are no leases: the majority rule decides.
 */
public final class VmLeases {
  public sealed interface Command extends LocalMessage {}

  /** Take the VM's lease before starting it; {@code grant} is the expired lease the master saw, if any. */
  public record Take(String vm, Optional<VmLease> grant, ActorRef<Taken> replyTo) implements Command {}

  public record Taken(String vm, boolean ok, String reason) implements LocalMessage {}

  /**
   * Told to the host's watchdog every round: {@code settled} once the VMs found at start have been adopted or released
   * (a first VM list came and no adoption is pending), and the longest any lease here has gone unrenewed.
   */
  public record Renewal(boolean settled, Duration longestUnrenewed) {}

  /**
   * The VM migrated away (its writer here has stopped): its lease is released now, so that the target can take it,
   * and {@code replyTo} told once the release is written (or failed, with the reason).
   */
  public record Release(String vm, ActorRef<Released> replyTo) implements Command {}

  public record Released(String vm, Optional<String> error) implements LocalMessage {}

  /** The VMs powered on here or being started: every other lease held here is released. */
  public record Running(Set<String> vms) implements Command {}

  private enum Tick implements Command { INSTANCE }

  private record Swapped(String vm, VmLease next, Duration issuedAt, boolean swapped, Throwable error,
      Optional<Take> take) implements Command {}

  private record Found(String vm, Optional<VmLease> lease, Duration issuedAt, Throwable error) implements Command {}

  private record Repaired(String vm, VmLease next, Duration issuedAt, boolean repaired, Throwable error)
      implements Command {}

  /**
   * A lease held here: null until a VM found running here is adopted; {@code lastOk} is the last renewal's start;
   * {@code lateReported} once this stretch without a renewal was reported late.
   */
  private record Held(VmLease lease, Duration lastOk, boolean lateReported) {
    Held(VmLease lease, Duration lastOk) {
      this(lease, lastOk, false);
    }
  }

  /**
   * @param busy VMs with lease I/O in flight: one operation per lease at a time
   * @param fenced VMs this keeper had powered off, until they are off: their leases stay held (renewed where this host
   *     still owns them) while a power-off hangs, and are never adopted again
   * @param releasing VMs released while their lease I/O was in flight: released once that I/O came back
   */
  private record State(Duration now, Map<String, Held> held, Set<String> busy, Set<String> fenced, boolean listed,
      Map<String, Releasing> releasing) {
    State with(Map<String, Held> h, Set<String> b) {
      return new State(now, Map.copyOf(h), Set.copyOf(b), fenced, listed, releasing);
    }

    State with(Map<String, Held> h, Set<String> b, Set<String> f) {
      return new State(now, Map.copyOf(h), Set.copyOf(b), Set.copyOf(f), listed, releasing);
    }

    State releasing(Map<String, Releasing> r) {
      return new State(now, held, busy, fenced, listed, Map.copyOf(r));
    }

    Renewal renewal() {
      Duration longest = Duration.ZERO;
      for (Held h : held.values()) {
        Duration u = now.minus(h.lastOk());
        if (u.compareTo(longest) > 0) longest = u;
      }
      boolean adopting = held.values().stream().anyMatch(h -> h.lease() == null);
      return new Renewal(listed && !adopting, longest);
    }
  }

  /** A release waiting for lease I/O in flight; {@code held}: the lease held when it was asked for. */
  private record Releasing(ActorRef<Released> replyTo, Optional<VmLease> held) {}

  private VmLeases() {}

  /**
   * @param fence told to power a VM off at once, with the reason
   * @param renewals told after every round how the leases here stand (the host's watchdog)
   * @param events told when a lease goes unrenewed for {@link TimingRules.Lease#lateAfter()}
   */
  public static Behavior<Command> create(
      String hostId, Optional<Datastore> leaseDatastore, TimingRules.Lease timing, BiConsumer<String, String> fence,
      Consumer<Renewal> renewals, Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, timing.renewInterval());
      return new Leases(ctx, hostId, leaseDatastore, timing, fence, renewals, events, clock)
          .running(new State(Duration.ZERO, Map.of(), Set.of(), Set.of(), false, Map.of()));
    }));
  }

  private record Leases(
      ActorContext<Command> ctx, String hostId, Optional<Datastore> store, TimingRules.Lease timing,
      BiConsumer<String, String> fence, Consumer<Renewal> renewals, Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(State s) {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> {
            State t = onTick(s);
            renewals.accept(t.renewal());
            return running(t);
          })
          .onMessage(Take.class, t -> running(onTake(s, t)))
          .onMessage(Swapped.class, w -> running(onSwapped(s, w)))
          .onMessage(Found.class, f -> running(onFound(s, f)))
          .onMessage(Repaired.class, r -> running(onRepaired(s, r)))
          .onMessage(Running.class, r -> running(onRunning(s, r.vms())))
          .onMessage(Release.class, r -> running(onRelease(s, r)))
          .build();
    }

    /** Released at once; a lease with a renewal in flight once that renewal is given back ({@link #released}). */
    private State onRelease(State s, Release r) {
      Map<String, Held> held = new HashMap<>(s.held());
      Held h = held.remove(r.vm());
      if (store.isPresent() && s.busy().contains(r.vm())) {
        Map<String, Releasing> releasing = new HashMap<>(s.releasing());
        releasing.put(r.vm(), new Releasing(r.replyTo(), Optional.ofNullable(h).map(Held::lease)));
        return s.with(held, s.busy()).releasing(releasing);
      }
      released(h == null || h.lease() == null || store.isEmpty() ? CompletableFuture
          .completedFuture(null) : store.get().releaseLease(h.lease()), r.vm(), r.replyTo());
      return s.with(held, s.busy());
    }

    private static void released(
        CompletionStage<Void> release, String vm, ActorRef<Released> replyTo) {
      release.whenComplete((x, e) -> replyTo.tell(new Released(vm, Optional.ofNullable(e).map(Failures::rootMessage))));
    }

    /**
     * Lease I/O of a VM no longer held here came back: what it wrote is given back (else what was held when a release
     * was asked for), then that release is answered.
     */
    private State givenBack(State s, String vm, Optional<VmLease> written) {
      Releasing waiting = s.releasing().get(vm);
      Optional<VmLease> held = written.or(() -> Optional.ofNullable(waiting).flatMap(Releasing::held));
      CompletionStage<Void> release = held.map(l -> store.get().releaseLease(l))
          .orElse(CompletableFuture.completedFuture(null));
      if (waiting == null) return s;
      released(release, vm, waiting.replyTo());
      Map<String, Releasing> releasing = new HashMap<>(s.releasing());
      releasing.remove(vm);
      return s.releasing(releasing);
    }

    private String ds() {
      return store.map(Datastore::name).orElse("-");
    }

    private State onTake(State s, Take t) {
      if (store.isEmpty()) {
        t.replyTo().tell(new Taken(t.vm(), true, "no datastores: the majority rule decides"));
        return s;
      }
      Held h = s.held().get(t.vm());
      if (s.busy().contains(t.vm()) || (h != null && h.lease() == null)) {
        t.replyTo().tell(new Taken(t.vm(), false, "the lease of " + t.vm() + " is being checked here; try again"));
        return s;
      }
      // a lease this host holds already is renewed; otherwise exactly the state the master judged is replaced
      Optional<VmLease> expected = h != null ? Optional.of(h.lease()) : t.grant();
      VmLease next = expected.map(l -> l.takenBy(hostId, clock.instant()))
          .orElseGet(() -> VmLease.first(t.vm(), hostId, clock.instant()));
      swap(t.vm(), expected, next, s.now(), Optional.of(t));
      Set<String> busy = new HashSet<>(s.busy());
      busy.add(t.vm());
      return s.with(s.held(), busy);
    }

    private void swap(String vm, Optional<VmLease> expected, VmLease next, Duration now, Optional<Take> take) {
      ctx.pipeToSelf(store.get().swapLease(expected, next),
          (ok, err) -> new Swapped(vm, next, now, err == null && ok, err, take));
    }

    private State onSwapped(State s, Swapped w) {
      Set<String> busy = new HashSet<>(s.busy());
      busy.remove(w.vm());
      Map<String, Held> held = new HashMap<>(s.held());
      if (w.take().isPresent()) {
        Take t = w.take().get();
        if (w.swapped()) {
          held.put(w.vm(), new Held(w.next(), w.issuedAt()));
          t.replyTo().tell(new Taken(w.vm(), true, "lease taken on " + ds()));
        } else {
          Held placeholder = held.get(w.vm());
          if (placeholder != null && placeholder.lease() == null) held.remove(w.vm()); // it will not run here
          t.replyTo().tell(new Taken(w.vm(), false, w.error() != null
              ? "its lease on " + ds() + " cannot be taken: " + Failures.rootMessage(w.error())
              : "its lease on " + ds() + " changed since the master judged it: another host holds it"));
        }
        return s.with(held, busy);
      }
      Held h = held.get(w.vm());
      if (h == null) {
        // released while the renewal was in flight: give back what was just written
        return givenBack(s.with(held, busy), w.vm(), Optional.of(w.next()).filter(x -> w.swapped()));
      }
      Set<String> fenced = new HashSet<>(s.fenced());
      if (w.swapped()) {
        held.put(w.vm(), new Held(w.next(), w.issuedAt()));
      } else if (w.error() == null) {
        held.remove(w.vm()); // not this host's any more: nothing to renew or release
        fence(fenced, w.vm(), "its lease on " + ds() + " was taken by another host");
      } else if (corrupt(w.error()) && LeaseRule.mayRepair(h.lease() != null, fenced.contains(w.vm()),
          s.now().minus(h.lastOk()), timing.fenceAfter())) {
        VmLease next = h.lease().renewed(clock.instant());
        ctx.getLog().warn("lease of {} on {} is corrupt; this host holds it and rewrites it: {}", w.vm(), ds(),
            Failures.rootMessage(w.error()));
        busy.add(w.vm());
        Duration now = s.now();
        ctx.pipeToSelf(store.get().repairLease(next), (ok, err) -> new Repaired(w.vm(), next, now,
            err == null && ok, err));
      } else {
        ctx.getLog().warn("lease of {} not renewed on {}: {}", w.vm(), ds(), Failures.rootMessage(w.error()));
      }
      return s.with(held, busy, fenced);
    }

    private static boolean corrupt(Throwable error) {
      for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (c instanceof CorruptStateFileException) return true;
      }
      return false;
    }

    /** A repaired lease counts as renewed; one found readable again is left to the next round's renewal. */
    private State onRepaired(State s, Repaired r) {
      Set<String> busy = new HashSet<>(s.busy());
      busy.remove(r.vm());
      Map<String, Held> held = new HashMap<>(s.held());
      if (!held.containsKey(r.vm())) {
        // released while the repair was in flight
        return givenBack(s.with(held, busy), r.vm(), Optional.of(r.next()).filter(x -> r.repaired()));
      } else if (r.repaired()) {
        held.put(r.vm(), new Held(r.next(), r.issuedAt()));
      } else if (r.error() != null) {
        ctx.getLog().warn("lease of {} not repaired on {}: {}", r.vm(), ds(), Failures.rootMessage(r.error()));
      }
      return s.with(held, busy);
    }

    /** Has the VM powered off, once: the VM manager retries until the hypervisor shows it off. */
    private void fence(Set<String> fenced, String vm, String why) {
      if (fenced.add(vm)) fence.accept(vm, why);
    }

    private State onTick(State s) {
      State t = new State(s.now().plus(timing.renewInterval()), s.held(), s.busy(), s.fenced(), s.listed(),
          s.releasing());
      if (store.isEmpty()) return t;
      Map<String, Held> held = new HashMap<>(t.held());
      Set<String> busy = new HashSet<>(t.busy());
      Set<String> fenced = new HashSet<>(t.fenced());
      for (Map.Entry<String, Held> e : t.held().entrySet()) {
        String vm = e.getKey();
        Held h = e.getValue();
        Duration unrenewed = t.now().minus(h.lastOk());
        if (h.lease() != null && !h.lateReported() && unrenewed.compareTo(timing.lateAfter()) >= 0) {
          events.accept(new HaEvent.LeaseRenewalLate(clock.instant(), hostId, vm, unrenewed, timing.fenceAfter()));
          held.put(vm, new Held(h.lease(), h.lastOk(), true));
        }
        if (unrenewed.compareTo(timing.fenceAfter()) >= 0) {
          fence(fenced, vm, "its lease on " + ds() + " was not renewed for " + unrenewed.toMillis()
              + " ms (fence after " + timing.fenceAfter().toMillis() + " ms)");
        }
        // renewed on, even once fenced: while the power-off has not been confirmed the VM may still run here
        if (!busy.contains(vm)) {
          busy.add(vm);
          if (h.lease() == null) {
            ctx.pipeToSelf(store.get().readLease(vm), (l, err) -> new Found(vm, l, t.now(), err));
          } else {
            swap(vm, Optional.of(h.lease()), h.lease().renewed(clock.instant()), t.now(), Optional.empty());
          }
        }
      }
      return t.with(held, busy, fenced);
    }

    /**
     * A VM found running here whose lease this agent does not hold yet (the agent restarted): adopted when the lease is
     * still this host's (or missing) by a compare-and-swap from exactly the state read — its success proves nobody
     * took the lease meanwhile, as a master starts a VM elsewhere only after its own swap replaced the lease — and
     * fenced when another host holds it or the swap finds it changed (in {@link #onSwapped}).
     */
    private State onFound(State s, Found f) {
      Set<String> busy = new HashSet<>(s.busy());
      busy.remove(f.vm());
      Map<String, Held> held = new HashMap<>(s.held());
      if (!held.containsKey(f.vm())) return givenBack(s.with(held, busy), f.vm(), Optional.empty());
      if (f.error() != null) return s.with(held, busy);
      Optional<VmLease> l = f.lease();
      if (l.isPresent() && !l.get().owner().equals(hostId)) {
        held.remove(f.vm());
        Set<String> fenced = new HashSet<>(s.fenced());
        fence(fenced, f.vm(), "it runs here but its lease on " + ds() + " is held by " + l.get().owner());
        return s.with(held, busy, fenced);
      }
      VmLease next = l.map(x -> x.renewed(clock.instant())).orElseGet(() -> VmLease.first(f.vm(), hostId, clock.instant()));
      held.put(f.vm(), new Held(l.orElse(null), held.get(f.vm()).lastOk()));
      busy.add(f.vm());
      swap(f.vm(), l, next, f.issuedAt(), Optional.empty());
      return s.with(held, busy);
    }

    /** The hypervisor's truth: a lease is released only once its VM is shown off, fenced or not. */
    private State onRunning(State s, Set<String> vms) {
      Map<String, Held> held = new HashMap<>(s.held());
      for (Map.Entry<String, Held> e : s.held().entrySet()) {
        if (vms.contains(e.getKey())) continue;
        held.remove(e.getKey());
        if (e.getValue().lease() != null && store.isPresent()) store.get().releaseLease(e.getValue().lease());
      }
      Set<String> fenced = new HashSet<>(s.fenced());
      fenced.retainAll(vms);
      if (store.isPresent()) {
        for (String vm : vms) {
          if (!s.busy().contains(vm) && !fenced.contains(vm)) held.putIfAbsent(vm, new Held(null, s.now()));
        }
      }
      State next = s.with(held, s.busy(), fenced);
      return new State(next.now(), next.held(), next.busy(), next.fenced(), true, next.releasing());
    }
  }
}
