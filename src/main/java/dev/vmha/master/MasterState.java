package dev.vmha.master;

import dev.vmha.classify.Reachability;
import dev.vmha.classify.Verdict;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.VmProtection;
import dev.vmha.restart.WaitReason;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a master knows, immutable. {@code now} is virtual time: the sum of the intervals ticked, so timeouts
 * follow the scheduler (and a test's script). {@code held}: the datastores whose list lock this master wrote and
 * may hold; {@code lockable}: those {@link dev.vmha.datastore.ListLockRule} lets it hold this round;
 * {@code afterWrite}: effects held back until a list version is written; {@code capacity}: the current capacity plan
 * ({@link CapacityWatch}); {@code drain}: hosts entering maintenance; {@code stalled}: the stall of its agent this
 * master stepped down for ({@link MasterMachine}); {@code stored}: with datastores, the newest list it knows stored:
 * its own last write to one at least, or a replica a slave offered (a list it changed while it held no lock is not its
 * to keep when it reads the list again); {@code proposal}: without datastores, the epoch it proposes and the hosts'
 * promises ({@link ListOwnership#settle}).
 */
public record MasterState(
    Duration now, boolean loaded, boolean listReadOut, ProtectedList protectedList, Map<String, HostEntry> hosts,
    Map<String, Pending> pending, Map<String, InFlight> inFlight, Optional<DatastoreView> view,
    boolean allSilentReported, Set<String> held, Set<String> lockable, Map<String, Unseen> missing,
    Optional<Duration> majoritySince, List<AfterWrite> afterWrite, CapacityWatch.Watch capacity,
    Draining drain, Optional<Duration> stalled, Optional<ProtectedList> stored, Proposal proposal) {

  /**
   * Without datastores, the epoch this master proposes ({@code 0}: none yet) and the promise each host last reported
   * (its epoch and to which master: {@link ListOwnership#propose}).
   */
  public record Proposal(long epoch, Map<String, ListPromise> promises) {
    static final Proposal NONE = new Proposal(0, Map.of());

    public Proposal {
      promises = Map.copyOf(promises);
    }
  }


  /**
   * One host as the master sees it. {@code lastBeat} and {@code nextCheck} (the next ping) are virtual times;
   * {@code investigating} while a ping is out; {@code unanswered} when the last ping went unanswered and the host
   * has not beaten since: it is judged again with that ping on every datastore round. {@code verdictSince}: the
   * virtual time its verdict was reached (for a host this master never judged, when it came to know it).
   * {@code placed}: the VMs this master placed here, each with the newest report ({@link HostReport#seq}) that has
   * shown it here since, empty until one has: a stop record in a report no newer predates the placement.
   * {@code silentBeforeTakeover}: its silence was heard before this master took over (the master its election lost);
   * any other host that has not reported counts as silent since this master came to know it.
   */
  public record HostEntry(
      String id, Optional<HostReport> report, Optional<PingTarget> roleTarget, Optional<String> address,
      Reachability reach, Duration lastBeat, Verdict verdict, String reason, boolean investigating,
      Duration nextCheck, boolean suspected, boolean unanswered, Duration verdictSince,
      Map<String, Optional<Long>> placed, boolean silentBeforeTakeover) {
    public HostEntry {
      placed = Map.copyOf(placed);
    }

    /** A host this master has just come to know: its silence counts from now. */
    static HostEntry fresh(String id, Duration now) {
      return known(id, now, false);
    }

    /**
     * A host whose silence this master heard as a slave before it took over (the master it lost): silent since
     * {@code lastBeat}, not since the takeover.
     */
    static HostEntry silentBeforeTakeover(String id, Duration lastBeat) {
      return known(id, lastBeat, true);
    }

    private static HostEntry known(String id, Duration lastBeat, boolean silentBeforeTakeover) {
      return new HostEntry(id, Optional.empty(), Optional.empty(), Optional.empty(), Reachability.UNKNOWN, lastBeat,
          Verdict.ALIVE, "known to the master", false, lastBeat, false, false, lastBeat, Map.of(),
          silentBeforeTakeover);
    }

    /** A report came: the VMs placed here that it shows are shown as of its poll. */
    HostEntry beat(HostReport r, Duration now) {
      Map<String, Optional<Long>> shown = new HashMap<>(placed);
      shown.replaceAll((vm, seq) -> r.has(vm) ? Optional.of(Math.max(r.seq(), seq.orElse(r.seq()))) : seq);
      return new HostEntry(id, Optional.of(r), roleTarget, address, reach, now, verdict, reason, investigating,
          nextCheck, false, false, verdictSince, shown, silentBeforeTakeover);
    }

    /** This master placed the VM here (started or moved it here): no report has shown it here yet. */
    HostEntry placed(String vm) {
      Map<String, Optional<Long>> p = new HashMap<>(placed);
      p.put(vm, Optional.empty());
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, investigating,
          nextCheck, suspected, unanswered, verdictSince, p, silentBeforeTakeover);
    }

    /** The VM was placed at another host: its stop records from here are the list's to filter. */
    HostEntry placedElsewhere(String vm) {
      Map<String, Optional<Long>> p = new HashMap<>(placed);
      p.remove(vm);
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, investigating,
          nextCheck, suspected, unanswered, verdictSince, p, silentBeforeTakeover);
    }

    /**
     * Whether report {@code r}'s stop record of the VM may have been made before this master placed the VM here: no
     * report newer than {@code r} has shown it here since the placement. Reports travel by a network that may delay,
     * reorder and duplicate them, so one sent just before the power-on can come after its answer (seeds 883 and 33
     * without datastores); the next report shows the VM here, or stops it anew.
     */
    boolean stopPredatesPlacement(String vm, HostReport r) {
      return placed.containsKey(vm) && placed.get(vm).map(seq -> r.seq() <= seq).orElse(true);
    }

    HostEntry member(Optional<PingTarget> target, String addr, Reachability rch) {
      return new HostEntry(id, report, target, Optional.of(addr), rch, lastBeat, verdict, reason, investigating,
          nextCheck, suspected, unanswered, verdictSince, placed, silentBeforeTakeover);
    }

    /** Being pinged now; suspected until it beats again, so its silence is announced once. */
    HostEntry beingPinged() {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, true, nextCheck, true,
          unanswered, verdictSince, placed, silentBeforeTakeover);
    }

    /** Its ping came back. */
    HostEntry pinged(boolean answered) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, false, nextCheck,
          suspected, !answered, verdictSince, placed, silentBeforeTakeover);
    }

    /** Judged {@code v} at {@code now}; a verdict that did not change keeps the time it was reached. */
    HostEntry judged(Verdict v, String why, Duration now, Duration next) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, v, why, investigating, next, suspected,
          unanswered, v == verdict ? verdictSince : now, placed, silentBeforeTakeover);
    }

    /** Pinged again at {@code next}, verdict unchanged: the evidence is not conclusive yet. */
    HostEntry pending(Duration next) {
      return new HostEntry(id, report, roleTarget, address, reach, lastBeat, verdict, reason, investigating, next,
          suspected, unanswered, verdictSince, placed, silentBeforeTakeover);
    }

    Optional<PingTarget> pingTarget() {
      return report.map(HostReport::management).or(() -> roleTarget);
    }

    /** A restart target: beating, and not fenced. */
    boolean live() {
      return verdict == Verdict.ALIVE && report.isPresent() && !report.get().fenced();
    }

    /** Whether a verdict on the host may still change (DEAD and ISOLATED end with the host's next beat). */
    boolean judgeable() {
      return verdict == Verdict.ALIVE || verdict == Verdict.AGENT_UNREACHABLE || verdict == Verdict.PARTITIONED;
    }
  }

  /** A protected VM its host's reports have lacked since {@code since}; another host's count starts anew. */
  record Unseen(String host, Duration since) {}

  /**
   * Hosts that may run the VM since {@code since}: one that did not answer a power-on, or those a previous master's
   * attempt was sent to ({@link ProtectedList.Entry#startingAt}). Nothing else starts it until each has shown.
   */
  record Unknown(List<String> hosts, Duration since) {
    Unknown {
      hosts = List.copyOf(hosts);
    }
  }

  /** What holds a VM that needs a home back now, and why. */
  record Waiting(WaitReason reason, String why) {}

  /**
   * A protected VM that needs a home: lost from {@code lostFrom} for {@code reason}; after {@code failedAttempts}
   * attempts it is tried again at {@code notBefore}; {@code waiting}: what holds it back now.
   */
  record Pending(
      VmSpec vm, VmProtection protection, String lostFrom, String reason, int failedAttempts, Duration notBefore,
      Optional<Unknown> unknown, Optional<Waiting> waiting) {

    /**
     * A VM lost now ({@code now}); a recovery a previous master began carries on: its failed attempts and retry time
     * count, and the hosts its attempt went to may run the VM until they show.
     */
    static Pending lost(ProtectedList.Entry e, String lostFrom, String reason, Duration now, Duration notBefore) {
      Optional<Unknown> out = e.startingAt().isEmpty() ? Optional.empty()
          : Optional.of(new Unknown(e.startingAt(), now));
      return new Pending(e.vm(), e.protection(), lostFrom, reason, e.recovery().failedAttempts(), notBefore, out,
          Optional.empty());
    }

    Pending waiting(Waiting w) {
      return new Pending(vm, protection, lostFrom, reason, failedAttempts, notBefore, unknown, Optional.of(w));
    }
  }

  /**
   * A VM being started (attempt {@code attempt}), at {@code host} first; {@code request} is the operator's, if an
   * operator asked, with the warning its answer carries (admission control); {@code announced} once its readiness
   * was recorded.
   */
  record InFlight(
      VmSpec vm, VmProtection protection, String lostFrom, String host, Duration since, int attempt,
      Optional<RequestId> request, Optional<String> warning, boolean announced) {

    /** Ready for the VMs ordered after it: resources allocated is enough, or its ready timeout passed. */
    boolean satisfied(Duration now) {
      return protection.ready() == ReadyCondition.RESOURCES_ALLOCATED
          || now.minus(since).compareTo(protection.readyTimeout()) >= 0;
    }

    InFlight announce() {
      return new InFlight(vm, protection, lostFrom, host, since, attempt, request, warning, true);
    }
  }

  /**
   * A live migration under way: {@code vm} from {@code from} to {@code to}, for {@code why}; {@code request}: the
   * operator's move it answers, if it is one.
   */
  record Migration(VmSpec vm, String from, String to, Optional<RequestId> request, String why) {
    /** A migration that drains a host entering maintenance. */
    Migration(VmSpec vm, String from, String to) {
      this(vm, from, to, Optional.empty(), "host " + from + " enters maintenance");
    }
  }

  /**
   * The draining of hosts entering maintenance: the one migration under way (one at a time, so a VM's disk never has
   * two writers and the hosts are not swamped), why each draining host still holds VMs, and the VMs whose migration
   * ended lately with when they may be tried again (virtual time: once the source's reports show where they run).
   */
  record Draining(Optional<Migration> moving, Map<String, String> waits, Map<String, Duration> notBefore) {
    static final Draining NONE = new Draining(Optional.empty(), Map.of(), Map.of());

    Draining {
      waits = Map.copyOf(waits);
      notBefore = Map.copyOf(notBefore);
    }
  }

  /** An effect held back until list version {@code version} is stored, and what undoes its request if it is not. */
  sealed interface AfterWrite {
    long version();

    /** What waits, unwrapped from its {@link Held}. */
    default AfterWrite change() {
      return this;
    }

    /**
     * Without datastores, a change waits until its list is on this host's disk ({@link
     * dev.vmha.datastore.HostListCopy}; {@code onDisk}), so a next agent here knows of it (seed 18433), and held by a
     * strict majority of the hosts with this host ({@code holders}: the others that hold it), so a master elected
     * after this one crashed or was cut off holds it or hears it from a slave: a restart's power-on (seed 29762), and
     * an operator's change before it is carried out and answered (a power-off answered and then undone by the next
     * master, a power-on forgotten: session 13's hand-built paths).
     */
    record Held(AfterWrite change, boolean onDisk, Set<String> holders) implements AfterWrite {
      public Held {
        holders = Set.copyOf(holders);
      }

      @Override
      public long version() {
        return change.version();
      }

      /** Its list is on this host's disk. */
      Held stored() {
        return new Held(change, true, holders);
      }

      /** {@code host} holds its list too. */
      Held heldBy(String host) {
        Set<String> more = new TreeSet<>(holders);
        more.add(host);
        return new Held(change, onDisk, more);
      }
    }

    /** An operator's power-on: the VM is protected in the list before it starts. */
    record Start(long version, MasterEffect.PersistThenStart start, RequestId request) implements AfterWrite {}

    /**
     * Without datastores, a restart's power-on: its list records where it goes, and it waits until that list is
     * {@link Held}. If it cannot be written to this host's disk, the VM waits again as {@code pending} was.
     */
    record Restart(long version, MasterEffect.PersistThenStart start, Pending pending) implements AfterWrite {}

    /** An operator's maintenance request: answered once the list that records it is stored. */
    record Maintenance(
        long version, RequestId request, String host, Optional<ProtectedList.HostMaintenance> before, String message)
        implements AfterWrite {}

    /** An operator's power-off: the VM is unprotected in the list before it stops ({@code at}: where it runs). */
    record Stop(long version, RequestId request, String vm, Optional<ProtectedList.Entry> entry, Optional<String> at)
        implements AfterWrite {}

    /** An operator switched HA ({@code before}: as it was): the change counts, and is recorded, once stored. */
    record Switched(long version, RequestId request, ProtectedList.HaSwitch before, HaEvent event, String done)
        implements AfterWrite {}

    /**
     * An operator protected, unprotected or re-set a VM ({@code before}: its entry, empty if it was not protected;
     * {@code waiting}: its wait for a home, which an unprotect ends): recorded ({@code events}) and answered
     * ({@code done}) once stored, put back if it is not.
     */
    record Protection(long version, RequestId request, String vm, Optional<ProtectedList.Entry> before,
        Optional<Pending> waiting, List<HaEvent> events, String done) implements AfterWrite {}

    /** An operator's retry: the VM's attempts are reset in the list ({@code before}: its entry) before it is planned. */
    record Retried(long version, RequestId request, ProtectedList.Entry before, String askedBy)
        implements AfterWrite {}
  }

  static MasterState initial(String self, Duration now, Map<String, HostEntry> hosts) {
    return new MasterState(now, false, true, ProtectedList.empty(self), Map.copyOf(hosts), Map.of(), Map.of(),
        Optional.empty(), false, Set.of(), Set.of(), Map.of(), Optional.empty(), List.of(), CapacityWatch.Watch.NONE,
        Draining.NONE, Optional.empty(), Optional.empty(), Proposal.NONE);
  }

  MasterState with(Map<String, HostEntry> h) {
    return new MasterState(now, loaded, listReadOut, protectedList, Map.copyOf(h), pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, drain, stalled,
        stored, proposal);
  }

  MasterState host(HostEntry e) {
    Map<String, HostEntry> h = new HashMap<>(hosts);
    h.put(e.id(), e);
    return with(h);
  }

  /** This master placed the VM at {@code host} (see {@link HostEntry#placed}). */
  MasterState placedAt(String vm, String host) {
    Map<String, HostEntry> h = new HashMap<>(hosts);
    h.replaceAll((id, e) -> id.equals(host) ? e.placed(vm) : e.placed().containsKey(vm) ? e.placedElsewhere(vm) : e);
    return with(h);
  }

  MasterState allSilent(boolean reported) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view, reported, held,
        lockable, missing, majoritySince, afterWrite, capacity, drain, stalled, stored, proposal);
  }

  MasterState restarts(Map<String, Pending> p, Map<String, InFlight> f) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, Map.copyOf(p), Map.copyOf(f), view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, drain, stalled,
        stored, proposal);
  }

  MasterState list(ProtectedList l) {
    return new MasterState(now, true, listReadOut, l, hosts, pending, inFlight, view, allSilentReported, held,
        lockable, missing, majoritySince, afterWrite, capacity, drain, stalled, stored, proposal);
  }

  MasterState reading(boolean out) {
    return new MasterState(now, loaded, out, protectedList, hosts, pending, inFlight, view, allSilentReported, held,
        lockable, missing, majoritySince, afterWrite, capacity, drain, stalled, stored, proposal);
  }

  MasterState time(Duration t) {
    return new MasterState(t, loaded, listReadOut, protectedList, hosts, pending, inFlight, view, allSilentReported,
        held, lockable, missing, majoritySince, afterWrite, capacity, drain, stalled, stored, proposal);
  }

  MasterState locks(Set<String> h, Set<String> mayHold) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, Set.copyOf(h), Set.copyOf(mayHold), missing, majoritySince, afterWrite, capacity, drain,
        stalled, stored, proposal);
  }

  MasterState view(DatastoreView v) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, Optional.of(v),
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, drain, stalled,
        stored, proposal);
  }

  MasterState majoritySince(Optional<Duration> since) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, since, afterWrite, capacity, drain, stalled, stored, proposal);
  }

  MasterState missing(Map<String, Unseen> m) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, Map.copyOf(m), majoritySince, afterWrite, capacity, drain, stalled,
        stored, proposal);
  }

  MasterState afterWrite(List<AfterWrite> a) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, List.copyOf(a), capacity, drain, stalled,
        stored, proposal);
  }

  MasterState capacity(CapacityWatch.Watch c) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, c, drain, stalled, stored, proposal);
  }

  MasterState drain(Draining d) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, d, stalled, stored, proposal);
  }

  /** With datastores: {@code l} is the newest list this master knows stored ({@link ListOwnership#read}). */
  MasterState stored(ProtectedList l) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, drain, stalled,
        Optional.of(l), proposal);
  }

  MasterState proposal(Proposal p) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, drain, stalled, stored, p);
  }

  /**
   * Without datastores, the newest list seen while this master waits for a strict majority's promises: held, not
   * acted on ({@link ListOwnership#propose}).
   */
  MasterState unsettled(ProtectedList l) {
    return new MasterState(now, false, listReadOut, l, hosts, pending, inFlight, view, allSilentReported, held,
        lockable, missing, majoritySince, afterWrite, capacity, drain, stalled, stored, proposal);
  }

  /** Stepped down after its agent stalled for {@code idle}: it acts on nothing more. */
  MasterState stalled(Duration idle) {
    return new MasterState(now, loaded, listReadOut, protectedList, hosts, pending, inFlight, view,
        allSilentReported, held, lockable, missing, majoritySince, afterWrite, capacity, drain, Optional.of(idle),
        stored, proposal);
  }

  /** The VM as the live host that runs it reports it, if one does. */
  Optional<VmSpec> running(String vm) {
    return runningAt(vm).flatMap(h -> hosts.get(h).report())
        .flatMap(r -> r.poweredOn().stream().filter(v -> v.name().equals(vm)).findFirst());
  }

  /** Whether {@code host} is known and a restart target ({@link HostEntry#live}). */
  boolean liveHost(String host) {
    return Optional.ofNullable(hosts.get(host)).map(HostEntry::live).orElse(false);
  }

  /** The host a VM is reported running on, if any live host reports it. */
  Optional<String> runningAt(String vm) {
    return hosts.values().stream()
        .filter(h -> h.report().isPresent() && h.verdict() == Verdict.ALIVE)
        .filter(h -> h.report().get().poweredOn().stream().anyMatch(v -> v.name().equals(vm)))
        .map(HostEntry::id)
        .sorted()
        .findFirst();
  }
}
