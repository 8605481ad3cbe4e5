package dev.vmha.master;

import dev.vmha.Durations;
import dev.vmha.classify.DowningRule;
import dev.vmha.classify.Evidence;
import dev.vmha.classify.HostClassifier;
import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.StoppedVm;
import dev.vmha.isolation.MajorityRule;
import dev.vmha.lease.LeaseRule;
import dev.vmha.master.MasterState.HostEntry;
import dev.vmha.ping.PingTarget;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Watches every host and judges the silent ones (seed 000 cases 1 and 3): a host silent for its limit is pinged
 * ({@link #investigate}), judged by the {@link HostClassifier} from the ping and the datastore evidence ({@link
 * #judge}), downed when {@link DowningRule} proves its agent gone, and its VMs handed to {@link VmRecovery} on a
 * verdict that frees them.
 */
final class HostWatch {
  private static final HostClassifier CLASSIFIER = new HostClassifier();

  private HostWatch() {}

  /** A host's network heartbeat: it is alive; the VMs its report says stopped by themselves need a home. */
  static MasterState beat(Turn t, MasterState s, HostReport r) {
    String id = r.hostId();
    HostEntry before = s.hosts().getOrDefault(id, HostEntry.fresh(id, s.now()));
    HostEntry after = before.beat(r, s.now());
    boolean returned = before.verdict() != Verdict.ALIVE || before.report().isEmpty();
    if (before.verdict() != Verdict.ALIVE) {
      t.emit(new HaEvent.HostJudged(t.wall, t.self(), id, Verdict.ALIVE, "network heartbeat resumed",
          evidence(t, s, after, false)));
      after = after.judged(Verdict.ALIVE, "network heartbeat resumed", s.now(), s.now());
    }
    MasterState next = ListOwnership.followMigrations(t, s.host(after), r);
    for (StoppedVm stopped : r.stopped()) {
      // with datastores the VM's lease orders them: a power-on takes it first, and a running copy holds it
      if (!t.config.hasDatastores() && after.stopPredatesPlacement(stopped.vm().name(), r)) {
        t.log("not restarting " + stopped.vm().name() + " for " + id + "'s report " + r.seq() + " (" + stopped.why()
            + "): no report since this master placed it there has shown it, so the record may predate the placement");
        continue;
      }
      next = VmRecovery.restartStopped(t, next, id, List.of(stopped.vm()), "at " + id + ", " + stopped.why());
    }
    // a host that is back brings capacity: VMs that waited for room are placed again
    return returned ? VmRecovery.advance(t, next) : next;
  }

  /** Pekko membership: where to ping the host, its member address, and whether Pekko reaches it. */
  static MasterState member(Turn t, MasterState s, MasterInput.Membership m) {
    if (m.host().equals(t.self())) return s;
    if (!m.change().equals("up")) t.emit(new HaEvent.MembershipChanged(t.wall, t.self(), m.host(), m.change()));
    HostEntry e = s.hosts().getOrDefault(m.host(), HostEntry.fresh(m.host(), s.now()));
    return s.host(e.member(m.management().or(e::roleTarget), m.address(), m.reach()));
  }

  /**
   * Pings every host silent past its limit whose next ping is due and none is out (every round; also as soon as a
   * master just elected has both its protected list and its datastore view, so a proven silence costs no round). A
   * host in maintenance too: one that crashed or was shut down is judged and its member downed like any other, or it
   * would stay an unreachable member for ever and no agent could join.
   */
  static MasterState investigate(Turn t, MasterState s) {
    if (!s.loaded() || s.view().isEmpty() && t.config.hasDatastores()) return s;
    MasterState next = s;
    for (HostEntry h : sorted(s)) {
      if (h.id().equals(t.self()) || h.investigating()) continue;
      Duration silence = silence(next, h);
      if (silence.compareTo(silenceLimit(t, next, h)) < 0) continue;
      if (!h.judgeable() || next.now().compareTo(h.nextCheck()) < 0) continue;
      if (!h.suspected()) t.emit(new HaEvent.HostSilent(t.wall, t.self(), h.id(), silence));
      t.effect(new MasterEffect.Ping(h.id(), pingTarget(next, h), t.settings().icmpPingTimeout()));
      next = next.host(h.beingPinged());
    }
    return next;
  }

  /**
   * Where to ping a host: the management address it reported or joined with, else the address its datastore
   * heartbeat names (a new master may never have seen a host that left before it took over as a member).
   */
  private static Optional<PingTarget> pingTarget(MasterState s, HostEntry h) {
    return h.pingTarget().or(() -> s.view().map(v -> v.addresses().get(h.id())).flatMap(PingTarget::parse));
  }

  /** A ping came back: the host is judged with it. */
  static MasterState pinged(Turn t, MasterState s, MasterInput.Pinged p) {
    HostEntry h = s.hosts().get(p.host());
    if (h == null || !h.investigating()) return s;
    h = h.pinged(p.answered());
    return judge(t, s.host(h), h, p.answered());
  }

  /** A datastore round: the locks renewed, the silent hosts judged again, the first view starts investigations. */
  static MasterState view(Turn t, MasterState s, DatastoreView v) {
    MasterState next = rejudge(t, ListOwnership.renewLocks(t, knowHeartbeatWriters(t, s.view(v), v)));
    ListOwnership.repair(t, next, v);
    return s.view().isEmpty() ? investigate(t, next) : next;
  }

  /**
   * Every host whose heartbeat a datastore holds is known to the master: a new master still shows, and judges, a host
   * that died before it took over, though that host is no member any more and owns no VM now.
   */
  private static MasterState knowHeartbeatWriters(Turn t, MasterState s, DatastoreView v) {
    Map<String, HostEntry> hosts = new HashMap<>(s.hosts());
    for (String h : new TreeSet<>(v.knownHosts())) {
      if (!h.equals(t.self())) hosts.putIfAbsent(h, HostEntry.fresh(h, s.now()));
    }
    return hosts.size() == s.hosts().size() ? s : s.with(hosts);
  }

  /**
   * Every datastore round judges again, with their last ping, the silent hosts whose ping went unanswered and whose
   * verdict may still change: the datastore evidence that settles DEAD (or shows a partitioned host's heartbeat
   * stop) arrives with the rounds, so the verdict comes in the round its rule is satisfied — not after one more
   * ping round, which takes icmpPingTimeout. The pings go on meanwhile (an answer makes the host AGENT_UNREACHABLE).
   */
  private static MasterState rejudge(Turn t, MasterState s) {
    if (!s.loaded()) return s;
    MasterState next = s;
    for (HostEntry was : sorted(s)) {
      HostEntry h = next.hosts().get(was.id());
      if (h.id().equals(t.self()) || !h.unanswered() || !h.judgeable()) continue;
      if (silence(next, h).compareTo(silenceLimit(t, next, h)) < 0) continue;
      next = judge(t, next, h, false);
    }
    return next;
  }

  /** Judges a silent host from the evidence now and its last ping, and acts on a settled verdict. */
  private static MasterState judge(Turn t, MasterState s, HostEntry h, boolean pingAnswered) {
    Evidence e = evidence(t, s, h, pingAnswered);
    HostClassifier.Decision d = heldMajorityLongEnough(t, s, h, CLASSIFIER.classify(e));
    Duration interval = t.settings().failureDetectionInterval();
    if (d.verdict() == Verdict.ALIVE) return s.host(h.judged(h.verdict(), h.reason(), s.now(), s.now())); // beat meanwhile
    if (!d.settled()) return s.host(h.pending(s.now().plus(interval)));
    WatchdogFlag watchdog = s.view().flatMap(v -> v.powerOn(h.id())).map(PowerOnFile::watchdog)
        .orElse(WatchdogFlag.NOT_ARMED);
    LeaseRule.AgentGone dead = LeaseRule.deadHost(h.id(), watchdog);
    if (d.verdict() != h.verdict() || h.verdict() == Verdict.ALIVE) {
      String reason = d.verdict() == Verdict.DEAD && !dead.restart() ? d.reason() + "; " + dead.why() : d.reason();
      t.emit(new HaEvent.HostJudged(t.wall, t.self(), h.id(), d.verdict(), reason, e));
    }
    // judged again every round while the evidence may still change soon: a partitioned host's datastore
    // heartbeat may stop, Pekko's failure detector may still be catching up on a crash; a host that answers
    // ping but whose agent is silent is pinged again every deadIcmpPingInterval
    boolean settling = d.verdict() == Verdict.PARTITIONED || e.reachability() == Reachability.REACHABLE;
    Duration recheck = settling ? interval : t.settings().deadIcmpPingInterval();
    MasterState next = s.host(h.judged(d.verdict(), d.reason(), s.now(), s.now().plus(recheck)));
    // a member is removed only when its agent is proven gone (DowningRule): removing a live one splits the
    // cluster; removing a gone one lets a new incarnation join (no member joins while an unreachable one stays)
    Optional<String> down = DowningRule.down(d.verdict(), h.verdict(), e);
    if (down.isPresent() && h.address().isPresent()) {
      t.log("downing " + h.id() + " (" + h.address().get() + "): " + down.get());
      t.effect(new MasterEffect.Down(h.id(), h.address().get(), down.get()));
    }
    // as Pacemaker and vSphere do: maintenance drained the host and it takes no VMs, so no failover is owed
    if (!Maintenance.failsOver(next, h.id())) return next;
    return switch (d.verdict()) {
      // a host whose agent stopped cleanly left its VMs running with nothing to stop them: they wait for it
      case DEAD -> dead.restart()
          ? VmRecovery.needHome(t, next, h.id(), VmRecovery.protectedVmsOf(next, h.id()), dead.why()) : next;
      case ISOLATED -> VmRecovery.restartFlagged(t, next, h.id());
      case AGENT_UNREACHABLE -> {
        // with its watchdog armed, its VMs start elsewhere once their leases expire (issue 19)
        LeaseRule.AgentGone gone = LeaseRule.agentGone(h.id(), t.config.hasDatastores(),
            watchdog == WatchdogFlag.ARMED);
        yield h.reach() != Reachability.REACHABLE && gone.restart()
            ? VmRecovery.needHome(t, next, h.id(), VmRecovery.protectedVmsOf(next, h.id()), gone.why()) : next;
      }
      default -> next;
    };
  }

  /**
   * Without datastores a silent host has surely fenced itself only after it was silent for the bound while this side
   * held its majority: silence from before, while this master was itself in a minority, proves nothing, as the host
   * may then have been on the majority side (seed 467, datastore-less: host1 silent 29 s, this side a majority for
   * 2 s, host1 cut off 8 s and not yet fenced). Until then the DEAD verdict waits. A host that never reported to
   * this master needs longer ({@link TimingRules#neverReportedStillBound}).
   */
  private static HostClassifier.Decision heldMajorityLongEnough(Turn t, MasterState s, HostEntry h,
      HostClassifier.Decision d) {
    if (t.config.hasDatastores() || d.verdict() != Verdict.DEAD || !d.settled()) return d;
    Duration since = s.majoritySince().orElse(s.now());
    Duration silentInMajority = s.now().minus(since.compareTo(h.lastBeat()) > 0 ? since : h.lastBeat());
    boolean neverReported = h.report().isEmpty() && !h.silentBeforeTakeover();
    Duration bound = neverReported ? TimingRules.neverReportedStillBound(t.settings().hostTimeout())
        : TimingRules.majorityStillBound(t.settings().hostTimeout());
    if (silentInMajority.compareTo(bound) >= 0) return d;
    return new HostClassifier.Decision(Verdict.DEAD, d.reason() + "; but this side has held its majority only "
        + Durations.approx(s.now().minus(since)) + ": waiting until the host has been silent "
        + Durations.approx(bound) + " of it", false);
  }

  /**
   * Tells the election FSM once when every other host has been silent for its limit: the master may be the one that
   * is isolated (seed 003: the master pings its isolation addresses at once).
   */
  static MasterState checkAllSilent(Turn t, MasterState s) {
    List<HostEntry> others = sorted(s).stream().filter(h -> !h.id().equals(t.self()))
        .filter(h -> h.verdict() != Verdict.DEAD && Maintenance.failsOver(s, h.id())).toList();
    boolean allSilent = !others.isEmpty() && others.stream()
        .allMatch(h -> silence(s, h).compareTo(silenceLimit(t, s, h)) >= 0);
    if (allSilent && !s.allSilentReported()) {
      t.effect(new MasterEffect.ToElection(new MasterNotice.AllHostsSilent(others.size())));
    }
    return s.allSilent(allSilent);
  }

  /**
   * How long a host has been silent: since its last beat to this master; for a host that never beat to it, since
   * the last moment its datastore heartbeat proves it ran, if that is earlier ({@link
   * Evidence#silenceProvenByDatastores}): a master just elected judges from what it saw as a slave.
   */
  static Duration silence(MasterState s, HostEntry h) {
    return provenSilence(s, h).orElse(s.now().minus(h.lastBeat()));
  }

  /** The silence the datastores prove of a host that never beat to this master, when longer than it heard. */
  private static Optional<Duration> provenSilence(MasterState s, HostEntry h) {
    if (h.report().isPresent()) return Optional.empty();
    Duration heard = s.now().minus(h.lastBeat());
    return s.view().flatMap(v -> Evidence.silenceProvenByDatastores(v.heartbeatAges(h.id()), h.reach()))
        .filter(p -> p.compareTo(heard) > 0);
  }

  /** How long a host may be silent before it is investigated ({@link TimingRules.Detection#judgeAfter}). */
  private static Duration silenceLimit(Turn t, MasterState s, HostEntry h) {
    return t.settings().detectionTiming().judgeAfter(h.report().isPresent() || provenSilence(s, h).isPresent());
  }

  private static Evidence evidence(Turn t, MasterState s, HostEntry h, boolean pingAnswered) {
    Map<String, Duration> ages = s.view().map(v -> v.heartbeatAges(h.id())).orElse(Map.of());
    boolean isolated = s.view().flatMap(v -> v.powerOn(h.id())).map(PowerOnFile::isolated).orElse(false);
    MajorityRule.Count side = majority(t, s);
    return new Evidence(silence(s, h), h.reach(), pingAnswered, ages, isolated, t.settings().hostTimeout(),
        t.settings().failureDetectionInterval(), t.config.hasDatastores(), side.heard(), side.known());
  }

  /** Whether the host beat to this master within hostTimeout (what status and the majority count as heard). */
  static boolean beating(Turn t, MasterState s, HostEntry h) {
    return s.now().minus(h.lastBeat()).compareTo(t.settings().hostTimeout()) < 0;
  }

  /**
   * This master's side under the {@link MajorityRule}: the hosts whose beats it received within hostTimeout and that
   * Pekko does not call unreachable, of every host this master has known (it never forgets one: a downed or removed
   * member still counts in the denominator). A host it knows but never heard from counts only there.
   */
  static MajorityRule.Count majority(Turn t, MasterState s) {
    return MajorityRule.count(t.self(), s.hosts().keySet(), side(t, s));
  }

  /** The hosts this master counts as heard, itself among them: the numerator of its majority. */
  static Set<String> side(Turn t, MasterState s) {
    return onSide(t, s, false);
  }

  /**
   * What this master's beats tell the slaves without datastores: the hosts it does not leave out. Besides the hosts
   * it hears, a host Pekko does not call unreachable that has not reported to it yet, until it has been silent for
   * hostTimeout since this master came to know it (or since its known silence began): so a new master leaves a host
   * out no sooner than one that reported at its takeover, which {@link TimingRules#leftOutFenceAfter} assumes
   * (CanonicalCasesTest's even split: a slave left out by its new master's first beats, before its report came, and
   * cut off by the split before a beat counted it, fenced its VMs although nobody held a majority).
   */
  static Set<String> claimed(Turn t, MasterState s) {
    return onSide(t, s, true);
  }

  private static Set<String> onSide(Turn t, MasterState s, boolean unreported) {
    Set<String> heard = new TreeSet<>(Set.of(t.self()));
    for (HostEntry o : s.hosts().values()) {
      boolean beating = (unreported || o.report().isPresent()) && o.verdict() == Verdict.ALIVE && beating(t, s, o);
      if (beating && o.reach() != Reachability.UNREACHABLE && o.reach() != Reachability.REMOVED) heard.add(o.id());
    }
    return heard;
  }

  /** The hosts in a fixed order, so that the same inputs give the same effects. */
  static List<HostEntry> sorted(MasterState s) {
    HostEntry[] hosts = s.hosts().values().toArray(new HostEntry[0]);
    Arrays.sort(hosts, BY_ID);
    return List.of(hosts);
  }

  private static final Comparator<HostEntry> BY_ID = Comparator.comparing(HostEntry::id);
}
