package dev.vmha.host;

import dev.vmha.Failures;
import dev.vmha.JsonSerializable;
import dev.vmha.LocalMessage;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.IsolationResponder;
import dev.vmha.lease.VmLeases;
import dev.vmha.ping.PingTarget;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The host's VM manager: the only actor that talks to the hypervisor. Polls the powered-on VMs every
 * {@code das.failuredetectioninterval} and publishes a {@link HostReport}; carries out the master's power-on and
 * power-off requests, each power-on only after taking the VM's lease (its child {@link VmLeases} renews the leases
 * and has a VM powered off here when its lease is lost); notices VMs that stopped by themselves.
 */
public final class HostVms {
  public sealed interface Command {}

  /**
   * Power a VM on here, after taking its lease; {@code grant} is the expired lease the master judged this host may
   * replace (empty: the master saw none). Sent by the master, possibly from another JVM.
   */
  public record PowerOn(VmSpec vm, Optional<VmLease> grant, ActorRef<Result> replyTo)
      implements Command, JsonSerializable {}

  /** An operator's power-off through vmha: the VM is not restarted anywhere. */
  public record PowerOff(String vm, ActorRef<Result> replyTo) implements Command, JsonSerializable {}

  public record Result(String vm, String host, boolean ok, String error) implements JsonSerializable {}

  /**
   * Migrate a VM out of this host: its writer stops (keeping its state), then its lease is released; answered with
   * the image to start at the target, or the error (then it still runs here, unless the error says otherwise).
   */
  public record MigrateOut(String vm, ActorRef<MigratedOut> replyTo) implements Command, JsonSerializable {}

  /**
   * {@code image}: the VM's state once its writer here stopped and its lease is released; empty on failure, when
   * {@code stopped} says whether its writer here stopped all the same (then it runs nowhere).
   */
  public record MigratedOut(String vm, String host, Optional<MigrationImage> image, boolean stopped, String error)
      implements JsonSerializable {}

  /** Migrate a VM into this host from its image: its lease is taken first, as for a power-on. */
  public record MigrateIn(MigrationImage image, ActorRef<Result> replyTo) implements Command, JsonSerializable {}

  /** A power-on or a migration in: the VM starts here after its lease is taken. */
  private record Start(VmSpec vm, Optional<VmLease> grant, Optional<MigrationImage> image, ActorRef<Result> replyTo) {}

  private record WriterStopped(MigrateOut request, MigrationImage image, Throwable error)
      implements Command, LocalMessage {}

  /** This host is isolated: apply the isolation response to its VMs and report what is now off. */
  public record ApplyIsolationResponse(
      Function<String, IsolationResponse> responseFor, Duration shutdownTimeout,
      ActorRef<IsolationResponder.Applied> replyTo) implements Command, LocalMessage {}

  /** Power off every VM here and refuse power-ons until {@link Unfence}: this host fences itself. */
  public record Fence(String reason, ActorRef<IsolationResponder.Applied> replyTo) implements Command, LocalMessage {}

  public enum Unfence implements Command, LocalMessage { INSTANCE }

  private enum Poll implements Command, LocalMessage { INSTANCE }

  private record Polled(long seq, List<VmSpec> vms, Throwable error) implements Command, LocalMessage {}

  private record LeaseTaken(Start request, VmLeases.Taken taken, Throwable error) implements Command, LocalMessage {}

  private record PoweredOn(Start request, Throwable error) implements Command, LocalMessage {}

  private record PoweredOff(PowerOff request, Throwable error) implements Command, LocalMessage {}

  /** The lease of a VM here was lost: power it off now. */
  private record LeaseLost(String vm, String reason) implements Command, LocalMessage {}

  /** A forced power-off this host decided on has completed or failed. */
  private record ForcedOff(String vm, Throwable error) implements Command, LocalMessage {}

  private record FenceApplied(IsolationResponder.Applied applied, ActorRef<IsolationResponder.Applied> replyTo)
      implements Command, LocalMessage {}

  /** Where a VM is being started: {@code doneAtPoll} is the poll count when its power-on finished, -1 until then. */
  private record Starting(VmSpec vm, long doneAtPoll) {}

