package dev.vmha.isolation;

import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One application of the isolation response as a pure state machine (issue 21): every VM powered on at an isolated
 * (or fenced) host gets its response — power-off at once, guest shutdown with power-off after
 * {@code das.isolationShutdownTimeout}, or left running — and the answer lists what the hypervisor then shows as
 * stopped, never what it was merely asked to stop, so that only VMs really off are offered for restart. Every
 * power-off is awaited (counted) before the final list is read. {@link IsolationResponder} carries out the effects.
 */
public final class ResponseMachine {
  private ResponseMachine() {}

  /**
   * @param responseFor each VM's isolation response
   * @param shutdownTimeout how long a guest has to shut down before it is powered off
   * @param pollInterval how often the VMs shutting down are looked at
   */
  public record Config(
      Function<String, IsolationResponse> responseFor, Duration shutdownTimeout, Duration pollInterval) {}

  /** Why the VMs powered on are listed. */
  public enum Listing {
    /** At the start: whom to respond to. */
    FIRST,
    /** While guests shut down: which still run. */
    POLL,
    /** Once every power-off answered: what is really off. */
    FINAL
  }

  public enum Timer { POLL, DEADLINE }

  public sealed interface Input {
    /** The VMs powered on, or why they could not be listed. */
    record Listed(Listing listing, List<VmSpec> vms, Optional<String> failure) implements Input {
      public Listed {
        vms = List.copyOf(vms);
      }
    }

    /** A power-off answered, or failed with {@code failure}. */
    record PoweredOff(String vm, Optional<String> failure) implements Input {}

    /** A guest shutdown failed (one that succeeds shows in the next poll). */
    record ShutdownFailed(String vm, String why) implements Input {}

    record Fired(Timer timer) implements Input {}
  }

  public sealed interface Effect {
    record ListVms(Listing listing) implements Effect {}

    /** Power the VM off (answered by {@link Input.PoweredOff}). */
    record PowerOff(String vm) implements Effect {}

    /** Ask the guest to shut down (only a failure is answered). */
    record ShutdownGuest(String vm) implements Effect {}

    /** Fire {@code timer} every {@code every}. */
    record Repeat(Timer timer, Duration every) implements Effect {}

    /** Fire {@code timer} once after {@code after}. */
    record Schedule(Timer timer, Duration after) implements Effect {}

    record CancelTimers() implements Effect {}

    /** The outcome: VMs now off, VMs still running, and failures; then the run ends. */
    record Reply(List<VmSpec> stopped, List<VmSpec> keptRunning, List<String> failures) implements Effect {}
  }

  public enum Phase { LISTING, WAITING, CONFIRMING, DONE }

  /**
   * @param toStop the VMs to be stopped
   * @param shuttingDown the guests shutting down that still run
   * @param offsPending power-offs not answered yet
   */
  public record State(Phase phase, List<VmSpec> toStop, Set<String> shuttingDown, int offsPending,
      List<String> failures) {
    public State {
      toStop = List.copyOf(toStop);
      shuttingDown = Set.copyOf(shuttingDown);
      failures = List.copyOf(failures);
    }
  }

  /** The next state and what to do, in order. */
  public record Step(State state, List<Effect> effects) {
    public Step {
      effects = List.copyOf(effects);
    }
  }

  /** A run starts by listing the VMs powered on. */
  public static Step start() {
    return new Step(new State(Phase.LISTING, List.of(), Set.of(), 0, List.of()),
        List.of(new Effect.ListVms(Listing.FIRST)));
  }

  public static Step step(State s, Input in, Config config) {
    List<Effect> effects = new ArrayList<>();
    if (in instanceof Input.ShutdownFailed f && s.phase() != Phase.DONE) {
      List<String> failures = new ArrayList<>(s.failures());
      failures.add(f.vm() + " (shutdown): " + f.why());
      return new Step(new State(s.phase(), s.toStop(), s.shuttingDown(), s.offsPending(), failures), effects);
    }
    State next = switch (s.phase()) {
      case LISTING -> in instanceof Input.Listed l && l.listing() == Listing.FIRST ? respond(l, config, effects) : s;
      case WAITING -> waiting(s, in, config, effects);
      case CONFIRMING -> in instanceof Input.Listed l && l.listing() == Listing.FINAL ? confirm(s, l, effects) : s;
      case DONE -> s;
    };
    return new Step(next, effects);
  }

