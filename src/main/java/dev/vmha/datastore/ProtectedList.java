package dev.vmha.datastore;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vmha.JsonSerializable;
import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MaintenanceMode;
import dev.vmha.restart.VmProtection;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The content of {@code protectedlist}: every protected VM and the host it was last placed on, the hosts in
 * maintenance mode, and whether HA is enabled ({@code ha}), written by the master that owns the datastore: a new
 * master, and every host through the replica, knows them. {@code version} grows with every change; a new master takes
 * the highest valid version. A list written before maintenance or the switch existed reads with none, and HA enabled.
 */
public record ProtectedList(
    String owner, long version, Map<String, Entry> vms, Map<String, HostMaintenance> maintenance, HaSwitch ha)
    implements JsonSerializable {
  static final String KIND = "protectedlist";

  /** A host in maintenance mode ({@code ENTERING} or {@code IN_MAINTENANCE}), who asked for it, and when. */
  public record HostMaintenance(MaintenanceMode mode, String requestedBy, Instant since) implements JsonSerializable {
    public HostMaintenance {
      if (mode == null || mode == MaintenanceMode.NONE) {
        throw new IllegalArgumentException("a host in maintenance is ENTERING or IN_MAINTENANCE, not " + mode);
      }
    }
  }

  /**
   * Whether HA acts, for the cluster and per host, as operators set it ({@code ./vmha ha disable}, {@code ./vmha host
   * ha disable H}). Where it is disabled no VM is failed over or restarted and no isolation response runs; VMs keep
   * running. Lists written before it existed read as enabled.
   */
  public record HaSwitch(boolean clusterEnabled, List<String> disabledHosts) implements JsonSerializable {
    public static final HaSwitch ENABLED = new HaSwitch(true, List.of());

    public HaSwitch {
      disabledHosts = disabledHosts == null ? List.of() : List.copyOf(new java.util.TreeSet<>(disabledHosts));
    }

    /** Whether HA acts for a host: enabled for the cluster and for it. */
    public boolean enabledFor(String host) {
      return clusterEnabled && !disabledHosts.contains(host);
    }

    public HaSwitch cluster(boolean enabled) {
      return new HaSwitch(enabled, disabledHosts);
    }

    public HaSwitch host(String host, boolean enabled) {
      java.util.Set<String> hosts = new java.util.TreeSet<>(disabledHosts);
      if (enabled) hosts.remove(host); else hosts.add(host);
      return new HaSwitch(clusterEnabled, List.copyOf(hosts));
    }
  }

  /**
   * A protected VM, where it last ran, how it is restarted, and where its recovery stands. {@code startingAt}: the
   * hosts a restart attempt was sent to (target first, then fallbacks), recorded before the power-on goes out by a
   * master without heartbeat datastores, until a report or the answer shows where the VM runs: no lease shows a new
   * master that the VM may run there already (seed 2185). Empty otherwise, and in lists written before it existed.
   */
  public record Entry(VmSpec vm, String host, VmProtection protection, Recovery recovery, List<String> startingAt)
      implements JsonSerializable {
    public Entry {
      // an older agent's replica in its heartbeat has none (state files say so: StateFile's added fields)
      startingAt = startingAt == null ? List.of() : List.copyOf(startingAt);
    }

    /** An entry with no restart attempt out. */
    public Entry(VmSpec vm, String host, VmProtection protection, Recovery recovery) {
      this(vm, host, protection, recovery, List.of());
    }
  }

  /**
   * Where a VM's recovery stands, written before the master acts on it so that a new master carries on: the failed
   * attempts so far, when the next may start (wall clock: retries are minutes apart, so the hosts' clock offsets
   * hardly matter), and why the VM was given up, if it was. Reset when the VM runs again.
   */
  public record Recovery(int failedAttempts, Optional<Instant> retryAt, Optional<String> givenUp)
      implements JsonSerializable {
    public static final Recovery NONE = new Recovery(0, Optional.empty(), Optional.empty());

    /** Attempt {@code failedAttempts + 1} may start at {@code at}. */
    public static Recovery retry(int failedAttempts, Instant at) {
      return new Recovery(failedAttempts, Optional.of(at), Optional.empty());
    }

    /** Given up after {@code failedAttempts}, for {@code why}: no retry. */
    public static Recovery givenUp(int failedAttempts, String why) {
      return new Recovery(failedAttempts, Optional.empty(), Optional.of(why));
    }

    public boolean gaveUp() {
      return givenUp.isPresent();
    }

    /**
     * The form in state files and heartbeats, unchanged since format 2 so that agents of both versions read each
     * other's lists in a rolling upgrade: no retry is written as the epoch, not given up as "".
     */
    public record Stored(int failedAttempts, Instant retryAt, String givenUp) {}

    @JsonValue
    Stored stored() {
      return new Stored(failedAttempts, retryAt.orElse(Instant.EPOCH), givenUp.orElse(""));
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Recovery of(Stored s) {
      return new Recovery(s.failedAttempts(), Optional.of(s.retryAt()).filter(t -> !t.equals(Instant.EPOCH)),
          Optional.of(s.givenUp()).filter(w -> !w.isEmpty()));
    }
  }

  public ProtectedList {
    vms.forEach((name, e) -> {
      if (!name.equals(e.vm().name())) throw new IllegalArgumentException("entry " + name + " holds VM " + e.vm().name());
    });
    vms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vms));
    maintenance = maintenance == null ? Map.of() : Map.copyOf(maintenance);
    if (ha == null) ha = HaSwitch.ENABLED;
  }

  public ProtectedList(String owner, long version, Map<String, Entry> vms) {
    this(owner, version, vms, Map.of(), HaSwitch.ENABLED);
  }

  public static ProtectedList empty(String owner) {
    return new ProtectedList(owner, 0, Map.of());
  }

  /**
   * Whether this replica replaces {@code stored} on a host's disk ({@link HostListCopy#keep}): it is newer, or another
   * list of the same version; versions there only grow.
   */
  public boolean replaces(ProtectedList stored) {
    return stored.version() < version || stored.version() == version && !stored.equals(this);
  }

  /**
   * The epoch of a list version: its high 32 bits (as ZooKeeper's zxid). Without datastores a master writes lists
   * only in the epoch a strict majority promised it; with datastores every list is of epoch 0 (the lock orders them).
   */
  public static long epoch(long version) {
    return version >>> 32;
  }

  /** The same list as the first version of {@code epoch}, owned by {@code newOwner}. */
  public ProtectedList firstOf(long epoch, String newOwner) {
    return new ProtectedList(newOwner, epoch << 32, vms, maintenance, ha);
  }

  /** The VM protected with these settings, placed at {@code host}. */
  public ProtectedList with(VmSpec vm, String host, VmProtection protection, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.put(vm.name(), new Entry(vm, host, protection, Recovery.NONE));
    return new ProtectedList(newOwner, version + 1, m, maintenance, ha);
  }

  /** A protected VM whose recovery moved on; where it ran, its protection and its attempt out unchanged. */
  public ProtectedList recovering(String vm, Recovery recovery, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    Entry e = m.get(vm);
    m.put(vm, new Entry(e.vm(), e.host(), e.protection(), recovery, e.startingAt()));
    return new ProtectedList(newOwner, version + 1, m, maintenance, ha);
  }

  /** Protected VMs whose restart attempts are sent now to {@code hosts} (per VM): see {@link Entry#startingAt}. */
  public ProtectedList starting(Map<String, List<String>> hosts, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    hosts.forEach((vm, at) -> {
      Entry e = m.get(vm);
      m.put(vm, new Entry(e.vm(), e.host(), e.protection(), e.recovery(), at));
    });
    return new ProtectedList(newOwner, version + 1, m, maintenance, ha);
  }

  /** A protected VM restarted as {@code protection} from now on; where it runs and its recovery unchanged. */
  public ProtectedList reprotected(String vm, VmProtection protection, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    Entry e = m.get(vm);
    m.put(vm, new Entry(e.vm(), e.host(), protection, e.recovery(), e.startingAt()));
    return new ProtectedList(newOwner, version + 1, m, maintenance, ha);
  }

  /** A protected VM now placed at {@code host}, its protection unchanged. */
  public ProtectedList moved(String vm, String host, String newOwner) {
    Entry e = vms.get(vm);
    return with(e.vm(), host, e.protection(), newOwner);
  }

  /** The same VMs with HA switched as {@code switched}. */
  public ProtectedList switched(HaSwitch switched, String newOwner) {
    return new ProtectedList(newOwner, version + 1, vms, maintenance, switched);
  }

  /** Every protected VM's dependencies, for cycle checks. */
  public Map<String, List<String>> dependencies() {
    Map<String, List<String>> d = new LinkedHashMap<>();
    vms.forEach((n, e) -> d.put(n, e.protection().dependsOn()));
    return d;
  }

  /** The VMs given an isolation response of their own ({@code ./vmha vm set VM --isolation-response R}). */
  public Map<String, IsolationResponse> isolationResponses() {
    Map<String, IsolationResponse> r = new LinkedHashMap<>();
    vms.forEach((n, e) -> e.protection().isolationResponse().ifPresent(i -> r.put(n, i)));
    return r;
  }

  /** An entry put back as it was (an unprotect that could not be stored). */
  public ProtectedList restored(Entry e, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.put(e.vm().name(), e);
    return new ProtectedList(newOwner, version + 1, m, maintenance, ha);
  }

  public ProtectedList without(String vm, String newOwner) {
    Map<String, Entry> m = new LinkedHashMap<>(vms);
    m.remove(vm);
    return new ProtectedList(newOwner, version + 1, m, maintenance, ha);
  }

  /** A host's maintenance mode set ({@code NONE}: it leaves maintenance), the VMs unchanged. */
  public ProtectedList maintaining(String host, MaintenanceMode mode, String requestedBy, Instant since,
      String newOwner) {
    Map<String, HostMaintenance> m = new LinkedHashMap<>(maintenance);
    if (mode == MaintenanceMode.NONE) m.remove(host); else m.put(host, new HostMaintenance(mode, requestedBy, since));
    return new ProtectedList(newOwner, version + 1, vms, m, ha);
  }

  /** A host's maintenance mode ({@code NONE} when it is not in maintenance). */
  public MaintenanceMode maintenanceOf(String host) {
    HostMaintenance m = maintenance.get(host);
    return m == null ? MaintenanceMode.NONE : m.mode();
  }

  String encode() {
    return StateFile.encode(KIND, this);
  }

  static ProtectedList decode(Path file, String text) throws CorruptStateFileException {
    // lists written before maintenance, HA's switch, per-VM isolation responses or restarts out existed read with no
    // host in maintenance, HA enabled, every VM with the configured isolation response and no restart out
    return StateFile.decode(file, KIND, text, ProtectedList.class, LegacyStateFile::protectedList,
        Map.of("maintenance", Map.of(), "ha", HaSwitch.ENABLED,
            "vms.*.protection.isolationResponse", Optional.<IsolationResponse>empty(),
            "vms.*.startingAt", List.<String>of()));
  }
}
