package dev.vmha.master;

import dev.vmha.isolation.MajorityRule;
import dev.vmha.master.MasterState.HostEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The master as a pure state machine (issue 21, after etcd raft's {@code Step} → {@code Ready}): each input gives the
 * next state and the effects for its actor shell to carry out; no actor, clock or I/O here.
 * Virtual time advances by one interval per {@link MasterInput.Tick}; {@code wallNow} stamps the step's events.
 *
 * <p>A failure flows: {@link HostWatch#beat} stops coming → a tick → {@link HostWatch#investigate} (ping) →
 * {@link HostWatch#pinged} → {@code HostWatch.judge} (the verdict: {@link dev.vmha.classify.HostClassifier}) →
 * {@link VmRecovery#needHome} → {@link VmRecovery#advance} (the plan: {@link dev.vmha.restart.RestartPlanner}) →
 * {@link MasterEffect.PersistThenStart} → {@link VmRecovery#restarted}.
 */
public final class MasterMachine {
  private MasterMachine() {}

  /** The next state and what to do. */
  public record Step(MasterState state, List<MasterEffect> effects) {}

  /**
   * A master just elected. {@code knownSilence}: hosts already known to be silent, and for how long (a slave that
   * becomes master after losing its master has heard nothing from it for hostTimeout plus the election); virtual
   * time starts at the longest, so every last beat lies at or after zero. It reads the view and the list at once.
   */
  public static Step start(MasterConfig config, Map<String, Duration> knownSilence) {
    Duration begin = knownSilence.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
    Map<String, HostEntry> hosts = new HashMap<>();
    knownSilence.forEach((h, silent) -> hosts.put(h, HostEntry.silentBeforeTakeover(h, begin.minus(silent))));
    // the datastore view this host kept as a slave proves silences: the first round judges with it
    return new Step(MasterState.initial(config.self(), begin, hosts),
        List.of(new MasterEffect.ReadView(), new MasterEffect.ReadList()));
  }

  public static Step step(MasterState state, MasterInput input, Instant wallNow, MasterConfig config) {
    Turn t = new Turn(config, wallNow);
    // stepped down after a stall: the inputs still queued behind it are as stale as the rest (seed 2454); an
    // operator is told so at once rather than left to the API's timeout
    if (state.stalled().isPresent()) return new Step(state, steppedDown(t, state, input));
    if (input instanceof MasterInput.Stalled st) return new Step(stalled(t, state, st.idle()), t.effects());
    MasterState next = CapacityWatch.recheck(t, next(t, state, input));
    return new Step(next, t.effects());
  }

  private static MasterState next(Turn t, MasterState s, MasterInput input) {
    if (input instanceof MasterInput.Tick) return tick(t, s);
    if (input instanceof MasterInput.ViewRead v) return HostWatch.view(t, s, v.view());
    if (input instanceof MasterInput.ListRead r) return ListOwnership.read(t, s, r);
    if (input instanceof MasterInput.ListWritten w) return ListOwnership.written(t, s, w);
    if (input instanceof MasterInput.LockWritten w) return ListOwnership.lockWritten(t, s, w);
    // a newer replica first: the beat's stop records are of the VMs that list places there (seeds 822, 1397, 1429)
    if (input instanceof MasterInput.Beat b) {
      return ListOwnership.promised(t, ListOwnership.held(t, HostWatch.beat(t, ListOwnership.offered(t, s, b),
          b.report()), b), b);
    }
    if (input instanceof MasterInput.Membership m) return HostWatch.member(t, s, m);
    if (input instanceof MasterInput.Pinged p) return HostWatch.pinged(t, s, p);
    if (input instanceof MasterInput.Restarted r) return VmRecovery.restarted(t, s, r.outcome());
    if (input instanceof MasterInput.PowerOn p) return OperatorRequests.powerOn(t, s, p);
    if (input instanceof MasterInput.PowerOff p) return OperatorRequests.powerOff(t, s, p);
    if (input instanceof MasterInput.Maintenance m) return Maintenance.request(t, s, m);
    if (input instanceof MasterInput.Migrated m) return Maintenance.migrated(t, s, m.outcome());
    if (input instanceof MasterInput.Operate o) return Operations.operate(t, s, o);
    if (input instanceof MasterInput.Planned p) return CapacityWatch.planned(t, s, p);
    if (input instanceof MasterInput.PlanFailed p) return CapacityWatch.planFailed(t, s, p);
    return OperatorRequests.poweredOff(t, s, (MasterInput.PoweredOff) input);
  }

  /**
   * The agent did nothing for {@code idle}. Past {@link dev.vmha.timing.TimingRules.Detection#masterStall} the slaves
   * may have elected another master, which may have restarted VMs that this one, from the reports and restarts
   * queued in its mailbox, still counts stopped or starting (seeds 2454, 4115, 4324, 4409, 4664 without datastores:
   * a thawed master restarted a VM the new one had already restarted). It steps down instead: the election runs
   * again, and a master it elects starts from fresh reports. A shorter stall is only late news.
   */
  private static MasterState stalled(Turn t, MasterState s, Duration idle) {
    if (idle.compareTo(t.settings().detectionTiming().masterStall()) < 0) return s;
    t.warn("this agent stalled for " + idle.toMillis() + " ms: another master may have been elected meanwhile;"
        + " stepping down without acting on what it learned before");
    t.effect(new MasterEffect.ToElection(new MasterNotice.Stalled(idle)));
    return s.stalled(idle);
  }

  /** The refusal of an operator's request that reaches a master stepped down after a stall; nothing else. */
  private static List<MasterEffect> steppedDown(Turn t, MasterState s, MasterInput input) {
    Optional<RequestId> request = input instanceof MasterInput.PowerOn p ? Optional.of(p.request())
        : input instanceof MasterInput.PowerOff p ? Optional.of(p.request())
        : input instanceof MasterInput.Operate o ? Optional.of(o.request())
        : input instanceof MasterInput.Maintenance m ? Optional.of(m.request()) : Optional.empty();
    request.ifPresent(r -> OperatorRequests.refuse(t, s, r, "master " + t.self() + " stepped down (its agent stalled;"
        + " another master may have been elected meanwhile): nothing was changed; try again"));
    return t.effects();
  }

  /** What `vmha status` shows of this state. */
  public static ClusterStatus status(MasterState state, Instant wallNow, MasterConfig config) {
    return StatusView.of(config, state, wallNow);
  }

  /**
   * One interval: time advances, the datastore view is asked for, a list not yet read is read again, and with the
   * list the flagged VMs, the silent hosts and the VMs lost unseen are followed, then the plan carried further.
   */
  private static MasterState tick(Turn t, MasterState s) {
    MasterState next = s.time(s.now().plus(t.settings().failureDetectionInterval()));
    t.effect(new MasterEffect.ReadView());
    boolean majority = false;
    if (!t.config.hasDatastores()) {
      MajorityRule.Count count = HostWatch.majority(t, next);
      majority = count.majority();
      t.effect(new MasterEffect.ToElection(new MasterNotice.Side(majority ? Optional.of(HostWatch.claimed(t, next))
          : Optional.empty(), count.minority())));
    }
    next = next.majoritySince(majority ? Optional.of(next.majoritySince().orElse(next.now())) : Optional.empty());
    if (!t.config.hasDatastores() && !majority) {
      // its slaves may elect another master: a power-on sent once they hold the list would come too late
      next = VmRecovery.unsent(t, next, "its restart waited for a majority to hold its list, and this side lost its"
          + " majority");
    }
    if (next.proposal().epoch() > 0) {
      t.effect(new MasterEffect.ToElection(new MasterNotice.Proposing(next.proposal().epoch())));
    }
    if (!next.loaded()) {
      if (next.listReadOut() || next.proposal().epoch() > 0) return next;
      t.effect(new MasterEffect.ReadList());
      return next.reading(true);
    }
    next = HostWatch.checkAllSilent(t, VmRecovery.restartFlagged(t, next));
    return Maintenance.drain(t, VmRecovery.advance(t, VmRecovery.reconcile(t, HostWatch.investigate(t, next))));
  }
}
