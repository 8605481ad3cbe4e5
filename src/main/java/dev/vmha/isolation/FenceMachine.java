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
    if (input instanceof FenceInput.RecordRead r) return new Step(carriedOn(s, r, config), List.of());
    if (input instanceof FenceInput.RecordUnreadable) {
      // unknown is taken for long ago: the first minority round of this agent fences, a majority round lifts it
      return new Step(countedYet(s) || config.datastoresConfigured() ? s : new FenceState(s.now(), s.lastOwnWrite(),
          s.writeSeenAt(), Optional.of(s.now().minus(config.fenceTimeout())), s.fenced(), s.known(), s.enforcement(),
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
    boolean member = t.members().contains(config.hostId());
    // a round before this agent is a member (it sees no members) proves nothing: a clock carried on stays
    Optional<Duration> since = minority ? Optional.of(s.minoritySince().orElse(now))
        : member ? Optional.empty() : s.minoritySince();
    // left out by itself as master (fewer than half report to it) counts while it hears half or more: at half a host
    // it hears may report to another master, so the others may hold a strict majority (seed 37150); a strict
    // minority fences by the rule above, at T as before; a fence so taken stays until it is counted
    boolean recount = side.minority() && s.fenced().isEmpty();
    Optional<FenceState.LeftOut> leftOut = s.leftOut()
        .map(o -> recount && o.master().equals(config.hostId()) ? new FenceState.LeftOut(o.master(), now) : o);
    Optional<String> reason = FencingRule.mustFence(datastores, now.minus(s.writeSeenAt()),
        since.filter(x -> minority).map(now::minus).orElse(Duration.ZERO), config.fenceTimeout())
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
    // an agent not yet a member sees no members, and is a majority of one: that is no news for the next agent
    if (!datastores && side.majority() && member) {
      Set<String> members = new TreeSet<>(t.members());
      members.add(config.hostId());
      effects.add(new FenceEffect.WriteRecord(new MajorityRecord(t.at(), members)));
    }
    return new Step(new FenceState(now, s.lastOwnWrite(), s.writeSeenAt(), since, fenced, known, s.enforcement(),
        leftOut), effects);
  }

  /**
   * Seed 1912: an agent restarted while its host was cut off into a minority must not start its minority clock
   * again, for the majority counts the host's silence from when it last heard it. So until its first round that sees
   * other members and no minority, a new agent counts the minority from {@link TimingRules#minorityNoticedBy} after
   * the last majority its predecessors recorded, as the agent that heard that majority would have at the latest; and
   * it knows the hosts they knew, for before it joins the cluster it sees no members. The virtual time it maps the
   * record into runs up to one round behind the wall time, which only sets the clock back further. With datastores
   * the fence follows the own heartbeat, which outlives the agent.
   */
  private static FenceState carriedOn(FenceState s, FenceInput.RecordRead r, FenceConfig config) {
    if (config.datastoresConfigured() || r.record().isEmpty() || countedYet(s)) return s;
    MajorityRecord record = r.record().get();
    Duration noticed = s.now().minus(Duration.between(record.heardAt(), r.at()))
        .plus(TimingRules.minorityNoticedBy(config.fenceTimeout(), config.interval()));
    Duration since = s.minoritySince().filter(m -> m.compareTo(noticed) <= 0).orElse(noticed);
    Set<String> known = new TreeSet<>(s.known());
    known.addAll(record.known());
    return new FenceState(s.now(), s.lastOwnWrite(), s.writeSeenAt(), Optional.of(since), s.fenced(), known,
        s.enforcement(), s.leftOut());
  }

  /** Whether a round of this agent's own, as a member, saw no minority: then it needs no predecessor's clock. */
  private static boolean countedYet(FenceState s) {
    return !s.now().isZero() && s.minoritySince().isEmpty() && s.known().size() > 1;
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
