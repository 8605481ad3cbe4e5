package dev.vmha.isolation;

import dev.vmha.history.HaEvent;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host's self-fence as a pure state machine (issue 21): applies the {@link FencingRule} every
 * {@code das.failuredetectioninterval} — fences the host when the rule fires, and lifts the fence when the host can
 * prove itself again (without datastores only proof of a strict {@link MajorityRule} majority does). {@link #step}
 * returns the next state and the effects, which {@link SelfFence} carries out; time advances one interval per
 * {@link FenceInput.Tick}. While an operator has suspended enforcement ({@link Enforcement}) the host does not fence
 * itself; a fence already in place is lifted as usual.
 */
public final class FenceMachine {
  private FenceMachine() {}

  /** The next state and what to do, in order. */
  public record Step(FenceState state, List<FenceEffect> effects) {
    public Step {
      effects = List.copyOf(effects);
    }
  }

  public static Step step(FenceState s, FenceInput input, FenceConfig config) {
    if (input instanceof FenceInput.Tick t) return tick(s, t, config);
    if (input instanceof FenceInput.ViewRead v) {
      Duration w = v.lastOwnWrite();
      return new Step(w.equals(s.lastOwnWrite()) ? s
          : new FenceState(s.now(), w, s.now(), s.minoritySince(), s.fenced(), s.known(), s.enforcement(),
              s.leftOut()), List.of());
    }
    if (input instanceof FenceInput.Enforce e) {
      return new Step(new FenceState(s.now(), s.lastOwnWrite(), s.writeSeenAt(), s.minoritySince(), s.fenced(),
          s.known(), e.enforcement(), s.leftOut()), List.of());
    }
    if (input instanceof FenceInput.CountedByMaster c) {
      // each master counts a host's silence from its own takeover, so each master's leaving out counts apart
      Optional<FenceState.LeftOut> out = c.counted() ? Optional.empty()
          : Optional.of(s.leftOut().filter(o -> o.master().equals(c.master()))
              .orElse(new FenceState.LeftOut(c.master(), s.now())));
      return new Step(new FenceState(s.now(), s.lastOwnWrite(), s.writeSeenAt(), s.minoritySince(), s.fenced(),
          s.known(), s.enforcement(), out), List.of());
    }
    FenceInput.Fenced f = (FenceInput.Fenced) input;
    return new Step(s, List.of(new FenceEffect.Emit(new HaEvent.HostSelfFenced(f.at(), config.hostId(), f.reason(),
        f.stopped()))));
  }

  private static Step tick(FenceState s, FenceInput.Tick t, FenceConfig config) {
    List<FenceEffect> effects = new ArrayList<>();
    Duration now = s.now().plus(config.interval());
    boolean datastores = config.datastoresConfigured();
    if (datastores) effects.add(new FenceEffect.AskView());
    Set<String> known = new TreeSet<>(s.known());
    known.addAll(t.members());
    MajorityRule.Count side = MajorityRule.count(config.hostId(), known, t.heard());
    boolean minority = !datastores && side.minority();
    Optional<Duration> since = minority ? Optional.of(s.minoritySince().orElse(now)) : Optional.empty();
    // left out by itself as master (no majority reports to it) counts only while it hears a strict majority: an
    // even split fences nobody, and a minority fences by the rule above; a fence so taken stays until it is counted
    boolean recount = !side.majority() && s.fenced().isEmpty();
    Optional<FenceState.LeftOut> leftOut = s.leftOut()
        .map(o -> recount && o.master().equals(config.hostId()) ? new FenceState.LeftOut(o.master(), now) : o);
    Optional<String> reason = FencingRule.mustFence(datastores, now.minus(s.writeSeenAt()),
        since.map(now::minus).orElse(Duration.ZERO), config.fenceTimeout())
        .or(() -> datastores ? Optional.empty() : leftOut(leftOut, now, config));
    Optional<String> fenced = s.fenced();
    if (reason.isPresent() && fenced.isEmpty() && s.enforcement().on()) {
      effects.add(new FenceEffect.Fence(reason.get()));
      fenced = reason;
    } else if (reason.isEmpty() && fenced.isPresent() && (datastores || side.majority())) {
      // without datastores only proof of a strict majority lifts the fence: an even split keeps it
      effects.add(new FenceEffect.Unfence());
      effects.add(new FenceEffect.Emit(new HaEvent.HostUnfenced(t.at(), config.hostId(), datastores
          ? "its heartbeat reaches a datastore again" : "it hears a majority of the cluster again: "
          + side.describe())));
      fenced = Optional.empty();
    }
    return new Step(new FenceState(now, s.lastOwnWrite(), s.writeSeenAt(), since, fenced, known, s.enforcement(),
        leftOut), effects);
  }

  /**
   * Without datastores a host the master cannot hear may still hear a majority (a one-way loss): its master's beats
   * leaving it out of the master's side is then its only proof that it is outside, and the master restarts its VMs
   * after {@link TimingRules#majorityStillBound} of that silence; so it fences at {@link TimingRules#leftOutFenceAfter}.
   */
  private static Optional<String> leftOut(Optional<FenceState.LeftOut> out, Duration now, FenceConfig config) {
    return out.map(o -> now.minus(o.since()))
        .filter(d -> d.compareTo(TimingRules.leftOutFenceAfter(config.fenceTimeout())) >= 0)
        .map(d -> "master " + out.get().master() + " has left it out of the hosts it hears for " + d.toMillis()
            + " ms");
  }
}
