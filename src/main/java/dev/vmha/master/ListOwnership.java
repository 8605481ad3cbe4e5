package dev.vmha.master;

import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockRule;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.MajorityRule;
import dev.vmha.master.MasterState.AfterWrite;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides who owns the protected list and when it is written: read once at takeover (the newest of the datastores'
 * copies and the replica), written after every change to the datastores whose lock this master holds, and a lock
 * counts only once its write is confirmed. Effects that must follow a write wait in {@link MasterState#afterWrite}.
 */
final class ListOwnership {
  private ListOwnership() {}

  /** The list read at takeover (or again after the lock was taken): the newest copy becomes this master's. */
  static MasterState read(Turn t, MasterState s, MasterInput.ListRead r) {
    MasterState after = s.reading(false);
    boolean noneAnswered = t.config.hasDatastores() && r.failures().size() == t.config.datastores().size();
    if (noneAnswered && t.config.replica().isEmpty()) {
      // acting without the list could restart VMs an operator powered off, or miss protected ones: read again next
      // round (the replica the last master sent in its heartbeats is such a list, when no datastore's copy is readable)
      t.warn("no datastore gave a readable protected list: " + r.failures() + "; retrying");
      return after;
    }
    for (String f : r.failures()) t.warn("protected list not read from " + f);
    // the newest of the copies read, the replica the last master sent, and, when it reads again after taking a lock,
    // the newest list it knows stored: its own last write (a copy on a datastore it could not read now may be it:
    // seed 4170, an operator's power-off was lost and a later master would have restarted that VM) or a slave's
    // replica (seed 859: a power-on stored only on a datastore this master cannot read). What it changed while it
    // held no lock is not stored and not its to keep (seed 289: its changes outranked the power-off the lock's holder
    // stored meanwhile). Without datastores its own list, or the newest seen while it waits for promises
    Optional<ProtectedList> newest = r.list();
    Optional<ProtectedList> own = t.config.hasDatastores() ? s.stored()
        : Optional.of(s.protectedList());
    for (Optional<ProtectedList> other : List.of(t.config.replica(), own)) {
      if (other.isPresent() && (newest.isEmpty() || other.get().version() > newest.get().version())) newest = other;
    }
    ProtectedList list = newest.map(l -> new ProtectedList(t.self(), l.version(), l.vms(), l.maintenance(), l.ha()))
        .orElse(ProtectedList.empty(t.self()));
    // what a datastore gave is stored, though both copies may be unreadable at the next read (seed 859)
    if (t.config.hasDatastores() && r.list().isPresent()
        && s.stored().map(l -> l.version() < r.list().get().version()).orElse(true)) {
      after = after.stored(r.list().get());
    }
    // every host that owns a protected VM is watched from now on, as is every cluster member; a host in
    // maintenance is known (and shown) though it may be down
    Map<String, MasterState.HostEntry> hosts = new HashMap<>(s.hosts());
    List<String> known = new ArrayList<>(list.maintenance().keySet());
    list.vms().values().forEach(e -> {
      known.add(e.host());
      known.addAll(e.startingAt()); // they may run the VM: heard, or judged, before it starts elsewhere
    });
    for (String h : known) {
      if (!h.equals(t.self())) hosts.putIfAbsent(h, MasterState.HostEntry.fresh(h, s.now()));
    }
    if (!t.config.hasDatastores()) {
      // a list newer than the one it acts on comes from a master of a later epoch: this one proposes again
      MasterState held = replaced(t, after, list).with(hosts).unsettled(list);
      return settle(t, s.loaded() ? propose(t, held) : held);
    }
    t.effect(new MasterEffect.ToElection(new MasterNotice.ProtectedListChanged(list)));
    t.log("master " + t.self() + " took over the protected list v" + list.version() + " with " + list.vms().size()
        + " VMs");
    return VmRecovery.advance(t, HostWatch.investigate(t, replaced(t, after, list).list(list).with(hosts)));
  }

  /**
   * Without datastores a host's report: the epoch it promised is counted, unless its replica came while a list read
   * is out (the replica was not weighed: {@link #offered}), and the list is settled ({@link #settle}).
   */
  static MasterState promised(Turn t, MasterState s, MasterInput.Beat b) {
    if (t.config.hasDatastores() || b.replica().isPresent() && s.listReadOut()) return s;
    Map<String, ListPromise> promises = new HashMap<>(s.proposal().promises());
    promises.put(b.report().hostId(), b.promise());
    return settle(t, s.proposal(new MasterState.Proposal(s.proposal().epoch(), promises)));
  }

  /**
   * Without datastores this master proposes epoch E, one after the newest epoch it has seen (its own promise, the
   * hosts' promises, the newest list seen); its beats carry E, and every host that follows it promises E on its disk
   * and from then on stores and holds no list of an older epoch ({@code ElectionMachine}).
   */
  static MasterState propose(Turn t, MasterState s) {
    long newest = Math.max(s.proposal().epoch(), ProtectedList.epoch(s.protectedList().version()));
    for (ListPromise p : s.proposal().promises().values()) newest = Math.max(newest, p.epoch());
    t.log("master " + t.self() + " proposes epoch " + (newest + 1));
    t.effect(new MasterEffect.ToElection(new MasterNotice.Proposing(newest + 1)));
    return s.proposal(new MasterState.Proposal(newest + 1, s.proposal().promises()));
  }

  /**
   * Without datastores this master acts on the list only once a strict majority of the hosts it knows, itself among
   * them, promised its epoch E: the newest list offered by them is then the newest any majority held (a list held by
   * a majority was held by one of them at least, and they hold none of an older epoch since), and it writes it at
   * once as (E, 0). A deposed master's later lists are of an older epoch: no host that promised E holds them, and
   * they never outrank this master's (seed 195: master host3, frozen, wrote two versions no slave held, then followed
   * host2 and offered them; host2 took them, being newer, and lost the power-off its majority held). A promise is
   * not a report: a host that promised E refuses the deposed master's lists even after its agent restarts (seed 54:
   * host1 reported to host2 and lost power before storing host2's list; host3 went on with host1 as its majority).
   * A host's promise of a later epoch, or of E to another master, means another master proposed since: this one
   * proposes again; a promise counts only for the master it was made to (session 15: host1 promised epoch 2 to host2,
   * which acted on it; host3, elected by host1 once host2 was cut off, proposed epoch 2 too, and acted on host1's
   * promise as well; host2's later unheld list of epoch 2 then outranked host3's, and an operator's power-off host3
   * had answered was undone). It proposes only once its own promise is known (an earlier coordinator here may have
   * proposed, and stored, an epoch).
   */
  static MasterState settle(Turn t, MasterState s) {
    if (t.config.hasDatastores() || s.listReadOut() || s.stalled().isPresent()) return s;
    Optional<ListPromise> own = Optional.ofNullable(s.proposal().promises().get(t.self()));
    if (own.isEmpty()) return s;
    long e = s.proposal().epoch();
    long listEpoch = ProtectedList.epoch(s.protectedList().version());
    if (e == 0 || s.proposal().promises().values().stream().anyMatch(p -> p.epoch() > e
        || p.epoch() == e && !p.of(e, t.self())) || !s.loaded() && listEpoch >= e) {
      return propose(t, s);
    }
    // a master that proposes again goes on acting meanwhile: its lists of the older epoch are held only by hosts
    // that promised no later one, and the first list of the new epoch holds all its changes
    if (listEpoch >= e || !own.get().of(e, t.self())) return s;
    Set<String> promised = new TreeSet<>();
    s.proposal().promises().forEach((h, p) -> {
      if (p.of(e, t.self())) promised.add(h);
    });
    if (!MajorityRule.count(t.self(), s.hosts().keySet(), promised).majority()) return s;
    ProtectedList taken = s.protectedList().firstOf(e, t.self());
    t.log("master " + t.self() + " took over the protected list v" + taken.version() + " (epoch " + e + ", promised"
        + " by " + promised + ") with " + taken.vms().size() + " VMs");
    return VmRecovery.advance(t, HostWatch.investigate(t, write(t, s.list(s.protectedList()), taken)));
  }

  /**
   * What waited for this master's list to be held when it takes another: a restart is planned again from the list
   * taken, an operator's change answered, and a VM lost under the old list but placed elsewhere by the new one
   * followed where it runs.
   */
  private static MasterState replaced(Turn t, MasterState s, ProtectedList taken) {
    MasterState unsent = OperatorRequests.unconfirmed(t,
        VmRecovery.unsent(t, s, "its restart waited for a majority to hold a list now replaced"), taken);
    return movedSince(t, unsent, taken);
  }

  /**
   * A VM waiting for a restart was lost from where the list held until now placed it; a newer list that places it
   * elsewhere was written by a master that moved it since, so the wait ends with the older placement (seed 3524
   * without datastores: a lone master's own fence record waited for a majority, which came with the newer replica
   * placing the VM at a host it did not hear). Where it runs now is then followed as any VM's. With datastores the
   * VM's lease shows where it runs, and its restart waits for it — unless the newer list no longer protects it (seed
   * 289: an operator powered it off on the other side, and the lock's new holder restarted it from its own wait).
   */
  private static MasterState movedSince(Turn t, MasterState s, ProtectedList newer) {
    // without datastores also while it waits for promises: what it heard meanwhile was read against the list it held
    if (!s.loaded() && t.config.hasDatastores()) return s;
    Map<String, MasterState.Pending> pending = new HashMap<>(s.pending());
    pending.keySet().removeIf(vm -> {
      Optional<String> was = Optional.ofNullable(s.protectedList().vms().get(vm)).map(ProtectedList.Entry::host);
      Optional<String> now = Optional.ofNullable(newer.vms().get(vm)).map(ProtectedList.Entry::host);
      if (was.equals(now) || t.config.hasDatastores() && now.isPresent()) return false;
      t.log(vm + " was lost from " + was.orElse("no host") + " under v" + s.protectedList().version() + "; v"
          + newer.version() + " places it " + now.map(h -> "at " + h).orElse("nowhere") + ": its restart ends");
      return true;
    });
    return s.restarts(pending, s.inFlight());
  }

  /**
   * A slave's replica of the list, offered while this master's beats carry an older one: taken when it is newer than
   * the list this master holds, or, while it has none, when the last read found no readable copy on any datastore (no
   * read is out), as the replica this host kept itself would be. A master that restarted has none of its own — it was
   * the one sending them — and would otherwise wait for an operator to repair a list (seed 4099: both datastores'
   * lists corrupted seconds after the master's agent restarted). With datastores the newer replica is its last
   * master's write to a datastore it could not read (seed 1057: it read the only datastore that answered, whose copy
   * was old; the newest was on the other, frozen); a master without a lock replicates no change. Without datastores
   * the replicas are the only copies (seed 5 of the datastore-less simulations: the master powered back took an empty
   * list at once, and the VMs it had lost with its power stayed down).
   */
  static MasterState offered(Turn t, MasterState s, MasterInput.Beat b) {
    if (b.replica().isEmpty()) return s;
    ProtectedList replica = b.replica().get();
    // with datastores, kept for the read after taking a lock: the datastore holding its copy may be unreadable then
    if (t.config.hasDatastores() && s.stored().map(l -> l.version() < replica.version()).orElse(true)) {
      s = s.stored(replica);
    }
    if (s.listReadOut()) return s;
    boolean newer = replica.version() > s.protectedList().version();
    // without datastores a master waiting for promises holds the newest list seen: only a newer one changes it
    if ((s.loaded() || !t.config.hasDatastores()) && !newer) return s;
    t.log((s.loaded() ? "newer than the list this master read" : t.config.hasDatastores()
        ? "no datastore's protected list is readable" : "no datastores") + ": taking v" + replica.version() + " that "
        + b.report().hostId() + " kept from the last master's heartbeats");
    return read(t, s, new MasterInput.ListRead(b.replica(), List.of()));
  }

  /**
   * Takes or renews the lock on every readable datastore where {@link ListLockRule} allows it. One it may no longer
   * hold is let go at once; one it may take counts as held only when its write is confirmed ({@link #lockWritten}).
   */
  static MasterState renewLocks(Turn t, MasterState s) {
    if (!t.config.hasDatastores() || s.view().isEmpty()) return s;
    DatastoreView v = s.view().get();
    Duration staleAfter = TimingRules.datastoreStillBound(t.settings().hostTimeout());
    Set<String> mayHold = new TreeSet<>();
    for (String d : t.config.datastores()) {
      if (!Boolean.TRUE.equals(v.accessible().get(d))) continue;
      if (!ListLockRule.mayHold(t.self(), v.listLock(d), staleAfter)) continue;
      mayHold.add(d);
      t.effect(new MasterEffect.WriteListLock(d, new HostHeartbeat(t.self(), s.now().toMillis(), t.wall),
          ListLockRule.replacing(t.self(), v.listLock(d))));
    }
    Set<String> held = new TreeSet<>(s.held());
    held.retainAll(mayHold);
    return owning(t, s, held, mayHold);
  }

  /** A lock write came back: held if it is written and still allowed; a failed write lets the lock go. */
  static MasterState lockWritten(Turn t, MasterState s, MasterInput.LockWritten w) {
    Set<String> held = new TreeSet<>(s.held());
    if (w.error().isPresent()) {
      t.warn("protected-list lock not written to " + w.datastore() + ": " + w.error().get());
      held.remove(w.datastore());
    } else if (s.lockable().contains(w.datastore())) {
      held.add(w.datastore());
    }
    return owning(t, s, held, s.lockable());
  }

  /** The held locks change: ownership gained (then the list is read again) or lost is recorded. */
  private static MasterState owning(Turn t, MasterState s, Set<String> held, Set<String> mayHold) {
    MasterState next = s.locks(held, mayHold);
    if (held.equals(s.held())) return next;
    if (s.held().isEmpty()) {
      Optional<DatastoreView> v = s.view();
      String from = t.config.datastores().stream().map(d -> v.flatMap(x -> x.listLock(d))).flatMap(Optional::stream)
          .map(ListLockSeen::owner).filter(o -> !o.equals(t.self())).findFirst().map(o -> "taken over from " + o)
          .orElse("the lock was free");
      t.emit(new HaEvent.ProtectedListOwnership(t.wall, t.self(), true, List.copyOf(held), from));
      t.effect(new MasterEffect.ReadList()); // the previous owner may have changed it since this master read it
      return next.reading(true);
    }
    if (held.isEmpty()) {
      // sorted: the held set's own order changes from one JVM to the next, and a replayed run must say the same
      List<String> lost = List.copyOf(new TreeSet<>(s.held()));
      List<String> unreadable = lost.stream()
          .filter(d -> !s.view().map(v -> Boolean.TRUE.equals(v.accessible().get(d))).orElse(false)).toList();
      t.emit(new HaEvent.ProtectedListOwnership(t.wall, t.self(), false, lost, unreadable.isEmpty()
          ? "another master holds the lock" : "not accessible: " + String.join(", ", unreadable)));
    }
    return next;
  }

  /** Whether this master owns the protected list: it holds a lock, or there are no datastores to lock. */
  static boolean owns(Turn t, MasterState s) {
    return !t.config.hasDatastores() || !s.held().isEmpty();
  }

  /**
   * The list changes: written to the datastores whose lock this master holds and handed to the election FSM, which
   * replicates it to all hosts. With datastores a master that holds no lock keeps a change in its memory only: its
   * versions would collide with the lock holder's, and its slaves, holding them, would no longer offer the holder's
   * newer list (seed 859: a power-on stored on a datastore the next holder could not read was lost).
   */
  static MasterState write(Turn t, MasterState s, ProtectedList list) {
    if (t.config.hasDatastores() && !owns(t, s)) return s.list(list);
    // without datastores a master waiting for promises keeps a change in memory: its epoch's first list has it. It
    // keeps the version it took: the next one of that epoch is its master's, which may write it with a change a
    // majority holds, and this one would count it no newer (session 15)
    if (!t.config.hasDatastores() && !s.loaded()) {
      return s.unsettled(new ProtectedList(list.owner(), s.protectedList().version(), list.vms(), list.maintenance(),
          list.ha()));
    }
    t.effect(new MasterEffect.ToElection(new MasterNotice.ProtectedListChanged(list)));
    t.effect(new MasterEffect.WriteList(list, List.copyOf(new TreeSet<>(s.held()))));
    return s.list(list);
  }

  /**
   * A write came back: what waited for it goes ahead if it is stored, or is undone if it is not; without datastores
   * once it is also held ({@link AfterWrite.Held}).
   */
  static MasterState written(Turn t, MasterState s, MasterInput.ListWritten w) {
    for (String f : w.failures()) t.warn("protected list v" + w.version() + " not written to " + f);
    List<AfterWrite> still = new ArrayList<>();
    List<AfterWrite> due = new ArrayList<>();
    for (AfterWrite a : s.afterWrite()) {
      Optional<String> why = unstored(w, a);
      boolean decided = why.isEmpty() ? a.version() <= w.version() : a.version() == w.version();
      if (decided && why.isEmpty() && a instanceof AfterWrite.Held h) {
        AfterWrite.Held onDisk = h.stored();
        (heldByMajority(t, s, onDisk) ? due : still).add(onDisk);
      } else {
        (decided ? due : still).add(a);
      }
    }
    MasterState next = s.afterWrite(still);
    if (t.config.hasDatastores() && w.failures().size() < w.datastores()
        && s.protectedList().version() == w.version()
        && s.stored().map(l -> l.version() <= w.version()).orElse(true)) {
      next = next.stored(s.protectedList());
    }
    for (AfterWrite a : due) {
      Optional<String> why = unstored(w, a);
      next = why.isEmpty() ? OperatorRequests.goAhead(t, next, a) : OperatorRequests.notStored(t, next, a, why.get());
    }
    return next;
  }

  /**
   * Why what waits for write {@code w} may not go ahead, if so: its list is not stored where a new master reads it —
   * on one datastore at least; without datastores on this host's disk, the one record a next agent here reads before
   * the next beat carries the list (seed 18433).
   */
  private static Optional<String> unstored(MasterInput.ListWritten w, AfterWrite a) {
    if (a instanceof AfterWrite.Held) {
      return w.failures().isEmpty() ? Optional.empty() : Optional.of("the protected list v" + w.version()
          + " that records it could not be written to " + String.join("; ", w.failures()));
    }
    if (w.failures().size() < w.datastores()) return Optional.empty();
    return Optional.of("the protected list was written to no datastore: "
        + (w.failures().isEmpty() ? "this master holds no datastore's lock" : w.failures()));
  }

  /**
   * A slave holds this master's list up to version {@code b.holds()}: what waits for its list to be held counts it,
   * and goes ahead once that list is on this host's disk and a strict majority of the hosts this master knows holds
   * it ({@link AfterWrite.Held}).
   */
  static MasterState held(Turn t, MasterState s, MasterInput.Beat b) {
    if (b.holds().isEmpty() || s.afterWrite().stream().noneMatch(AfterWrite.Held.class::isInstance)) return s;
    List<AfterWrite> still = new ArrayList<>();
    List<AfterWrite> due = new ArrayList<>();
    for (AfterWrite a : s.afterWrite()) {
      if (a instanceof AfterWrite.Held h && h.version() <= b.holds().get()) {
        AfterWrite.Held counted = h.heldBy(b.report().hostId());
        (heldByMajority(t, s, counted) ? due : still).add(counted);
      } else {
        still.add(a);
      }
    }
    MasterState next = s.afterWrite(still);
    for (AfterWrite a : due) next = OperatorRequests.goAhead(t, next, a);
    return next;
  }

  private static boolean heldByMajority(Turn t, MasterState s, AfterWrite.Held h) {
    return h.onDisk() && MajorityRule.count(t.self(), s.hosts().keySet(), h.holders()).majority();
  }

  /** A corrupt list on a datastore this master owns is rewritten at once from the list it holds (kept aside first). */
  static void repair(Turn t, MasterState s, DatastoreView v) {
    // before its list is read this master holds nothing to write
    if (s.loaded() && s.held().stream()
        .anyMatch(d -> v.corruptFile(d, DirectoryDatastore.PROTECTED_LIST).isPresent())) {
      t.effect(new MasterEffect.WriteList(s.protectedList(), List.copyOf(new TreeSet<>(s.held()))));
    }
  }

  /** A protected VM reported at another host than the list says (moved, or restarted by us): record where. */
  static MasterState followMigrations(Turn t, MasterState s, HostReport r) {
    if (!s.loaded()) return s;
    ProtectedList l = s.protectedList();
    for (VmSpec vm : r.poweredOn()) {
      ProtectedList.Entry e = l.vms().get(vm.name());
      // also where it was placed, when an attempt there was out: the list shows no attempt out any more
      boolean moved = e != null && (!e.host().equals(r.hostId()) || e.startingAt().contains(r.hostId()));
      if (moved && !s.inFlight().containsKey(vm.name())) {
        l = l.moved(vm.name(), r.hostId(), t.self());
      }
    }
    return l == s.protectedList() ? s : write(t, s, l);
  }
}
