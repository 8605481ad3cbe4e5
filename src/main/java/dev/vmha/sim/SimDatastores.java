package dev.vmha.sim;

import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListLockRule;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import dev.vmha.lease.LeaseInput.Written;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The simulated shared datastores and the state files on them: heartbeats, power-on files, the protected list and
 * its lock, the VMs' leases. Each operation happens at one instant of virtual time (the caller delays it to model
 * I/O time). Faults freeze a datastore (every operation fails) and corrupt a file (it reads as corrupt until
 * rewritten).
 */
final class SimDatastores {

  private static final class Store {
    final String name;
    boolean frozen;
    final Map<String, HostHeartbeat> heartbeats = new TreeMap<>();
    final Map<String, PowerOnFile> powerOn = new TreeMap<>();
    Optional<HostHeartbeat> listLock = Optional.empty();
    Optional<ProtectedList> list = Optional.empty();
    boolean listCorrupt;
    final Map<String, VmLease> leases = new TreeMap<>();
    final Set<String> corruptLeases = new TreeSet<>();
    /** The readable leases as a scan shows them, kept until a lease changes (most scans see none change). */
    Optional<Map<String, VmLease>> readable = Optional.empty();

    Store(String name) {
      this.name = name;
    }
  }

  private static final String NOT_ANSWERING = "not answering";
  private static final String CORRUPT = "simulated corruption";

  private final Map<String, Store> stores = new TreeMap<>();
  private final List<String> names;

  SimDatastores(List<String> names) {
    this.names = List.copyOf(names);
    names.forEach(n -> stores.put(n, new Store(n)));
  }

  List<String> names() {
    return names;
  }

  /**
   * Where the leases are: the first configured datastore, as {@link dev.vmha.datastore.DatastoreView} has it; none
   * without datastores (then there are no leases).
   */
  Optional<String> leaseDatastore() {
    return names.stream().findFirst();
  }

  private Store leaseStore() {
    return stores.get(leaseDatastore().orElseThrow(() -> new IllegalStateException("no datastore holds leases")));
  }

  boolean answers(String ds) {
    return !stores.get(ds).frozen;
  }

  void freeze(String ds, boolean on) {
    stores.get(ds).frozen = on;
  }

  /** Writes the host's heartbeat and then, if it knows one yet, its power-on file. */
  void writeHeartbeat(String ds, HostHeartbeat hb, Optional<PowerOnFile> powerOn) {
    Store s = stores.get(ds);
    s.heartbeats.put(hb.hostId(), hb);
    powerOn.ifPresent(p -> s.powerOn.put(p.hostId(), p));
  }

  DatastoreScan scan(String ds) {
    Store s = stores.get(ds);
    Map<String, String> corrupt = s.corruptLeases.isEmpty() && !s.listCorrupt ? Map.of() : new TreeMap<>();
    s.corruptLeases.forEach(vm -> corrupt.put(DirectoryDatastore.LEASE_PREFIX + vm, CORRUPT));
    if (s.listCorrupt) corrupt.put(DirectoryDatastore.PROTECTED_LIST, CORRUPT);
    if (s.readable.isEmpty()) {
      Map<String, VmLease> leases = new TreeMap<>(s.leases);
      s.corruptLeases.forEach(leases::remove);
      s.readable = Optional.of(Map.copyOf(leases));
    }
    return new DatastoreScan(ds, s.heartbeats, s.powerOn, corrupt, s.listLock.orElse(null), s.readable.get());
  }

  /** The lease as stored, if its file is readable. */
  Optional<VmLease> lease(String vm) {
    Store s = leaseStore();
    return s.corruptLeases.contains(vm) ? Optional.empty() : Optional.ofNullable(s.leases.get(vm));
  }

  /** Why the VM's lease file cannot be read now, if it cannot. */
  Optional<String> leaseUnreadable(String vm) {
    Store s = leaseStore();
    if (s.frozen) return Optional.of(NOT_ANSWERING);
    return s.corruptLeases.contains(vm) ? Optional.of(CORRUPT) : Optional.empty();
  }

