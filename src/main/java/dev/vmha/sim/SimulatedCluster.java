package dev.vmha.sim;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.host.Agent;
import dev.vmha.host.Drivers;
import dev.vmha.host.HostSupervisor;
import dev.vmha.host.Incarnations;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.InMemoryHypervisor;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.OperationResult;
import dev.vmha.restart.VmProtection;
import dev.vmha.security.ClusterCa;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.Operation;
import dev.vmha.ping.Pinger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A vmha cluster inside one JVM, for tests and for watching the canonical cases: every host is a real Pekko actor
 * system running the real agent over Artery on 127.0.0.1 (TLS with the stores in the settings' vmha.tls.dir), with an in-memory hypervisor and real datastore
 * directories. Faults are injected where a real network or storage path would break: links between hosts are cut at
 * the transport (both directions, Pekko's own heartbeats included), a host's isolation addresses stop answering, a
 * host loses its datastores, a host loses power (and later gets it back), or a host's agent dies and is restarted
 * while its VMs keep running. A host removed from the cluster while powered starts a new actor system, as the agent's
 * own run loop does. Every power-on is checked against the other hosts' hypervisors ({@link #doubleStarts}).
 */
public final class SimulatedCluster implements AutoCloseable {

  /**
   * @param hosts how many hosts (host1 .. hostN)
   * @param settings das.* / vmha.* values for every host (host identity, ports and datastores are set here)
   * @param datastores how many shared datastore directories (0: the vSAN case, the majority rule decides)
   * @param dir where the datastores and host data live
   * @param pekko the Pekko configuration every host starts from (test-mode is switched on here)
   */
  public record Options(int hosts, Config settings, int datastores, Path dir, Config pekko) {}

  /**
   * The demo's settings (`./vmha demo --case`, `./vmha bench api-load`; the process demo's timings too): interval
   * 250 ms, hostTimeout 3 s, ping 1 s, election window 2 s (with datastores: without, it must be less than 1.25 s),
   * isolation address on loopback, response power-off.
   */
  public static final Config DEMO_SETTINGS = ConfigFactory.parseString("""
      das.failuredetectioninterval = 250ms
      das.config.fdm.hostTimeout = 3s
      das.config.fdm.icmpPingTimeout = 1s
      das.config.fdm.deadIcmpPingInterval = 3s
      das.usedefaultisolationaddress = false
      das.isolationaddress1 = "127.0.0.1"
      vmha.election.window = 2s
      vmha.host.memory-mb = 4096
      vmha.isolation.response = "power-off"
      """);

  /**
   * {@code settings} over TLS, as every cluster: a CA and the stores of host1..host{@code hosts} (all on 127.0.0.1)
   * made in {@code dir}/tls for this run.
   */
  public static Config withTls(Config settings, Path dir, int hosts) {
    try {
      new ClusterCa(dir.resolve("tls")).issue(ClusterCa.Host.loopback(hosts), false);
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the run's TLS stores in " + dir.resolve("tls"), e);
    }
    return ConfigFactory.parseString("vmha.tls.dir = \"" + dir.resolve("tls") + "\"").withFallback(settings);
  }

  /** One simulated host and its faults. */
  public final class Host {
    final String id;
    final int clusterPort;
    final int fakeHttpPort;
    final InMemoryHypervisor hypervisor;
    final EventLog events = EventLog.inMemory();
    final HaSettings settings;
    volatile ActorSystem<HostSupervisor.Command> system;
    /** The agent's run loop's memory: a power loss forgets it. */
    volatile Incarnations incarnations = new Incarnations();
    volatile boolean powered = true;
    volatile boolean datastoresCut;
    volatile boolean isolationAddressesCut;

    Host(String id, int clusterPort, int fakeHttpPort, HaSettings settings) {
      this.id = id;
      this.clusterPort = clusterPort;
      this.fakeHttpPort = fakeHttpPort;
      this.settings = settings;
      this.hypervisor = new InMemoryHypervisor(id);
    }

    public String id() {
      return id;
    }

    public InMemoryHypervisor hypervisor() {
      return hypervisor;
    }

    public List<HaEvent> events() {
      return events.recent();
    }

    public boolean powered() {
      return powered;
    }

    Address address() {
      return new Address("pekko", settings.clusterName(), "127.0.0.1", clusterPort);
    }
  }

  private final Options options;
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  /** Unordered pairs of host ids whose link a network fault cut (a host without power is cut off besides). */
  private final Set<Set<String>> cutLinks = ConcurrentHashMap.newKeySet();
  private final List<String> doubleStarts = new CopyOnWriteArrayList<>();
  private final Executor io = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sim-io");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closing;
  /** Management pings answer across cut links: the network is back, the cluster transport not yet. */
  private volatile boolean pingsAcrossCuts;

  private SimulatedCluster(Options options) {
    this.options = options;
  }

  /** Starts every host; the cluster forms and elects on its own (see {@link #awaitOneMaster}). */
  public static SimulatedCluster start(Options options) {
    SimulatedCluster c = new SimulatedCluster(options);
    c.startAll();
    return c;
  }

  private void startAll() {
    try {
      for (int d = 1; d <= options.datastores(); d++) Files.createDirectories(options.dir().resolve("ds" + d));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Integer> ports = freePorts(options.hosts());
    // every host is a seed node: the nodelist a cold start waits for (ElectionWindow)
    List<String> seeds = ports.stream().map(p -> "127.0.0.1:" + p).toList();
    for (int i = 1; i <= options.hosts(); i++) {
      String id = "host" + i;
      List<String> ds = new ArrayList<>();
      for (int d = 1; d <= options.datastores(); d++) ds.add(options.dir().resolve("ds" + d).toString());
      Config own = ConfigFactory.parseMap(Map.of(
              "vmha.host.id", id,
              "vmha.host.address", "127.0.0.1",
              "vmha.host.port", ports.get(i - 1),
              "vmha.host.http-port", i, // never bound: it names the host to the simulated pinger
              "vmha.host.data-dir", options.dir().resolve(id).toString(),
              "vmha.hypervisor.type", "in-memory"))
          .withFallback(ConfigFactory.parseMap(Map.of("vmha.cluster.seed-nodes", seeds, "vmha.datastores", ds)))
          .withFallback(options.settings())
          .withFallback(HaSettings.defaults())
          .resolve();
      Host h = new Host(id, ports.get(i - 1), i, HaSettings.from(own));
      hosts.put(id, h);
    }
    hosts.values().forEach(this::boot);
  }

  private void boot(Host h) {
    List<Datastore> ds = new ArrayList<>();
    for (Path p : h.settings.datastores()) {
      ds.add(new FaultyDatastore(new DirectoryDatastore(p, io), () -> h.datastoresCut || !h.powered));
    }
    Pinger management = (target, timeout) -> CompletableFuture.completedFuture(
        hostByFakePort(target.tcpPort()).map(t -> t.powered && (pingsAcrossCuts || !cut(h.id, t.id))).orElse(false));
    Pinger isolation = (target, timeout) -> CompletableFuture.completedFuture(!h.isolationAddressesCut);
    // test-mode lets links be cut; a crashed host must fall silent rather than leave the cluster politely; joins
    // are retried quickly, as a lost Welcome would otherwise keep a host out for 10 s
    Config pekko = ConfigFactory.parseString(String.join("\n",
        "pekko.remote.artery.advanced.test-mode = on",
        "pekko.coordinated-shutdown.run-by-actor-system-terminate = off",
        "pekko.cluster.seed-node-timeout = 2s",
        "pekko.cluster.retry-unsuccessful-join-after = 2s")).withFallback(options.pekko());
    ActorSystem<HostSupervisor.Command> sys = Agent.start(h.settings,
        exec -> new Drivers(watched(h), ds, management, isolation), h.events, Clock.systemUTC(), pekko,
        h.incarnations);
    h.system = sys;
    // links cut before this incarnation started stay cut
    for (Host o : hosts.values()) if (o != h && (cut(h.id, o.id) || !o.powered)) applyCut(h, o, true);
    sys.getWhenTerminated().thenRun(() -> {
      synchronized (h) { // a crash or power-back in between decides whether this host runs an agent
        // the agent stopped: its run loop starts a new one, unless the agent refused to go on
        if (!closing && h.powered && h.system == sys && h.incarnations.refused().isEmpty()) boot(h);
      }
    });
  }

  /**
   * The host's hypervisor as its agent sees it. Each power-on is checked against the other powered hosts once it is
   * done: of two overlapping runs the later start always sees the earlier, however briefly they overlap.
   */
  private Hypervisor watched(Host h) {
    return new Hypervisor() {
      @Override
      public CompletionStage<List<VmSpec>> poweredOn() {
        return h.hypervisor.poweredOn();
      }

      @Override
      public CompletionStage<Void> powerOn(VmSpec vm) {
        return h.hypervisor.powerOn(vm).thenRun(() -> checkAlone(h, vm));
      }

      @Override
      public CompletionStage<MigrationImage> migrateOut(String vm) {
        return h.hypervisor.migrateOut(vm);
      }

      @Override
      public CompletionStage<Void> migrateIn(MigrationImage image) {
        return h.hypervisor.migrateIn(image).thenRun(() -> checkAlone(h, image.vm()));
      }

      @Override
      public CompletionStage<Void> powerOff(String vm) {
        return h.hypervisor.powerOff(vm);
      }

      @Override
      public CompletionStage<Void> shutdownGuest(String vm) {
        return h.hypervisor.shutdownGuest(vm);
      }
    };
  }

  /** A VM just started at {@code h} must run nowhere else: else it is recorded as a double start. */
  private void checkAlone(Host h, VmSpec vm) {
    List<String> elsewhere = new ArrayList<>(running().getOrDefault(vm.name(), List.of()));
    elsewhere.remove(h.id);
    if (!elsewhere.isEmpty()) {
      doubleStarts.add(Instant.now() + " " + vm.name() + " started at " + h.id + " while running at " + elsewhere);
    }
  }

  private Optional<Host> hostByFakePort(int port) {
    return hosts.values().stream().filter(h -> h.fakeHttpPort == port).findFirst();
  }

  private boolean cut(String a, String b) {
    return cutLinks.contains(Set.of(a, b));
  }

  public Host host(String id) {
    Host h = hosts.get(id);
    if (h == null) throw new IllegalArgumentException("no host " + id);
    return h;
  }

  public Collection<Host> hosts() {
    return hosts.values();
  }

  // ---- faults

  /** The host loses power: its VMs stop, it falls silent on every link and datastore, its agent is gone. */
  public void crash(String id) {
    Host h = host(id);
    ActorSystem<?> sys;
    synchronized (h) {
      h.powered = false;
      h.hypervisor.powerLoss();
      sys = h.system;
    }
    for (Host o : hosts.values()) {
      if (o == h) continue;
      applyCut(h, o, true);
      applyCut(o, h, true);
    }
    sys.terminate();
    sys.getWhenTerminated().toCompletableFuture().join();
  }

  /**
   * Power returns to a crashed host: it boots with no VM running and a new agent, and its links to the powered hosts
   * come back, except those a network fault (partition, isolation) still cuts.
   */
  public void powerBack(String id) {
    Host h = host(id);
    synchronized (h) {
      if (h.powered) throw new IllegalStateException(id + " has power");
      for (Host o : hosts.values()) if (o != h && o.powered && !cut(h.id, o.id)) applyCut(o, h, false);
      h.powered = true;
      h.incarnations = new Incarnations();
      boot(h);
    }
  }

  /**
   * The host's agent dies without a word (kill -9) and its service manager starts it again: a new actor system joins
   * as a new incarnation; the VMs keep running on the hypervisor meanwhile.
   */
  public void restartAgent(String id) {
    Host h = host(id);
    ActorSystem<?> sys = h.system;
    if (!h.powered || sys.whenTerminated().isCompleted()) return; // no agent, or its run loop is restarting it
    for (Host o : hosts.values()) if (o != h) applyCut(h, o, true); // silent: no leaving, no goodbye on the wire
    sys.terminate(); // the run loop (boot) starts the next incarnation
    sys.getWhenTerminated().toCompletableFuture().join();
  }

  /** Cuts every link between the given sides; links within a side stay up. */
  @SafeVarargs
  public final void partition(Set<String>... sides) {
    for (int a = 0; a < sides.length; a++) {
      for (int b = a + 1; b < sides.length; b++) {
        for (String x : sides[a]) for (String y : sides[b]) cutLink(host(x), host(y));
      }
    }
  }

  /** The host's network is gone: every link cut and its isolation addresses silent. Its datastores stay. */
  public void isolate(String id) {
    Host h = host(id);
    h.isolationAddressesCut = true;
    for (Host o : hosts.values()) if (o != h) cutLink(h, o);
  }

  /** The host loses (or regains) its path to every datastore. */
  public void cutDatastores(String id, boolean cut) {
    host(id).datastoresCut = cut;
  }

  /**
   * The network heals for management pings only; the links between actor systems stay cut until {@link #heal}. On a
   * real network ICMP answers as soon as a partition heals, while the cluster transport's TCP connections are still
   * backing off their retransmissions, so for a while the other side's hosts answer ping but their agents stay
   * unreachable.
   */
  public void healPingsFirst() {
    pingsAcrossCuts = true;
  }

  /** Restores every link and isolation address (not power, not datastores: see {@link #powerBack}). */
  public void heal() {
    pingsAcrossCuts = false;
    for (Set<String> pair : Set.copyOf(cutLinks)) {
      List<String> p = new ArrayList<>(pair);
      Host a = host(p.get(0));
      Host b = host(p.get(1));
      cutLinks.remove(pair);
      if (!a.powered || !b.powered) continue; // cut off until its power returns
      applyCut(a, b, false);
      applyCut(b, a, false);
    }
    for (Host h : hosts.values()) h.isolationAddressesCut = false;
  }

  /**
   * Whether {@code observer}'s Pekko cluster has told {@code holder} that it cannot reach {@code subject}: Pekko keeps
   * such an observation until the observer says otherwise or leaves the cluster.
   */
  public boolean holdsObservation(String holder, String observer, String subject) {
    var reachability = org.apache.pekko.cluster.Cluster.get(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(host(holder).system)).readView().reachability();
    var observers = reachability.observersGroupedByUnreachable();
    var subjectAddress = host(subject).address();
    var observerAddress = host(observer).address();
    return scala.jdk.javaapi.CollectionConverters.asJava(observers).entrySet().stream()
        .anyMatch(e -> e.getKey().address().equals(subjectAddress)
            && scala.jdk.javaapi.CollectionConverters.asJava(e.getValue()).stream()
                .anyMatch(o -> o.address().equals(observerAddress)));
  }

  private void cutLink(Host a, Host b) {
    cutLinks.add(Set.of(a.id, b.id));
    applyCut(a, b, true);
    applyCut(b, a, true);
  }

  private static void applyCut(Host from, Host to, boolean cut) {
    ActorSystem<?> sys = from.system;
    if (sys == null || sys.whenTerminated().isCompleted()) return;
    if (cut) LinkCutter.cut(sys, to.address()); else LinkCutter.restore(sys, to.address());
  }

  // ---- observation and operation

  // every ask below waits with its own timeout too: an actor system that terminated meanwhile never times out an ask

  /** Ground truth: every VM and the powered hosts whose hypervisor runs it. */
  public Map<String, List<String>> running() {
    Map<String, List<String>> at = new TreeMap<>();
    for (Host h : hosts.values()) {
      if (!h.powered) continue;
      for (String vm : h.hypervisor.runningNames()) at.computeIfAbsent(vm, k -> new ArrayList<>()).add(h.id);
    }
    return at;
  }

  /**
   * Every power-on so far that started a VM while another host ran it ({@code at vm started at host while running
   * at [hosts]}), however briefly the two runs overlapped: {@link #doubles} only sees an overlap while it lasts.
   */
  public List<String> doubleStarts() {
    return List.copyOf(doubleStarts);
  }

  /** VMs running on more than one host right now. */
  public Map<String, List<String>> doubles() {
    Map<String, List<String>> d = new TreeMap<>();
    running().forEach((vm, on) -> { if (on.size() > 1) d.put(vm, on); });
    return d;
  }

  public Optional<ElectionFsm.RoleInfo> role(String id, Duration timeout) {
    Host h = host(id);
    ActorSystem<HostSupervisor.Command> sys = h.system;
    if (!h.powered || sys == null || sys.whenTerminated().isCompleted()) return Optional.empty();
    try {
      ActorRef<ElectionFsm.Command> election = AskPattern.<HostSupervisor.Command, ActorRef<ElectionFsm.Command>>ask(
          sys, HostSupervisor.GetElection::new, timeout, sys.scheduler()).toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Optional.of(AskPattern.<ElectionFsm.Command, ElectionFsm.RoleInfo>ask(election, ElectionFsm.GetRole::new,
          timeout, sys.scheduler()).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** The masters among the powered hosts, by host id. */
  public List<String> masters(Duration timeout) {
    List<String> m = new ArrayList<>();
    for (Host h : hosts.values()) {
      role(h.id, timeout).filter(r -> r.role() == Role.MASTER).ifPresent(r -> m.add(h.id));
    }
    return m;
  }

  public Optional<ClusterStatus> status(String masterId, Duration timeout) {
    Optional<ElectionFsm.RoleInfo> r = role(masterId, timeout);
    if (r.isEmpty() || r.get().coordinator().isEmpty()) return Optional.empty();
    ActorSystem<HostSupervisor.Command> sys = host(masterId).system;
    try {
      return Optional.of(AskPattern.<MasterCoordinator.Command, ClusterStatus>ask(r.get().coordinator().get(),
          MasterCoordinator.GetStatus::new, timeout, sys.scheduler()).toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Powers a VM on under protection through the given master, with its configured protection; the answer. */
  public OperationResult powerOn(String masterId, VmSpec vm, String host, Duration timeout)
      throws Exception {
    return powerOn(masterId, vm, host, null, timeout);
  }

  /** Powers a VM on with this protection (null: its configured one) through the given master; the answer. */
  public OperationResult powerOn(
      String masterId, VmSpec vm, String host, VmProtection protection, Duration timeout) throws Exception {
    return askMaster(masterId, ref -> new MasterCoordinator.PowerOnVm(vm, Optional.ofNullable(host),
        Optional.ofNullable(protection), ref), timeout);
  }

  /** An operator's power-off through the given master; the answer. */
  public OperationResult powerOff(String masterId, String vm, Duration timeout) throws Exception {
    return askMaster(masterId, ref -> new MasterCoordinator.PowerOffVm(vm, ref), timeout);
  }

  /** An operator's other change ({@link Operation}) through the given master; the answer. */
  public OperationResult operate(String masterId, Operation operation, Duration timeout)
      throws Exception {
    return askMaster(masterId, ref -> new MasterCoordinator.Operate(operation, ref), timeout);
  }

  /** An operator ({@code by}) asks the given master for a host to enter or exit maintenance; the answer. */
  public OperationResult maintenance(
      String masterId, String host, boolean enter, String by, Duration timeout) throws Exception {
    return askMaster(masterId, ref -> new MasterCoordinator.SetMaintenance(host, enter, by, ref), timeout);
  }

  private OperationResult askMaster(
      String masterId, Function<ActorRef<OperationResult>, MasterCoordinator.Command> request,
      Duration timeout) throws Exception {
    ElectionFsm.RoleInfo r = role(masterId, timeout).orElseThrow(() -> new IllegalStateException(masterId + " is down"));
    ActorRef<MasterCoordinator.Command> coordinator =
        r.coordinator().orElseThrow(() -> new IllegalStateException(masterId + " is not master"));
    ActorSystem<HostSupervisor.Command> sys = host(masterId).system;
    return AskPattern.ask(coordinator, request::apply, timeout, sys.scheduler()).toCompletableFuture()
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Every host's events, in time order. */
  public List<HaEvent> allEvents() {
    List<HaEvent> all = new ArrayList<>();
    for (Host h : hosts.values()) all.addAll(h.events());
    all.sort((a, b) -> a.at().compareTo(b.at()));
    return all;
  }

  /** Whether every powered host's actor system is a cluster member that is Up. */
  public boolean allUp() {
    for (Host h : hosts.values()) {
      if (!h.powered) continue;
      if (h.system == null || Cluster.get(h.system).selfMember().status() != org.apache.pekko.cluster.MemberStatus.up()) return false;
    }
    return true;
  }

  /**
   * Whether the powered hosts form one cluster: every powered host sees every other powered host's agent as an Up
   * member and none as unreachable.
   */
  public boolean oneMembership() {
    List<Host> up = hosts.values().stream().filter(h -> h.powered).toList();
    for (Host h : up) {
      ActorSystem<?> sys = h.system;
      if (sys.whenTerminated().isCompleted()) return false;
      var state = Cluster.get(sys).state();
      if (!state.getUnreachable().isEmpty()) return false;
      Set<org.apache.pekko.actor.Address> members = new java.util.HashSet<>();
      for (var m : state.getMembers()) {
        if (m.status() == org.apache.pekko.cluster.MemberStatus.up()) members.add(m.address());
      }
      for (Host o : up) if (!members.contains(o.address())) return false;
    }
    return true;
  }

  @Override
  public void close() {
    closing = true;
    for (Host h : hosts.values()) {
      ActorSystem<?> sys;
      synchronized (h) { // a boot in progress (a power back) sets its system first
        sys = h.system;
      }
      if (sys != null) sys.terminate();
    }
    for (Host h : hosts.values()) {
      ActorSystem<?> sys = h.system;
      if (sys != null) sys.getWhenTerminated().toCompletableFuture().join();
    }
  }

  private static List<Integer> freePorts(int n) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) sockets.add(new ServerSocket(0));
      List<Integer> ports = new ArrayList<>();
      for (ServerSocket s : sockets) ports.add(s.getLocalPort());
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // the port is free either way
        }
      }
    }
  }
}