  private static State respond(Input.Listed l, Config config, List<Effect> effects) {
    if (l.failure().isPresent()) {
      effects.add(new Effect.Reply(List.of(), List.of(), List.of("cannot list VMs: " + l.failure().get())));
      return new State(Phase.DONE, List.of(), Set.of(), 0, List.of());
    }
    List<VmSpec> toStop = new ArrayList<>();
    Set<String> shuttingDown = new HashSet<>();
    int offs = 0;
    for (VmSpec vm : l.vms()) {
      switch (config.responseFor().apply(vm.name())) {
        case POWER_OFF -> {
          toStop.add(vm);
          offs++;
          effects.add(new Effect.PowerOff(vm.name()));
        }
        case SHUTDOWN -> {
          toStop.add(vm);
          shuttingDown.add(vm.name());
          effects.add(new Effect.ShutdownGuest(vm.name()));
        }
        case LEAVE_POWERED_ON -> { }
      }
    }
    if (!shuttingDown.isEmpty()) {
      effects.add(new Effect.Repeat(Timer.POLL, config.pollInterval()));
      effects.add(new Effect.Schedule(Timer.DEADLINE, config.shutdownTimeout()));
    }
    return settle(new State(Phase.WAITING, toStop, shuttingDown, offs, List.of()), effects);
  }

  private static State waiting(State s, Input in, Config config, List<Effect> effects) {
    if (in instanceof Input.PoweredOff p) {
      List<String> failures = new ArrayList<>(s.failures());
      p.failure().ifPresent(why -> failures.add(p.vm() + ": " + why));
      return settle(new State(s.phase(), s.toStop(), s.shuttingDown(), s.offsPending() - 1, failures), effects);
    }
    if (in instanceof Input.Fired f && f.timer() == Timer.POLL) {
      effects.add(new Effect.ListVms(Listing.POLL));
      return s;
    }
    if (in instanceof Input.Listed l && l.listing() == Listing.POLL) {
      if (l.failure().isPresent()) return s;
      Set<String> still = new HashSet<>(s.shuttingDown());
      still.retainAll(l.vms().stream().map(VmSpec::name).toList());
      return settle(new State(s.phase(), s.toStop(), still, s.offsPending(), s.failures()), effects);
    }
    if (in instanceof Input.Fired f && f.timer() == Timer.DEADLINE) {
      // the guests took too long: power them off, as vSphere does after isolationShutdownTimeout
      effects.add(new Effect.CancelTimers());
      s.shuttingDown().stream().sorted().forEach(vm -> effects.add(new Effect.PowerOff(vm)));
      return settle(new State(s.phase(), s.toStop(), Set.of(), s.offsPending() + s.shuttingDown().size(),
          s.failures()), effects);
    }
    return s;
  }

  /** Once every power-off answered and no guest is still shutting down, the final list is read. */
  private static State settle(State s, List<Effect> effects) {
    if (s.offsPending() > 0 || !s.shuttingDown().isEmpty()) return s;
    effects.add(new Effect.CancelTimers());
    effects.add(new Effect.ListVms(Listing.FINAL));
    return new State(Phase.CONFIRMING, s.toStop(), Set.of(), 0, s.failures());
  }

  private static State confirm(State s, Input.Listed l, List<Effect> effects) {
    if (l.failure().isPresent()) {
      // without the hypervisor's word nothing counts as stopped: nothing may be restarted elsewhere
      effects.add(new Effect.Reply(List.of(), List.of(), List.of("cannot confirm the VMs are off: "
          + l.failure().get())));
    } else {
      Set<String> running = new HashSet<>(l.vms().stream().map(VmSpec::name).toList());
      List<VmSpec> stopped = s.toStop().stream().filter(vm -> !running.contains(vm.name())).toList();
      effects.add(new Effect.Reply(stopped, l.vms(), s.failures()));
    }
    return new State(Phase.DONE, s.toStop(), Set.of(), 0, s.failures());
  }
}