  /** Replaces exactly the lease {@code expected} (none: the file is absent) by {@code next}. */
  Written swapLease(Optional<VmLease> expected, VmLease next) {
    Store s = leaseStore();
    if (s.frozen) return new Written.Failed(NOT_ANSWERING, false);
    if (s.corruptLeases.contains(next.vm())) return new Written.Failed(CORRUPT, true);
    VmLease now = s.leases.get(next.vm());
    boolean same = expected.isEmpty() ? now == null : expected.get().sameWrite(now);
    if (!same) return new Written.Changed();
    s.leases.put(next.vm(), next);
    s.readable = Optional.empty();
    return new Written.Done();
  }

  /** Rewrites a corrupt lease file (its holder's repair). */
  Written repairLease(VmLease lease) {
    Store s = leaseStore();
    if (s.frozen) return new Written.Failed(NOT_ANSWERING, false);
    s.corruptLeases.remove(lease.vm());
    s.leases.put(lease.vm(), lease);
    s.readable = Optional.empty();
    return new Written.Done();
  }

  /** Deletes the lease file if it still holds exactly this write. */
  void releaseLease(VmLease lease) {
    Store s = leaseStore();
    if (!s.frozen && !s.corruptLeases.contains(lease.vm()) && lease.sameWrite(s.leases.get(lease.vm()))) {
      s.leases.remove(lease.vm());
      s.readable = Optional.empty();
    }
  }

  void corruptLease(String vm) {
    Store s = leaseStore();
    s.corruptLeases.add(vm);
    s.readable = Optional.empty();
  }

  boolean leaseCorrupt(String vm) {
    return leaseDatastore().isPresent() && leaseStore().corruptLeases.contains(vm);
  }

  void corruptList(String ds) {
    stores.get(ds).listCorrupt = true;
  }

  /** The newest readable copy of the list and the datastores that gave none, as the master's list read sees them. */
  record ListCopy(Optional<ProtectedList> newest, List<String> failures) {}

  ListCopy readList(List<String> from) {
    Optional<ProtectedList> newest = Optional.empty();
    List<String> failures = new ArrayList<>();
    for (String ds : from) {
      Store s = stores.get(ds);
      if (s.frozen) failures.add(ds + ": not answering");
      else if (s.listCorrupt) failures.add(ds + ": corrupt protected list");
      else if (s.list.isPresent() && (newest.isEmpty() || s.list.get().version() > newest.get().version())) {
        newest = s.list;
      }
    }
    return new ListCopy(newest, failures);
  }

  /** How a write of the protected list or its lock ended (the refusals as {@link DirectoryDatastore} has them). */
  enum ListWrite { WRITTEN, NOT_ANSWERING, LOCK_ELSEWHERE }

  ListWrite writeList(String ds, ProtectedList list) {
    Store s = stores.get(ds);
    if (s.frozen) return ListWrite.NOT_ANSWERING;
    if (s.listLock.isPresent() && !s.listLock.get().hostId().equals(list.owner())) return ListWrite.LOCK_ELSEWHERE;
    if (s.list.isPresent() && !s.listCorrupt && s.list.get().version() >= list.version()) return ListWrite.WRITTEN;
    s.list = Optional.of(list);
    s.listCorrupt = false;
    return ListWrite.WRITTEN;
  }

  Optional<String> listLockOwner(String ds) {
    return stores.get(ds).listLock.map(HostHeartbeat::hostId);
  }

  ListWrite writeListLock(String ds, HostHeartbeat lock, Optional<ListLockSeen> replacing) {
    Store s = stores.get(ds);
    if (s.frozen) return ListWrite.NOT_ANSWERING;
    Optional<HostHeartbeat> now = s.listLock;
    if (!ListLockRule.mayWrite(lock.hostId(), now, replacing)) return ListWrite.LOCK_ELSEWHERE;
    s.listLock = Optional.of(lock);
    return ListWrite.WRITTEN;
  }
}