  /**
   * @param fenced why this host refuses to run VMs, while it is fenced
   * @param polls polls issued so far; a VM stays "starting" until a poll issued after its power-on reports
   * @param seen the VMs the last poll found on
   * @param stopping VMs this host is stopping itself, and why (reported as stopped once off)
   * @param operatorOff VMs an operator powered off through vmha: never reported as stopped
   * @param stopped VMs that stopped here without an operator, reported until powered on here again
   * @param forced VMs this host must power off (lost lease, started while fenced), until a poll shows them off:
   *     a power-off that fails or hangs is tried again at every poll, and true if one is in flight
   * @param migrated VMs migrated away, and the polls issued by then: such a poll may still list them, later ones not
   */
  private record State(
      Optional<String> fenced, long polls, Map<String, Starting> starting, Map<String, VmSpec> seen,
      Map<String, String> stopping, Set<String> operatorOff, Map<String, StoppedVm> stopped,
      Map<String, Boolean> forced, Map<String, Long> migrated) {

    State fenced(Optional<String> f) {
      return new State(f, polls, starting, seen, stopping, operatorOff, stopped, forced, migrated);
    }

    State starting(Map<String, Starting> s) {
      return new State(fenced, polls, Map.copyOf(s), seen, stopping, operatorOff, stopped, forced, migrated);
    }

    State stopping(Map<String, String> s, Set<String> off) {
      return new State(fenced, polls, starting, seen, Map.copyOf(s), Set.copyOf(off), stopped, forced, migrated);
    }

    State polled(long p) {
      return new State(fenced, p, starting, seen, stopping, operatorOff, stopped, forced, migrated);
    }

    State forced(Map<String, Boolean> f) {
      return new State(fenced, polls, starting, seen, stopping, operatorOff, stopped, Map.copyOf(f), migrated);
    }

    State migrated(Map<String, Long> m) {
      return new State(fenced, polls, starting, seen, stopping, operatorOff, stopped, forced, Map.copyOf(m));
    }

    /** Marks VMs as being stopped by this host for a reason; they are reported once off. */
    State stoppingAll(Iterable<String> vms, String why) {
      Map<String, String> s = new HashMap<>(stopping);
      for (String vm : vms) s.putIfAbsent(vm, why);
      return stopping(s, operatorOff);
    }
  }

  private HostVms() {}

