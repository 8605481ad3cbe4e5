package dev.vmha.datastore;

import dev.vmha.LocalMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.HashSet;

/**
 * What one host has learnt from the datastores, round after round: for every other host and datastore, when its
 * heartbeat counter last moved, measured in this host's own rounds (so no two clocks are ever compared), plus the
 * latest power-on files. Immutable; {@link #next} gives the view after one more round.
 *
 * @param now virtual time: the sum of the round intervals so far
 * @param accessible per configured datastore, whether its last round succeeded
 * @param counters host → datastore → last counter and when it last moved
 * @param lastOwnWrite virtual time of the last round in which this host's own heartbeat reached a datastore
 * @param listLocks per datastore, the protected list's lock: its owner and when its counter last moved
 * @param leases the VMs' leases on the lease datastore (the first configured one): each and since when it stands
 * @param addresses the cluster address of every host whose last heartbeat says it is a cluster member
 */
public record DatastoreView(
    Duration now,
    Map<String, Boolean> accessible,
    Map<String, Map<String, Seen>> counters,
    Map<String, PowerOnFile> powerOn,
    Set<CorruptFile> corrupt,
    Duration lastOwnWrite,
    Map<String, ListLock> listLocks,
    Map<String, LeaseSeen> leases,
    Map<String, String> addresses) implements LocalMessage {

  /** A VM's lease as last read, and the virtual time at which this write of it was first seen. */
  public record LeaseSeen(VmLease lease, Duration since) {}

  /**
   * What this host knows of a VM's lease: whether the lease datastore answered last round, the lease if there is one,
   * how long it has stood unrenewed (measured in this host's rounds), and what is wrong with its file if that was
   * corrupt last round (then there is no lease to show, yet it is no free lease either).
   */
  public record LeaseObservation(
      String datastore, boolean readable, Optional<VmLease> lease, Duration stillFor, Optional<String> corrupt) {}

  /** The protected list's lock on one datastore: who holds it, its counter, and since when that counter stands. */
  public record ListLock(String owner, long counter, Duration since) {}

  /** A state file found corrupt in the last round: its name under {@code .vmha/} and what is wrong with it. */
  public record CorruptFile(String datastore, String file, String detail) {}

  /** A heartbeat counter and the virtual time at which it was first seen with that value. */
  public record Seen(long counter, Duration since) {}

  public static DatastoreView initial(List<String> datastores) {
    Map<String, Boolean> acc = new LinkedHashMap<>();
    for (String d : datastores) acc.put(d, false);
    return new DatastoreView(Duration.ZERO, acc, Map.of(), Map.of(), Set.of(), Duration.ZERO, Map.of(), Map.of(),
        Map.of());
  }

  /**
   * The view after a round that took {@code elapsed}: scans of the datastores that answered, the others failed.
   * A heartbeat seen for the first time counts as just moved: a new observer waits a full timeout before it calls a
   * heartbeat stale.
   */
  public DatastoreView next(Duration elapsed, Map<String, DatastoreScan> scans) {
    Duration t = now.plus(elapsed);
    Map<String, Boolean> acc = new LinkedHashMap<>();
    for (String d : accessible.keySet()) acc.put(d, scans.containsKey(d));
    // a host's counters are copied only when one moves (copy on write: the views share the others)
    Map<String, Map<String, Seen>> c = new HashMap<>();
    counters.forEach(c::put);
    Set<String> copied = new HashSet<>();
    Set<CorruptFile> bad = new HashSet<>();
    for (String d : accessible.keySet()) {
      DatastoreScan s = scans.get(d);
      if (s == null) continue;
      s.corrupt().forEach((file, detail) -> bad.add(new CorruptFile(d, file, detail)));
      s.heartbeats().forEach((host, hb) -> {
        Map<String, Seen> perDs = c.getOrDefault(host, Map.of());
        Seen old = perDs.get(d);
        if (old != null && old.counter() == hb.counter()) return;
        if (copied.add(host)) c.put(host, perDs = new HashMap<>(perDs));
        perDs.put(d, new Seen(hb.counter(), t));
      });
    }
    // power-on files: this round's, first datastore in configured order first; a host missing from every
    // answering datastore keeps its last known file
    Map<String, PowerOnFile> merged = new HashMap<>();
    for (String d : accessible.keySet()) {
      DatastoreScan s = scans.get(d);
      if (s != null) s.powerOn().forEach(merged::putIfAbsent);
    }
    powerOn.forEach(merged::putIfAbsent);
    Map<String, ListLock> locks = new HashMap<>(listLocks);
    scans.forEach((d, scan) -> {
      HostHeartbeat l = scan.listLock();
      if (l == null) {
        locks.remove(d);
        return;
      }
      ListLock old = locks.get(d);
      if (old == null || old.counter() != l.counter() || !old.owner().equals(l.hostId())) {
        locks.put(d, new ListLock(l.hostId(), l.counter(), t));
      }
    });
    Map<String, LeaseSeen> seen = leases;
    DatastoreScan leaseScan = leaseDatastore().map(scans::get).orElse(null);
    if (leaseScan != null && !sameLeases(leaseScan.leases())) {
      // a lease first seen, or written again, counts as just renewed: nobody takes it before a full expiry
      Map<String, LeaseSeen> next = new HashMap<>();
      leaseScan.leases().forEach((vm, l) -> {
        LeaseSeen old = leases.get(vm);
        next.put(vm, old != null && old.lease().sameWrite(l) ? old : new LeaseSeen(l, t));
      });
      seen = Map.copyOf(next);
    }
    Map<String, String> addr = addresses;
    for (DatastoreScan scan : scans.values()) {
      for (Map.Entry<String, HostHeartbeat> e : scan.heartbeats().entrySet()) {
        String host = e.getKey();
        String address = e.getValue().address();
        if (address.isEmpty() ? !addr.containsKey(host) : address.equals(addr.get(host))) continue;
        if (addr == addresses) addr = new HashMap<>(addresses);
        if (address.isEmpty()) addr.remove(host); else addr.put(host, address);
      }
    }
    return new DatastoreView(t, acc, c, Map.copyOf(merged), Set.copyOf(bad), lastOwnWrite, Map.copyOf(locks), seen,
        Map.copyOf(addr));
  }

  /** Whether a scan's leases are exactly the writes this view has seen (most rounds): then nothing is new. */
  private boolean sameLeases(Map<String, VmLease> scanned) {
    if (scanned.size() != leases.size()) return false;
    for (Map.Entry<String, VmLease> e : scanned.entrySet()) {
      LeaseSeen old = leases.get(e.getKey());
      if (old == null || !old.lease().sameWrite(e.getValue())) return false;
    }
    return true;
  }

  /** The datastore that holds the VMs' leases: the first configured one. */
  public Optional<String> leaseDatastore() {
    return accessible.keySet().stream().findFirst();
  }

  /** A VM's lease as this host sees it now; unreadable when the lease datastore did not answer the last round. */
  public LeaseObservation lease(String vm) {
    String ds = leaseDatastore().orElse("");
    boolean readable = Boolean.TRUE.equals(accessible.get(ds));
    LeaseSeen l = readable ? leases.get(vm) : null;
    Optional<String> bad = readable ? corruptFile(ds, DirectoryDatastore.LEASE_PREFIX + vm) : Optional.empty();
    return new LeaseObservation(ds, readable, Optional.ofNullable(l).map(LeaseSeen::lease),
        l == null ? Duration.ZERO : now.minus(l.since()), bad);
  }

  /** What is wrong with a state file (its name under {@code .vmha/}) on a datastore, if it was corrupt last round. */
  public Optional<String> corruptFile(String datastore, String file) {
    return corrupt.stream().filter(c -> c.datastore().equals(datastore) && c.file().equals(file))
        .map(CorruptFile::detail).findFirst();
  }

  /** The protected list's lock on a datastore this host could read last round: owner, counter, how long it stood still. */
  public Optional<ListLockSeen> listLock(String datastore) {
    if (!Boolean.TRUE.equals(accessible.get(datastore))) return Optional.empty();
    return Optional.ofNullable(listLocks.get(datastore))
        .map(l -> new ListLockSeen(l.owner(), l.counter(), now.minus(l.since())));
  }

  /** Records that this round wrote (or failed to write) this host's own heartbeat on some datastore. */
  public DatastoreView ownHeartbeatWritten(boolean written) {
    return written ? new DatastoreView(now, accessible, counters, powerOn, corrupt, now, listLocks, leases, addresses)
        : this;
  }

  /** How long this host's own heartbeat has not reached any datastore. */
  public Duration sinceOwnWrite() {
    return now.minus(lastOwnWrite);
  }

  public int accessibleCount() {
    return (int) accessible.values().stream().filter(b -> b).count();
  }

  /**
   * Per datastore that answered the last round, how long the host's heartbeat counter has not moved there; absent
   * where it was never seen. A datastore this host cannot read says nothing about anyone.
   */
  public Map<String, Duration> heartbeatAges(String host) {
    Map<String, Duration> ages = new TreeMap<>();
    counters.getOrDefault(host, Map.of()).forEach((d, seen) -> {
      if (Boolean.TRUE.equals(accessible.get(d))) ages.put(d, now.minus(seen.since()));
    });
    return ages;
  }

  public Optional<PowerOnFile> powerOn(String host) {
    return Optional.ofNullable(powerOn.get(host));
  }

  /**
   * The hosts whose heartbeat moved (or first appeared) on a datastore that answered the last round after virtual
   * time {@code t}: their agents run now. Stale files of hosts that are down never count.
   */
  public Set<String> movedSince(Duration t) {
    Set<String> moved = new HashSet<>();
    counters.forEach((h, perDs) -> perDs.forEach((d, seen) -> {
      if (Boolean.TRUE.equals(accessible.get(d)) && seen.since().compareTo(t) > 0) moved.add(h);
    }));
    return Set.copyOf(moved);
  }

  /** Every host that ever wrote a heartbeat on a datastore we read. */
  public Set<String> knownHosts() {
    return counters.keySet();
  }
}
