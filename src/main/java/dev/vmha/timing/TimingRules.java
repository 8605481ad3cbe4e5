package dev.vmha.timing;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Every timing bound vmha derives from its settings, in one place, each with the reason it holds (issue 21;
 * docs/FAILURE-DETECTION.md, "Timing rules"). Nothing else computes with a setting's duration: the agent's code asks
 * this class. Letters as in the docs: {@code i} das.failuredetectioninterval, {@code T} das.config.fdm.hostTimeout,
 * {@code P} das.config.fdm.icmpPingTimeout, {@code W} vmha.election.window. Three records carry the bounds that need
 * several settings at once: {@link Detection} (the master's verdicts and each failure case's budget), {@link Lease}
 * (a VM's lease and the watchdog) and {@link Heal} (one cluster after a partition). Pure.
 */
public final class TimingRules {
  private TimingRules() {}

  // ---- the settings' own limits

  /** The smallest T allowed: 4 i, so a heartbeat seen up to one round late is not taken for a lost one. */
  public static Duration minHostTimeout(Duration interval) {
    return interval.multipliedBy(4);
  }

  /**
   * Without heartbeat datastores, the election window must stay below (T - 2 i) / 2. A host that cannot hear its
   * master stops reporting when it loses it (at tR, its last report), and may first elect a host that follows the
   * other master, wait T for that host's beats, which never come, and elect again — itself, a master the hosts it hears
   * do not report to, so left out by itself from its coordinator's first count, two intervals in: it is fenced by
   * tR + 2 W + T + 2 i + T/2 (seed 37150 with W = 15 s), before the majority restarts its VMs at tR + 2.5 T only while
   * 2 W + 2 i &lt; T. A host that never reported to a new master (counted from the takeover, seed 4138 with W = 15 s)
   * loses it T after tR and is fenced by tR + T + W + 2 i + T/2, which the same bound covers; if it first elects one
   * of that master's slaves it takes T more, which {@link #neverReportedStillBound} gives it. A host that cannot hear
   * the master from its own cold start (seed 38777) closes its election at W without the master's ballot, from about
   * when the master came to know it, and goes 37150's way from there. Exclusive.
   */
  public static Duration electionWindowLimit(Duration hostTimeout, Duration interval) {
    return hostTimeout.minus(interval.multipliedBy(2)).dividedBy(2);
  }

  /**
   * The election window when none is set: vSphere's 15 s with heartbeat datastores (seed 003: T0+10 s election,
   * T0+25 s elected); without, half of {@link #electionWindowLimit} ((T - 2 i) / 4: 2 s with the defaults), which
   * leaves the other half of it for messages late and clocks apart.
   */
  public static Duration defaultElectionWindow(boolean datastores, Duration hostTimeout, Duration interval) {
    return datastores ? Duration.ofSeconds(15) : electionWindowLimit(hostTimeout, interval).dividedBy(2);
  }

  /**
   * The watchdog's timeout when none is set: T/2, which keeps the lease fence deadline at T with every allowed
   * interval (T ≥ 4 i leaves T/2 ≥ 2 i for the pet deadline, see {@link #leaseFenceAfter}).
   */
  public static Duration defaultWatchdogTimeout(Duration hostTimeout) {
    return hostTimeout.dividedBy(2);
  }

  /** The shortest watchdog timeout: 2 i, since a pet may come one interval late. */
  public static Duration minWatchdogTimeout(Duration interval) {
    return interval.multipliedBy(2);
  }

  // ---- detection: what a host or the master waits for

  /**
   * The allowance for observing a heartbeat late: the writer's period, the reader's round and scheduling jitter.
   * T/2, which the settings keep at two intervals or more.
   */
  public static Duration observationLag(Duration hostTimeout) {
    return hostTimeout.dividedBy(2);
  }

  /**
   * How long a host's datastore heartbeat must stand still before the host has surely fenced itself (1.5 T): its fence
   * timeout T plus the observation lag. Also how long a protected-list lock must stand still before another master
   * may take it.
   */
  public static Duration datastoreStillBound(Duration hostTimeout) {
    return hostTimeout.plus(observationLag(hostTimeout));
  }

  /**
   * Without heartbeat datastores: the network silence after which a minority host has surely fenced itself (2.5 T).
   * The failure detector needs up to about T/3 + one interval to mark the minority unreachable, then T of fencing
   * delay, plus the observation lag.
   */
  public static Duration majorityStillBound(Duration hostTimeout) {
    return hostTimeout.multipliedBy(2).plus(observationLag(hostTimeout));
  }

  /**
   * Without heartbeat datastores: the silence after which a host that never reported to this master has surely fenced
   * itself (3.5 T, counted from when the master came to know it, tK). Such a host may never have heard this master's
   * beats (a one-way loss from the takeover on): it loses its master at tK + T, may elect a host that follows this
   * master and wait T for beats that never come, then elects itself and is left out by itself: fenced by
   * tK + 2 T + 2 W + 2 i + T/2, after {@link #majorityStillBound} but before 3.5 T while {@link #electionWindowLimit}
   * holds. The master it lost (its silence heard before the takeover) goes no such way: it keeps the 2.5 T.
   */
  public static Duration neverReportedStillBound(Duration hostTimeout) {
    return majorityStillBound(hostTimeout).plus(hostTimeout);
  }

  /**
   * Without heartbeat datastores: how long after a host last heard a strict majority its self-fence has surely seen
   * the minority (T/3 + i): Pekko's failure detector marks the other side unreachable within its acceptable pause,
   * and the fence's next round sees it. {@link #majorityStillBound} allows this before the fence's T; an agent that
   * starts on a host whose last majority its predecessor recorded counts its minority from then on (seed 1912).
   */
  public static Duration minorityNoticedBy(Duration hostTimeout, Duration interval) {
    return failureDetectorPause(hostTimeout).plus(interval);
  }

  /**
   * Without heartbeat datastores: how long a slave left out of its master's side (the hosts the master's beats say it
   * counts as heard) waits before it fences itself (T/2). The master leaves a host out at most T after the last
   * report it received from it (at tR), its next beat says so within one interval and arrives within a message's delay
   * d, and the slave applies it at its next interval, so the slave is fenced by tR + T + 3i + d + T/2; the master
   * restarts its VMs only after {@link #majorityStillBound} (2.5 T) of that silence. The slave fences first while
   * 3i + d &lt; T, which the least hostTimeout (4i) keeps when a message takes less than an interval. A host that has
   * not reported to a new master yet counts as having reported when the master came to know it (its silence clock
   * starts there too), so a new master's first beats leave nobody out that a split could then cut off before a beat
   * counted it (CanonicalCasesTest's even split). A host that cannot hear
   * its master (a one-way loss the other way) elects itself after one or two election windows and is left out by
   * itself, in time while {@link #electionWindowLimit} holds.
   */
  public static Duration leftOutFenceAfter(Duration hostTimeout) {
    return observationLag(hostTimeout);
  }

  /**
   * Without heartbeat datastores: how recent a master's beat a slave passes on to a host in an election must be (2 i):
   * the master beats every interval, so a slave that heard none for longer may have lost it, and a host that followed
   * a lost master from its relayed beat would wait T for it before it elects again.
   */
  public static Duration relayedBeatFresh(Duration interval) {
    return interval.multipliedBy(2);
  }

  /**
   * Without heartbeat datastores: how long after a master began to wait for a host that may run a VM (a previous
   * master's attempt went there, or a power-on went unanswered) a report from that host without the VM shows the VM is
   * not there: 2 i. A power-on sent before the wait began arrives within a message's delay d &lt; i, and a report
   * received 2 i after the wait began was sent after i, so after the power-on arrived (a host that has it reports it
   * starting). An earlier report may predate the power-on.
   */
  public static Duration powerOnArrivedBy(Duration interval) {
    return interval.multipliedBy(2);
  }

  /**
   * Pekko's acceptable heartbeat pause: T/3. Its failure detector must have spoken by the time vmha judges a silent
   * host (T), or a host that just died still reads as REACHABLE and is taken for a live host with a dead agent.
   */
  public static Duration failureDetectorPause(Duration hostTimeout) {
    return hostTimeout.dividedBy(3);
  }

  /**
   * How long a starting agent with datastores waits for them to say whether a cluster runs before it founds or joins
   * one anyway: 2 T, past the T after which a running cluster's hosts have all written their heartbeat.
   */
  public static Duration clusterJoinGiveUp(Duration hostTimeout) {
    return hostTimeout.multipliedBy(2);
  }

  /**
   * How long a starting agent watches a heartbeat file it did not write before it concludes that no other agent
   * writes it: 2 i + io-delay-max. Its writer writes once an interval, and a write may land io-delay-max late, so this
   * sees at least one write of a live writer.
   */
  public static Duration duplicateWatch(Duration interval, Duration ioDelayMax) {
    return interval.multipliedBy(2).plus(ioDelayMax);
  }

  /**
   * How long the next incarnation of an agent that a cluster removed tries to join that cluster before it stops, to
   * start again as on a cold start: 2 × (seed-node timeout + join retry). The removing cluster answers a join at once
   * while it is reachable, and it was when it removed this agent; two rounds of the seeds' answer and a retry allow
   * for a network that fails again meanwhile. Only a cluster gone for good meanwhile makes it give up.
   */
  public static Duration rejoinLimit(Duration seedNodeTimeout, Duration joinRetry) {
    return seedNodeTimeout.plus(joinRetry).multipliedBy(2);
  }

  /**
   * The gap between two inputs of a machine's shell that shows its agent stalled ({@link StallWatch}): 2 i. Each shell
   * ticks every interval with a fixed delay, so its inputs come a little over an interval apart at most; a gap of
   * more than two missed a tick.
   */
  public static Duration stallGap(Duration interval) {
    return rounds(interval, 2);
  }

  /** The time {@code rounds} rounds of {@code interval} take: the periodic actors count elapsed time in rounds. */
  public static Duration rounds(Duration interval, long rounds) {
    return interval.multipliedBy(rounds);
  }

  // ---- the election

  /** The latest an election waits for the receptionist's listing: 2 W from its start, then a ballot reaches all. */
  public static Duration electionListingBound(Duration window) {
    return window.multipliedBy(2);
  }

  /**
   * How long an election has run when its window timer fires: W, then one interval for each time the decision kept
   * it open (it is looked at again every interval).
   */
  public static Duration electionElapsed(Duration window, Duration interval, int extensions) {
    return window.plus(rounds(interval, extensions));
  }

  /**
   * The least a cold-start election waits for a host expected with it: W + T, the window and the time a silent host
   * gets (vmha.election.cold-start-wait since the agent's start comes on top).
   */
  public static Duration coldStartElectionMinimum(Duration window, Duration hostTimeout) {
    return window.plus(hostTimeout);
  }

  // ---- calls and retries

  /**
   * How long listing the VMs powered on may take: T/4, so the host's report (judged stale after T) is polled again
   * several times before anyone judges it.
   */
  public static Duration hypervisorListingBound(Duration hostTimeout) {
    return hostTimeout.dividedBy(4);
  }

  /**
   * How long a forced power-off (or sending a guest shutdown) may take: vmha.lease.power-off-max, what the lease proof
   * assumes a power-off takes, but at least one interval (a failed one is tried again no sooner).
   */
  public static Duration powerOffCallBound(Duration interval, Duration powerOffMax) {
    return max(interval, powerOffMax);
  }

  /**
   * How long stopping a migrating VM's writer may take: twice a forced power-off's bound (the guest is asked to stop
   * cleanly for one, then killed and waited for the other).
   */
  public static Duration migrateOutCallBound(Duration powerOffCallBound) {
    return powerOffCallBound.multipliedBy(2);
  }

  /**
   * How long the master waits for each half of a live migration (the writer stopped and the lease released; the lease
   * taken and the VM started): the longer hypervisor call's bound, and a power-on's bound for the lease I/O.
   */
  public static Duration migrationStepBound(Duration migrateOutCall, Duration powerOnCall) {
    return max(migrateOutCall, powerOnCall).plus(powerOnCall);
  }

  /** How long a host waits for its lease keeper to release a migrated VM's lease: as long as a take (the same I/O). */
  public static Duration leaseReleaseBound(Duration interval) {
    return leaseTakeBound(interval);
  }

  /**
   * How long a host waits for its lease keeper to take a VM's lease before a start: 20 i. A take waits for the
   * keeper's datastore round, may meet a busy one and reads and writes the lease; an answer this late only delays a
   * start, which the master retries.
   */
  public static Duration leaseTakeBound(Duration interval) {
    return interval.multipliedBy(20);
  }

  /**
   * How long a stopping agent waits for its "disarmed" watchdog flag to reach the datastore: 4 i, a datastore write
   * with room for slow ones, within the shutdown phase that allows T for it (T ≥ 4 i).
   */
  public static Duration disarmPublishBound(Duration interval) {
    return interval.multipliedBy(4);
  }

  /**
   * How long a host without datastores waits for its replica of the protected list to be stored on its disk before it
   * counts the store failed: 4 i, a small local write forced to disk with room for slow ones, as for the disarm flag.
   * Until a store ends the host reports the older version it stored, which only delays a restart waiting for a
   * majority to hold its list; a store that failed is tried again at the next tick.
   */
  public static Duration replicaStoreBound(Duration interval) {
    return interval.multipliedBy(4);
  }

  /**
   * The process watchdog's check period: i, or a quarter of its timeout when that is shorter — the lease timing
   * counts one interval for noticing a missed pet, and a check four times per timeout fires within a quarter of it.
   */
  public static Duration watchdogCheckPeriod(Duration interval, Duration watchdogTimeout) {
    return min(interval, watchdogTimeout.dividedBy(4));
  }

  /** A pet this long after the one before is a near miss: half the watchdog's timeout used up. */
  public static Duration watchdogNearMiss(Duration watchdogTimeout) {
    return watchdogTimeout.dividedBy(2);
  }

  /**
   * The bound of each ask for a metrics scrape answered within {@code requestTimeout}: a third, so that the two asks
   * made one after the other (the role, then the coordinator) end within two thirds of it, and a slow actor leaves its
   * gauges out of the scrape instead of failing the whole scrape at the request's bound.
   */
  public static Duration gaugeAskBound(Duration requestTimeout) {
    return requestTimeout.dividedBy(3);
  }

  /**
   * The wait before retry n (n ≥ 1 failed attempts): base × 2^(n-1), vSphere's 0/2/6/14/30 min restart delays with
   * base 2 min; the doubling stops at 2^20 so a long retry series cannot overflow.
   */
  public static Duration backoff(Duration base, int failedAttempts) {
    return base.multipliedBy(1L << Math.min(failedAttempts - 1, 20));
  }

  /**
   * The failure-detection timing (docs/FAILURE-DETECTION.md, "Detection budget"): every bound the master's verdicts
   * wait for and the budget each failure case gets.
   *
   * @param interval das.failuredetectioninterval: heartbeats, datastore rounds and the master's judging rounds
   * @param hostTimeout das.config.fdm.hostTimeout (T): the silence after which a host is judged, and a host's fence
   *     timeout when its heartbeat reaches no datastore
   * @param pingTimeout das.config.fdm.icmpPingTimeout (P): an unanswered ping fails only then
   * @param electionWindow vmha.election.window (W)
   */
  public record Detection(Duration interval, Duration hostTimeout, Duration pingTimeout, Duration electionWindow) {

    /**
     * How long a host must be silent before it is investigated: T; for a host that never beat to this master and
     * whose silence nothing proves (a member that just joined, any host of a master just elected) T + W: it may spend
     * an election window in an election of its own before it follows this master.
     */
    public Duration judgeAfter(boolean silenceProven) {
      return silenceProven ? hostTimeout : hostTimeout.plus(electionWindow);
    }

    /**
     * What a master elected after a master loss knows of the lost master's silence when the election closes: T
     * without its heartbeat before the election began, then the election window W.
     */
    public Duration lostMasterSilence() {
      return hostTimeout.plus(electionWindow);
    }

    /**
     * A slave's power loss, from its last network beat: pinged at T, the ping fails at T + P; its datastore
     * heartbeat, whose last write the master may see up to one interval after the last network beat, has stood still
     * for the fence bound at 1.5 T + one interval; the verdict comes within one interval of the later of the two.
     */
    public Duration slavePowerLoss() {
      Duration ping = hostTimeout.plus(pingTimeout);
      Duration datastore = datastoreStillBound(hostTimeout).plus(interval);
      return max(ping, datastore).plus(interval);
    }

    /**
     * The master's power loss, from its last heartbeat: the slaves hear nothing for T, elect for W; the new master
     * knows that silence, pings the old master as soon as it has read the protected list and its datastore view, and
     * judges when the ping fails (its datastore heartbeat has long been still: T + W is past the fence bound whenever
     * W ≥ T/2). Up to one interval goes to the slaves noticing the loss (their timer runs from the last beat heard).
     */
    public Duration masterPowerLoss() {
      Duration datastore = datastoreStillBound(hostTimeout).plus(interval);
      return max(hostTimeout.plus(electionWindow).plus(pingTimeout), datastore).plus(interval);
    }

    /**
     * The master and a slave lose power together: the new master proves the slave's silence from its datastore
     * heartbeat age, which it has followed all along, so the slave is judged with the old master.
     */
    public Duration masterAndSlavePowerLoss() {
      return masterPowerLoss();
    }

    /**
     * An isolated slave's VMs, from its last beat: it elects itself after T + W, pings its isolation addresses for P,
     * powers its VMs off and flags its power-on file; the master reads the flag in its next datastore round and
     * restarts them within one more interval.
     */
    public Duration isolatedSlave() {
      return hostTimeout.plus(electionWindow).plus(pingTimeout).plus(rounds(interval, 2));
    }

    /**
     * An isolated master's VMs, from its last beat heard: it notices every other host silent after T and declares
     * itself isolated after P; the others elect a new master after T + W, whose datastore rounds (one interval) have
     * read the flag and which restarts the flagged VMs in its first round (one more).
     */
    public Duration isolatedMaster() {
      return max(hostTimeout.plus(pingTimeout), hostTimeout.plus(electionWindow)).plus(rounds(interval, 2));
    }

    /** A host whose agent alone is down: judged AGENT_UNREACHABLE when its ping answers, right after T + one round. */
    public Duration agentUnreachable() {
      return hostTimeout.plus(interval);
    }

    /**
     * How long a master's agent may stall (do nothing: a long GC pause, SIGSTOP, a frozen host) before what it
     * learned may be stale: T − i. Its slaves elect anew after T without its heartbeat, counted from the last one
     * heard, which went out up to one interval before the stall began; the master elected meanwhile may have restarted
     * VMs that the reports and restarts queued in the stalled master's mailbox still show stopped or starting. Such a
     * master steps down and is elected again, if at all, with fresh reports. Shorter stalls are only late news.
     */
    public Duration masterStall() {
      return hostTimeout.minus(interval);
    }

    /**
     * How long a slave's agent may stall before the power-ons queued behind the stall are stale: T − i. The master
     * judges a host whose silence it follows {@link #judgeAfter(boolean) T} after its last report, which went out up to one
     * interval before the stall began; from then on it may count the host fenced (its watchdog fired meanwhile, or it
     * fences itself after its thaw) and start elsewhere a VM it asked this host to start (seed 3858 without
     * datastores). Such a host refuses them: the master tries the next host.
     */
    public Duration slaveStall() {
      return judgeAfter(true).minus(interval);
    }
  }

  /**
   * The lease timing rule (issue 5, docs/FAILURE-DETECTION.md "Leases"). The holder of a VM's lease renews it every
   * {@code renewInterval}; when no renewal has succeeded for {@code fenceAfter} it powers the VM off itself. Another
   * host may take the lease only after seeing its counter stand still for {@link #expiry()}, which must outlast
   * everything the holder may still do: the fence deadline, one renewal interval before the holder notices, the I/O
   * delay of a renewal that landed late, the time a forced power-off takes, all stretched by the worst clock-rate
   * difference between the two hosts (only durations are compared, never the clocks themselves). With a watchdog
   * (issue 19) the holder pets it only while its leases were renewed within {@link #petDeadline()}, so a dead or frozen
   * agent's VMs are stopped by the watchdog within the same expiry (sanlock's renewal-fail timeout plus watchdog fire
   * timeout). The watchdog's timeout is the grace an agent restarted by its supervisor has to pet again; {@link
   * #leaseFenceAfter} makes the fence deadline, and with it the expiry, cover it.
   *
   * @param watchdogTimeout how long the host's watchdog waits for a pet before it fires; zero without a watchdog
   * @param clockDriftMax the largest relative rate difference of two hosts' clocks, e.g. 0.01 for 1 %
   */
  public record Lease(
      Duration fenceAfter, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax, double clockDriftMax,
      Duration watchdogTimeout) {

    /** Without a watchdog. */
    public Lease(
        Duration fenceAfter, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax, double clockDriftMax) {
      this(fenceAfter, renewInterval, ioDelayMax, powerOffMax, clockDriftMax, Duration.ZERO);
    }

    /**
     * The settings' lease timing: the fence deadline from {@link #leaseFenceAfter}.
     *
     * @param watchdogTimeout zero without a watchdog
     */
    public static Lease of(Duration hostTimeout, Duration renewInterval, Duration ioDelayMax, Duration powerOffMax,
        double clockDriftMax, Duration watchdogTimeout) {
      return new Lease(leaseFenceAfter(hostTimeout, renewInterval, watchdogTimeout), renewInterval, ioDelayMax,
          powerOffMax, clockDriftMax, watchdogTimeout);
    }

    /** How long a lease must stand still before another host may take it: after both ways the holder stops a VM. */
    public Duration expiry() {
      Duration holderDone = max(agentStopsBy(), watchdogStopsBy());
      return stretched(holderDone, clockDriftMax);
    }

    /**
     * When the agent has stopped a VM itself, counted in the holder's time from its last renewal landing: the renewal
     * was issued up to {@code ioDelayMax} before, the fence comes {@code fenceAfter} after it issued, is noticed
     * within an interval and takes up to {@code powerOffMax}.
     */
    public Duration agentStopsBy() {
      return fenceAfter.plus(renewInterval).plus(ioDelayMax).plus(powerOffMax);
    }

    /**
     * The agent pets its watchdog only while every lease it holds was renewed (the renewal issued) within this long:
     * the fence deadline less the watchdog's timeout and one interval, so that a watchdog left unpetted fires no later
     * than the agent itself would have fenced.
     */
    public Duration petDeadline() {
      return fenceAfter.minus(watchdogTimeout).minus(renewInterval);
    }

    /**
     * When a dead or frozen agent's watchdog has stopped its VMs, counted in the holder's time from its last renewal
     * landing (zero without a watchdog): the last pet came before the pet deadline, landed within an interval, the
     * watchdog fires its timeout later, noticed within an interval (the process watchdog's check period; a kernel
     * timer is exact), and the VMs stop within {@code powerOffMax} (a reset: at once).
     */
    public Duration watchdogStopsBy() {
      if (watchdogTimeout.isZero()) return Duration.ZERO;
      return petDeadline().plus(renewInterval).plus(watchdogTimeout).plus(renewInterval).plus(powerOffMax);
    }

    /**
     * Whether the watchdog may be petted, the longest any lease here has gone unrenewed being {@code unrenewed} (an
     * interval while renewals succeed: the one issued at the last round is still in flight).
     */
    public boolean mayPet(Duration unrenewed) {
      return unrenewed.compareTo(petDeadline()) <= 0;
    }

    /**
     * A lease unrenewed this long is reported late (LeaseRenewalLate, metric vmha_lease_renewals_late_total): half the
     * time before its holder fences the VM itself is used up, early enough for an operator to act, and far beyond the
     * one interval a renewal normally takes, so a busy round is no alarm (as the watchdog's near-miss: half its
     * timeout).
     */
    public Duration lateAfter() {
      return fenceAfter.dividedBy(2);
    }

    /** The margin between the holder's fence deadline and the expiry: what protects against late I/O and drift. */
    public Duration margin() {
      return expiry().minus(fenceAfter);
    }
  }

  /**
   * The restart-grace rule (issue 19, docs/FAILURE-DETECTION.md "Watchdog"): a holder fences its VMs after T
   * unrenewed, or — when the watchdog's timeout {@code W}, the grace a restarted agent has to pet again, is longer
   * than that allows — after {@code W + 2 i}: the agent must still pet while its renewals succeed (the pet deadline
   * {@code fenceAfter - W - i} at least one interval, the renewal in flight), and the expiry must cover the watchdog's
   * firing. So every second of grace beyond {@code T - 2 i} is a second more before a crashed host's VMs may start
   * elsewhere, as with sbd (a fencer waits 2 x the watchdog timeout) and Proxmox (60 s).
   */
  public static Duration leaseFenceAfter(Duration hostTimeout, Duration renewInterval, Duration watchdogTimeout) {
    if (watchdogTimeout.isZero()) return hostTimeout;
    return max(hostTimeout, watchdogTimeout.plus(rounds(renewInterval, 2)));
  }

  /**
   * A duration the holder counts, as another host may count it: stretched by the largest clock-rate difference
   * ({@code drift}, a fraction), rounded up.
   */
  public static Duration stretched(Duration d, double drift) {
    return Duration.ofNanos((long) Math.ceil(d.toNanos() * (1 + drift)));
  }

  /**
   * How long after a partition heals the hosts form one cluster with one master again (issue 18;
   * docs/FAILURE-DETECTION.md, "After a partition heals"). Measured from the moment the cluster transport carries
   * messages again. Two ways back; the slower one bounds it:
   * <ul>
   *   <li>{@link #merge()}: no member was removed (heartbeat datastores, an even split, a minority that downs nobody).
   *       Pekko's failure detector hears the other side again and gossip spreads it within T (its acceptable pause is
   *       T/3); then each master's next heartbeat reaches the other, the lower-ranked steps down at once, and its
   *       slaves follow the better master on its next heartbeat: two intervals;
   *   <li>{@link #rejoin()}: the majority removed the minority's members (declared DEAD). Each of them learns that it
   *       is quarantined as soon as it reaches a member (within T, as above), restarts its actor system, joins through
   *       the seeds (their answer within {@code pekko.cluster.seed-node-timeout}, one failed attempt allowed:
   *       {@code pekko.cluster.retry-unsuccessful-join-after}), and follows the master whose heartbeat it hears during
   *       its election window.
   * </ul>
   */
  public record Heal(
      Duration interval, Duration hostTimeout, Duration electionWindow, Duration seedNodeTimeout, Duration joinRetry) {

    /**
     * What a quarantined agent takes to start its next actor system (the cluster extension, the history journals),
     * allowed for a loaded 2-core machine: the simulation measures 1.5–3 s under load.
     */
    public static final Duration AGENT_RESTART = Duration.ofSeconds(5);

    /** From the vmha settings' {@code interval, hostTimeout, electionWindow} and the agent's Pekko config. */
    public static Heal of(Duration interval, Duration hostTimeout, Duration electionWindow, Config pekko) {
      return new Heal(interval, hostTimeout, electionWindow, pekko.getDuration("pekko.cluster.seed-node-timeout"),
          pekko.getDuration("pekko.cluster.retry-unsuccessful-join-after"));
    }

    /** Membership intact: reachable again everywhere, then one heartbeat each way. */
    public Duration merge() {
      return hostTimeout.plus(rounds(interval, 2));
    }

    /**
     * A removed member back: quarantine noticed, a new actor system, the seeds' answer or their timeout and one join
     * retry, an election window, one heartbeat each way.
     */
    public Duration rejoin() {
      return hostTimeout.plus(AGENT_RESTART).plus(seedNodeTimeout).plus(joinRetry).plus(electionWindow)
          .plus(rounds(interval, 2));
    }

    /** One cluster and one master after any heal. */
    public Duration oneMaster() {
      return max(merge(), rejoin());
    }
  }

  /**
   * How long a terminating actor system may take after its user guardian stopped before {@code
   * cluster.TransportShutdownGuard} closes its TCP connections: Artery's flush of its associations (at most {@code
   * shutdown-flush-timeout}), then its streams, which complete within milliseconds when they can, and a margin for a
   * loaded machine (2 s).
   */
  public static Duration transportShutdownGrace(Duration shutdownFlushTimeout) {
    return shutdownFlushTimeout.plusSeconds(2);
  }

  /**
   * How long an agent takes to exit on SIGTERM, from its Pekko config: coordinated shutdown leaves the cluster (the
   * leader moves it to Exiting within the {@code cluster-exiting} phase's timeout), the transport terminates within
   * {@link #transportShutdownGrace}, then the history journal closes and the JVM exits (a second, for a loaded
   * machine). A lab run saw 5.4 s with the lab's settings, 3 s of them the transport's grace.
   */
  public static Duration agentStopBound(Config pekko) {
    return pekko.getDuration("pekko.coordinated-shutdown.phases.cluster-exiting.timeout")
        .plus(transportShutdownGrace(pekko.getDuration("pekko.remote.artery.advanced.shutdown-flush-timeout")))
        .plusSeconds(1);
  }

  /**
   * How long a shutting-down actor system may take to terminate before the agent gives up on it and exits for the
   * service manager: the timeouts of its coordinated shutdown's phases that can wait (cluster-exiting,
   * cluster-shutdown, actor-system-terminate; 25 s with Pekko's defaults) and 10 s for a loaded machine. Pekko 1.7.0's
   * Artery can wait for its streams without a deadline (apache/pekko#3247).
   */
  public static Duration actorSystemTerminationBound(Config pekko) {
    Duration phases = Duration.ZERO;
    for (String phase : new String[] {"cluster-exiting", "cluster-shutdown", "actor-system-terminate"}) {
      String key = "pekko.coordinated-shutdown.phases." + phase + ".timeout";
      phases = phases.plus(pekko.hasPath(key) ? pekko.getDuration(key)
          : pekko.getDuration("pekko.coordinated-shutdown.default-phase-timeout"));
    }
    return phases.plusSeconds(10);
  }

  public static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  public static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