  /**
   * @param publish receives the host's report after every poll (the election FSM forwards it to the master, the
   *     datastore heartbeat writes it into the power-on file)
   * @param leaseDatastore where the VMs' leases live; empty without datastores
   * @param renewals how the leases stand after every lease round (the host's watchdog pets on it)
   */
  public static Behavior<Command> create(
      String hostId, PingTarget management, long memoryMb, int cpus, Duration pollInterval, Hypervisor hypervisor,
      Optional<Datastore> leaseDatastore, TimingRules.Lease leaseTiming, Consumer<HostReport> publish,
      Consumer<VmLeases.Renewal> renewals, Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Poll.INSTANCE, Duration.ZERO, pollInterval);
      ActorRef<VmLeases.Command> leases = ctx.spawn(VmLeases.create(hostId, leaseDatastore, leaseTiming,
          (vm, why) -> ctx.getSelf().tell(new LeaseLost(vm, why)), renewals, events, clock), "leases",
          DispatcherSelector.sameAsParent());
      ctx.watch(leases); // a failed lease keeper fails the VM manager: its supervisor restarts both
      return new Vms(ctx, hostId, management, memoryMb, cpus, pollInterval, hypervisor, leases, publish, events,
          clock).running(new State(Optional.empty(), 0, Map.of(), Map.of(), Map.of(), Set.of(), Map.of(), Map.of(),
          Map.of()));
    }));
  }

  private record Vms(
      ActorContext<Command> ctx, String hostId, PingTarget management, long memoryMb, int cpus, Duration pollInterval,
      Hypervisor hypervisor, ActorRef<VmLeases.Command> leases, Consumer<HostReport> publish,
      Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(State s) {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Poll.INSTANCE, () -> {
            long seq = s.polls() + 1;
            ctx.pipeToSelf(hypervisor.poweredOn(), (vms, err) -> new Polled(seq, vms, err));
            return running(s.polled(seq));
          })
          .onMessage(Polled.class, p -> running(onPolled(s, p)))
          .onMessage(PowerOn.class, r -> running(onPowerOn(s, new Start(r.vm(), r.grant(), Optional.empty(),
              r.replyTo()))))
          .onMessage(MigrateIn.class, r -> running(onPowerOn(s, new Start(r.image().vm(), Optional.empty(),
              Optional.of(r.image()), r.replyTo()))))
          .onMessage(MigrateOut.class, r -> running(onMigrateOut(s, r)))
          .onMessage(WriterStopped.class, w -> running(onWriterStopped(s, w)))
          .onMessage(LeaseTaken.class, t -> running(onLeaseTaken(s, t)))
          .onMessage(PoweredOn.class, p -> running(onPoweredOn(s, p)))
          .onMessage(PowerOff.class, r -> {
            Set<String> off = new HashSet<>(s.operatorOff());
            off.add(r.vm());
            ctx.pipeToSelf(hypervisor.powerOff(r.vm()), (x, err) -> new PoweredOff(r, err));
            return running(s.stopping(s.stopping(), off));
          })
          .onMessage(PoweredOff.class, p -> {
            String err = p.error() == null ? null : Failures.rootMessage(p.error());
            p.request().replyTo().tell(new Result(p.request().vm(), hostId, err == null, err));
            ctx.getSelf().tell(Poll.INSTANCE);
            return Behaviors.same();
          })
          .onMessage(LeaseLost.class, l -> {
            if (!s.seen().containsKey(l.vm()) && !s.starting().containsKey(l.vm())) return Behaviors.same();
            if (s.forced().containsKey(l.vm())) return Behaviors.same();
            events.accept(new HaEvent.VmLeaseFenced(clock.instant(), hostId, l.vm(), l.reason()));
            return running(forceOff(s.stoppingAll(List.of(l.vm()), "fenced by its lease: " + l.reason()), l.vm()));
          })
          .onMessage(ForcedOff.class, f -> {
            if (f.error() != null) {
              // the next timed poll tries again: polling at once would retry a power-off that fails fast in a loop
              ctx.getLog().warn("{} is not powered off at {}: {}; tried again at the next poll while it runs",
                  f.vm(), hostId, Failures.rootMessage(f.error()));
            } else {
              ctx.getSelf().tell(Poll.INSTANCE); // report it off at once
            }
            if (!s.forced().containsKey(f.vm())) return Behaviors.same();
            Map<String, Boolean> forced = new HashMap<>(s.forced());
            forced.put(f.vm(), false);
            return running(s.forced(forced));
          })
          .onMessage(ApplyIsolationResponse.class, a -> {
            ctx.spawnAnonymous(IsolationResponder.create(hypervisor, a.responseFor(), a.shutdownTimeout(),
                pollInterval, a.replyTo()), DispatcherSelector.sameAsParent());
            return running(s.stoppingAll(s.seen().keySet(), "stopped by the isolation response"));
          })
          .onMessage(Fence.class, f -> {
            ctx.spawnAnonymous(IsolationResponder.create(hypervisor, vm -> IsolationResponse.POWER_OFF, pollInterval,
                pollInterval, ctx.messageAdapter(IsolationResponder.Applied.class,
                    a -> new FenceApplied(a, f.replyTo()))), DispatcherSelector.sameAsParent());
            return running(s.fenced(Optional.of(f.reason()))
                .stoppingAll(s.seen().keySet(), "its host fenced itself: " + f.reason()));
          })
          .onMessage(FenceApplied.class, a -> {
            a.replyTo().tell(a.applied());
            return Behaviors.same();
          })
          .onMessageEquals(Unfence.INSTANCE, () -> running(s.fenced(Optional.empty())))
          .build();
    }

    /** Refused while the VM is starting or not seen here; else its writer is stopped (not a failure: never reported). */
    private State onMigrateOut(State s, MigrateOut r) {
      Optional<String> refusal = s.starting().containsKey(r.vm()) ? Optional.of(r.vm() + " is being started here")
          : !s.seen().containsKey(r.vm()) ? Optional.of(r.vm() + " is not on at " + hostId) : Optional.empty();
      if (refusal.isPresent()) {
        r.replyTo().tell(new MigratedOut(r.vm(), hostId, Optional.empty(), false, refusal.get()));
        return s;
      }
      ctx.pipeToSelf(hypervisor.migrateOut(r.vm()), (image, err) -> new WriterStopped(r, image, err));
      Set<String> off = new HashSet<>(s.operatorOff());
      off.add(r.vm());
      return s.stopping(s.stopping(), off);
    }

    /** The writer stopped: the lease is released (awaited), and only then is the image handed to the master. */
    private State onWriterStopped(State s, WriterStopped w) {
      String vm = w.request().vm();
      if (w.error() != null) {
        Set<String> off = new HashSet<>(s.operatorOff());
        off.remove(vm); // it runs on here: a later stop is a failure again
        w.request().replyTo().tell(new MigratedOut(vm, hostId, Optional.empty(), false,
            "its writer did not stop: " + Failures.rootMessage(w.error())));
        return s.stopping(s.stopping(), off);
      }
      ctx.ask(VmLeases.Released.class, leases, TimingRules.leaseReleaseBound(pollInterval),
          ref -> new VmLeases.Release(vm, ref), (released, err) -> {
            Optional<String> error = err != null ? Optional.of(Failures.rootMessage(err)) : released.error();
            w.request().replyTo().tell(new MigratedOut(vm, hostId, error.isEmpty() ? Optional.of(w.image())
                : Optional.empty(), true, error.map(e -> "its writer stopped, but its lease was not released: " + e)
                .orElse("")));
            return Poll.INSTANCE;
          });
      Map<String, Long> migrated = new HashMap<>(s.migrated());
      migrated.put(vm, s.polls());
      return s.migrated(migrated);
    }

    private State onPowerOn(State s, Start r) {
      String vm = r.vm().name();
      Optional<String> refusal = s.fenced().map(f -> hostId + " is fenced: " + f);
      if (refusal.isEmpty() && s.starting().containsKey(vm)) refusal = Optional.of(vm + " is being started here");
      if (refusal.isPresent()) {
        r.replyTo().tell(new Result(vm, hostId, false, refusal.get()));
        return s;
      }
      ctx.ask(VmLeases.Taken.class, leases, TimingRules.leaseTakeBound(pollInterval),
          ref -> new VmLeases.Take(vm, r.grant(), ref), (t, err) -> new LeaseTaken(r, t, err));
      Map<String, Starting> st = new HashMap<>(s.starting());
      st.put(vm, new Starting(r.vm(), -1));
      return s.starting(st);
    }

    private State onLeaseTaken(State s, LeaseTaken t) {
      Start r = t.request();
      String err = t.error() != null ? "its lease could not be taken: " + Failures.rootMessage(t.error())
          : !t.taken().ok() ? t.taken().reason()
          : s.fenced().map(f -> hostId + " is fenced: " + f).orElse(null);
      if (err == null) {
        ctx.pipeToSelf(r.image().map(hypervisor::migrateIn).orElseGet(() -> hypervisor.powerOn(r.vm())),
            (ok, e) -> new PoweredOn(r, e));
        return s;
      }
      r.replyTo().tell(new Result(r.vm().name(), hostId, false, err));
      Map<String, Starting> st = new HashMap<>(s.starting());
      st.remove(r.vm().name());
      return s.starting(st); // the next poll's Running releases a lease taken for nothing
    }

    private State onPoweredOn(State s, PoweredOn p) {
      String vm = p.request().vm().name();
      String err = p.error() == null ? null : Failures.rootMessage(p.error());
      State next = s;
      if (err == null && s.fenced().isPresent()) {
        // started just before the fence came down: it must not run here
        next = forceOff(s, vm);
        err = hostId + " fenced itself while starting it: " + s.fenced().get();
      }
      if (err == null) {
        // running again here: no longer stopped, no longer an operator's power-off
        Map<String, StoppedVm> stopped = new HashMap<>(s.stopped());
        stopped.remove(vm);
        Set<String> off = new HashSet<>(s.operatorOff());
        off.remove(vm);
        Map<String, String> stopping = new HashMap<>(s.stopping());
        stopping.remove(vm);
        Map<String, Long> migrated = new HashMap<>(s.migrated());
        migrated.remove(vm);
        next = new State(s.fenced(), s.polls(), s.starting(), s.seen(), Map.copyOf(stopping), Set.copyOf(off),
            Map.copyOf(stopped), s.forced(), Map.copyOf(migrated));
      }
      p.request().replyTo().tell(new Result(vm, hostId, err == null, err));
      Map<String, Starting> st = new HashMap<>(next.starting());
      st.put(vm, new Starting(p.request().vm(), next.polls()));
      ctx.getSelf().tell(Poll.INSTANCE); // report the new VM at once
      return next.starting(st);
    }

    /** Powers a VM off, awaited: until a poll shows it off it is tried again (see {@link #onPolled}). */
    private State forceOff(State s, String vm) {
      ctx.pipeToSelf(hypervisor.powerOff(vm), (x, err) -> new ForcedOff(vm, err));
      Map<String, Boolean> forced = new HashMap<>(s.forced());
      forced.put(vm, true);
      return s.forced(forced);
    }

    private State onPolled(State s, Polled p) {
      if (p.error() != null) {
        ctx.getLog().warn("cannot list the VMs of {}: {}", hostId, p.error().toString());
        return s;
      }
      Map<String, VmSpec> now = new HashMap<>();
      // a poll issued before a VM migrated away may list it still: it runs elsewhere now
      p.vms().stream().filter(vm -> s.migrated().getOrDefault(vm.name(), -1L) < p.seq())
          .forEach(vm -> now.put(vm.name(), vm));
      Map<String, Long> migrated = new HashMap<>(s.migrated());
      migrated.values().removeIf(at -> at < p.seq());
      // a VM whose power-on finished before this poll was issued is no longer starting: the poll shows the truth
      Map<String, Starting> starting = new HashMap<>();
      s.starting().forEach((vm, st) -> {
        if (st.doneAtPoll() < 0 || st.doneAtPoll() >= p.seq()) starting.put(vm, st);
      });
      Map<String, String> stopping = new HashMap<>(s.stopping());
      Set<String> off = new HashSet<>(s.operatorOff());
      Map<String, StoppedVm> stopped = new LinkedHashMap<>(s.stopped());
      for (String vm : s.seen().keySet()) {
        if (now.containsKey(vm) || starting.containsKey(vm)) continue;
        String why = stopping.remove(vm);
        if (off.remove(vm)) continue; // an operator's power-off: not a failure
        VmSpec spec = s.seen().get(vm);
        if (why == null) {
          why = "it stopped from inside its guest (shutdown or crash)";
          events.accept(new HaEvent.VmStoppedInGuest(clock.instant(), hostId, vm));
        }
        stopped.put(vm, new StoppedVm(spec, why));
      }
      Set<String> leased = new HashSet<>(now.keySet());
      leased.addAll(starting.keySet());
      leases.tell(new VmLeases.Running(Set.copyOf(leased)));
      publish.accept(new HostReport(hostId, management, memoryMb, cpus,
          p.vms().stream().filter(vm -> now.containsKey(vm.name())).toList(), ctx.getSelf(), s.fenced().isPresent(),
          List.copyOf(stopped.values()), starting.keySet().stream().sorted().toList()));
      // a forced power-off is done when the hypervisor shows the VM off; until then it is tried again
      Map<String, Boolean> forced = new HashMap<>();
      s.forced().forEach((vm, inFlight) -> {
        if (now.containsKey(vm) || starting.containsKey(vm)) forced.put(vm, inFlight);
      });
      State next = new State(s.fenced(), s.polls(), Map.copyOf(starting), Map.copyOf(now), Map.copyOf(stopping),
          Set.copyOf(off), Map.copyOf(stopped), Map.copyOf(forced), Map.copyOf(migrated));
      for (Map.Entry<String, Boolean> f : forced.entrySet()) {
        if (!f.getValue() && now.containsKey(f.getKey())) next = forceOff(next, f.getKey());
      }
      return next;
    }
  }
}
