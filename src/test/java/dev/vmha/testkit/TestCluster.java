package dev.vmha.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.ElectionFsm.Role;
import dev.vmha.election.ElectionFsm.RoleInfo;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.host.Agent;
import dev.vmha.host.Drivers;
import dev.vmha.host.HostSupervisor;
import dev.vmha.hypervisor.InMemoryHypervisor;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Creator;
import org.apache.pekko.japi.function.Function;

/**
 * N vmha agents in one JVM: one real Pekko actor system per host, joined into one real cluster over Artery TCP on
 * 127.0.0.1, each started through {@link Agent#start} with simulated I/O boundaries: an {@link InMemoryHypervisor}
 * per host, shared {@link DirectoryDatastore}s (directories every host sees), and one {@link SimulatedPinger}.
 *
 * <p>Both of a host's pingers (management addresses, isolation addresses) are {@link SimulatedPinger#from} that host.
 *
 * <p>What a failure test needs: ground truth of where VMs run ({@link #runningVms()}), checked for double runs at
 * every poll of {@link #await} and by a background sampler; the hosts' roles (asked from the election FSMs); the
 * master's status and operator power-ons; and faults: {@link #crash} (power loss: VMs stop, pings go unanswered,
 * the agent's actor system dies without leaving the cluster). Network faults are for later; they plug into the
 * pinger ({@link SimulatedPinger#setLinkUp}) and the per-host Pekko config ({@link Builder#pekkoConfig}).
 *
 * <p>Every wait is bounded and scaled by {@code pekko.test.timefactor} (through the TestKit settings of an
 * observer actor system that belongs to no cluster). {@link #close()} tears every actor system down.
 */
public final class TestCluster implements AutoCloseable {

  /** Short timings: a crash is judged within seconds. Overridable per cluster with {@link Builder#settings}. */
  public static final String FAST_TIMINGS = """
      das.failuredetectioninterval = 200ms
      das.config.fdm.hostTimeout = 2s
      das.config.fdm.icmpPingTimeout = 500ms
      das.config.fdm.deadIcmpPingInterval = 2s
      das.usedefaultisolationaddress = false
      das.isolationaddress1 = "127.0.0.1"
      vmha.election.window = 1s
      # ignored: the cluster passes its own SimulatedPinger
      vmha.ping.method = "icmp"
      vmha.hypervisor.type = "in-memory"
      vmha.host.memory-mb = 4096
      """;

  /** A crash is not a graceful leave: terminating a host's actor system must not make it leave the cluster. */
  private static final Config CRASH_ON_TERMINATE =
      ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-actor-system-terminate = off");

  /**
   * Joining quickly. A seed contacted before its actor system is up refuses the connection, and a Join whose Welcome
   * is lost that way is retried only after retry-unsuccessful-join-after (10 s by default): that alone would add ten
   * seconds to a test.
   */
  public static final String FAST_JOIN = """
      pekko.cluster.seed-node-timeout = 2s
      pekko.cluster.retry-unsuccessful-join-after = 2s
      """;

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration POWER_ON_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration TERMINATION_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final Duration SAMPLE_INTERVAL = Duration.ofMillis(20);
  private static final Object ABORTED = new Object();

  /** One host: its agent's actor system and its simulated boundaries. */
  public static final class Host {
    private final String id;
    private final HaSettings settings;
    private final InMemoryHypervisor hypervisor;
    private final EventLog events;
    private final PingTarget management;
    private volatile ActorSystem<HostSupervisor.Command> system;
    private volatile boolean live;
    private volatile ActorRef<ElectionFsm.Command> election;

    private Host(String id, HaSettings settings, EventLog events) {
      this.id = id;
      this.settings = settings;
      this.hypervisor = new InMemoryHypervisor(id);
      this.events = events;
      this.management = new PingTarget(settings.hostAddress(), settings.httpPort());
    }

    public String id() {
      return id;
    }

    public HaSettings settings() {
      return settings;
    }

    public InMemoryHypervisor hypervisor() {
      return hypervisor;
    }

    public EventLog events() {
      return events;
    }

    /** The address the master pings: 127.0.0.1 and the host's (fake, distinct) HTTP port. */
    public PingTarget management() {
      return management;
    }

    public ActorSystem<HostSupervisor.Command> system() {
      return system;
    }

    /** Started and not crashed. */
    public boolean isLive() {
      return live;
    }

    @Override
    public String toString() {
      return id + (live ? "" : "(down)");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private int hosts = 4;
    private Path workDir;
    private final List<Path> datastores = new ArrayList<>();
    private Config settings = ConfigFactory.empty();
    private Config pekko;
    private int firstManagementPort = 40001;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Hosts host1..hostN. */
    public Builder hosts(int n) {
      if (n < 1) throw new IllegalArgumentException("at least one host");
      this.hosts = n;
      return this;
    }

    /** Where each host's data-dir is created (required). */
    public Builder workDir(Path dir) {
      this.workDir = dir;
      return this;
    }

    /** Shared datastore directories (existing), given to every host in this order. */
    public Builder datastores(Path... dirs) {
      datastores.addAll(List.of(dirs));
      return this;
    }

    /** vmha/das settings for every host, over {@link #FAST_TIMINGS} and the shipped defaults. */
    public Builder settings(String hocon) {
      this.settings = ConfigFactory.parseString(hocon).withFallback(settings);
      return this;
    }

    /**
     * Pekko config for every host, over {@link #FAST_JOIN} and application-test.conf (e.g. to tune the transport in
     * fault tests). What {@link Agent#pekkoConfig} derives from the settings (address, seeds, roles, failure
     * detector) takes precedence.
     */
    public Builder pekkoConfig(Config overrides) {
      this.pekko = overrides.withFallback(pekko == null ? ConfigFactory.empty() : pekko);
      return this;
    }

    /**
     * The fake management (HTTP) port of host1; hostN gets this + N - 1. Nothing listens there: the HTTP API is not
     * started; the ports only tell the hosts apart for the {@link SimulatedPinger}.
     */
    public Builder firstManagementPort(int port) {
      this.firstManagementPort = port;
      return this;
    }

    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /**
     * Starts the hosts and returns at once (the cluster forms in the background: see {@link #awaitFormed}). The
     * cluster ports are chosen free just before; if one was taken meanwhile, the whole cluster is started again on
     * other ports.
     */
    public TestCluster start() {
      if (workDir == null) throw new IllegalStateException("workDir is required");
      for (int attempt = 1; ; attempt++) {
        try {
          return new TestCluster(this);
        } catch (RuntimeException e) {
          if (attempt >= 3 || !causedByBind(e)) throw e;
        }
      }
    }

    private static boolean causedByBind(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        // Artery reports a taken port as a RemoteTransportException whose message names the BindException
        if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("BindException")) {
          return true;
        }
      }
      return false;
    }
  }

  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private final SimulatedPinger pinger = new SimulatedPinger();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final ActorTestKit observer;
  private final TestProbe<Object> probe;
  private final Cancellable sampler;

  private TestCluster(Builder b) {
    observer = ActorTestKit.create("observer", ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(ConfigFactory.load("application-test")));
    probe = observer.createTestProbe();
    Config pekkoBase = CRASH_ON_TERMINATE
        .withFallback(b.pekko == null ? ConfigFactory.empty() : b.pekko)
        .withFallback(ConfigFactory.parseString(FAST_JOIN))
        .withFallback(ConfigFactory.load("application-test"));
    try {
      List<Integer> ports = freePorts(b.hosts);
      List<String> seeds = ports.subList(0, Math.min(2, ports.size())).stream().map(p -> "127.0.0.1:" + p).toList();
      List<String> datastorePaths = b.datastores.stream().map(Path::toString).toList();
      for (int i = 0; i < b.hosts; i++) {
        String id = "host" + (i + 1);
        int mgmtPort = b.firstManagementPort + i;
        Path dataDir = Files.createDirectories(b.workDir.resolve(id));
        Config hostConfig = ConfigFactory.empty()
            .withValue("vmha.host.id", ConfigValueFactory.fromAnyRef(id))
            .withValue("vmha.host.address", ConfigValueFactory.fromAnyRef("127.0.0.1"))
            .withValue("vmha.host.port", ConfigValueFactory.fromAnyRef(ports.get(i)))
            .withValue("vmha.host.http-port", ConfigValueFactory.fromAnyRef(mgmtPort))
            .withValue("vmha.host.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
            .withValue("vmha.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
            .withValue("vmha.datastores", ConfigValueFactory.fromIterable(datastorePaths));
        HaSettings s = HaSettings.from(hostConfig.withFallback(b.settings)
            .withFallback(ConfigFactory.parseString(FAST_TIMINGS)).withFallback(HaSettings.defaults()).resolve());
        Host h = new Host(id, s, EventLog.inMemory());
        pinger.register(id, mgmtPort);
        hosts.put(id, h);
      }
      // all at once: a seed that is not up yet when another contacts it costs a join retry
      ExecutorService starter = Executors.newFixedThreadPool(hosts.size());
      try {
        List<Future<?>> started = new ArrayList<>();
        for (Host h : hosts.values()) {
          started.add(starter.submit(() -> {
            h.system = Agent.start(h.settings, io -> drivers(h, b.datastores, io), h.events, b.clock, pekkoBase);
            h.live = true;
          }));
        }
        for (Future<?> f : started) f.get();
      } finally {
        starter.shutdown();
      }
    } catch (ExecutionException e) {
      close();
      throw new IllegalStateException("a host did not start: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the hosts", e);
    } catch (IOException | RuntimeException e) {
      close();
      if (e instanceof IOException io) throw new UncheckedIOException(io);
      throw (RuntimeException) e;
    }
    sampler = observer.system().scheduler().scheduleAtFixedRate(Duration.ZERO, SAMPLE_INTERVAL, this::runningVms,
        observer.system().executionContext());
  }

  private Drivers drivers(Host h, List<Path> datastoreDirs, java.util.concurrent.Executor io) {
    List<Datastore> ds = datastoreDirs.stream().<Datastore>map(p -> new DirectoryDatastore(p, io)).toList();
    Pinger ping = pinger.from(h.id);
    return new Drivers(h.hypervisor, ds, ping, ping);
  }

  /** Ports free right now, distinct (all held open at once while chosen). */
  private static List<Integer> freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) sockets.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) s.close();
    }
  }

  // ---- hosts

  public SimulatedPinger pinger() {
    return pinger;
  }

  public List<String> hostIds() {
    return List.copyOf(hosts.keySet());
  }

  public Host host(String id) {
    Host h = hosts.get(id);
    if (h == null) throw new IllegalArgumentException("no host " + id + " in " + hosts.keySet());
    return h;
  }

  public List<String> liveHostIds() {
    return hosts.values().stream().filter(Host::isLive).map(Host::id).toList();
  }

  public InMemoryHypervisor hypervisor(String id) {
    return host(id).hypervisor();
  }

  public EventLog events(String id) {
    return host(id).events();
  }

  /** The recent events of one host of a type, oldest first. */
  public <E extends HaEvent> List<E> events(String id, Class<E> type) {
    return events(id).recent().stream().filter(type::isInstance).map(type::cast).toList();
  }

  // ---- ground truth and safety

  /**
   * Ground truth: every VM running on a live host's hypervisor, and where (host ids in host order). Every call also
   * checks the safety invariant (no VM on two hosts) and records any violation for {@link #safetyViolations()}.
   */
  public Map<String, List<String>> runningVms() {
    Map<String, List<String>> where = new TreeMap<>();
    for (Host h : hosts.values()) {
      if (!h.isLive()) continue;
      for (String vm : h.hypervisor.runningNames()) where.computeIfAbsent(vm, k -> new ArrayList<>()).add(h.id);
    }
    where.forEach((vm, at) -> {
      if (at.size() > 1) violations.add(vm + " running on " + at + " at once (seen " + java.time.Instant.now() + ")");
    });
    return where;
  }

  /** Every double run seen so far, by any ground-truth read (the polls of {@link #await}, the sampler). */
  public List<String> safetyViolations() {
    return List.copyOf(violations);
  }

  public void assertSafe() {
    if (!violations.isEmpty()) throw new AssertionError("a VM ran on two hosts at once: " + violations);
  }

  // ---- waiting

  /** {@code d} scaled by pekko.test.timefactor. */
  public Duration dilated(Duration d) {
    return observer.testKitSettings().dilated(d);
  }

  /**
   * Polls {@code condition} until it returns without throwing, for at most {@code max} (scaled by the time factor;
   * the last failure is thrown then). Ground truth is checked for double runs at every poll: a violation ends the
   * wait at once with an AssertionError naming it.
   */
  public <A> A await(Duration max, Creator<A> condition) {
    Object result = probe.awaitAssert(max, POLL_INTERVAL, () -> {
      runningVms();
      if (!violations.isEmpty()) return ABORTED;
      return condition.create();
    });
    assertSafe();
    @SuppressWarnings("unchecked")
    A a = (A) result;
    return a;
  }

  public void await(Duration max, Runnable condition) {
    await(max, () -> {
      condition.run();
      return Boolean.TRUE;
    });
  }

  /** Waits until every VM named runs exactly once on the live hosts; returns where each runs. */
  public Map<String, String> awaitEachRunningOnce(Collection<String> vms, Duration max) {
    return await(max, () -> {
      Map<String, List<String>> truth = runningVms();
      Map<String, String> at = new TreeMap<>();
      List<String> wrong = new ArrayList<>();
      for (String vm : vms) {
        List<String> hs = truth.getOrDefault(vm, List.of());
        if (hs.size() == 1) at.put(vm, hs.get(0));
        else wrong.add(vm + "@" + hs);
      }
      if (!wrong.isEmpty()) throw new AssertionError("not running exactly once: " + wrong + "; truth " + truth);
      return at;
    });
  }

  /**
   * Waits until exactly one live host is MASTER and every other live host is its SLAVE and knows its coordinator;
   * returns the master's id.
   */
  public String awaitSingleMaster(Duration max) {
    return await(max, () -> {
      Map<String, RoleInfo> roles = roles();
      List<String> masters = roles.values().stream().filter(r -> r.role() == Role.MASTER).map(RoleInfo::hostId)
          .toList();
      if (masters.size() != 1) throw new AssertionError("expected one master, roles " + describe(roles));
      String m = masters.get(0);
      for (RoleInfo r : roles.values()) {
        if (r.hostId().equals(m)) continue;
        if (r.role() != Role.SLAVE || !m.equals(r.master()) || r.coordinator() == null) {
          throw new AssertionError("expected every other host to be a slave of " + m + ", roles " + describe(roles));
        }
      }
      return m;
    });
  }

  /**
   * Waits for one master whose status shows every live host ALIVE and reporting (so it can place VMs on all of
   * them), and that has read the protected list; returns the master's id.
   */
  public String awaitFormed(Duration max) {
    String master = awaitSingleMaster(max);
    await(max, () -> {
      ClusterStatus st = status(master);
      Map<String, ClusterStatus.HostStatus> byId = new TreeMap<>();
      st.hosts().forEach(h -> byId.put(h.id(), h));
      for (String id : liveHostIds()) {
        ClusterStatus.HostStatus h = byId.get(id);
        if (h == null || !h.verdict().equals("ALIVE") || h.memoryMb() == 0) {
          throw new AssertionError(master + " does not see " + id + " alive and reporting: " + st.hosts());
        }
      }
    });
    return master;
  }

  // ---- asking the agents

  /** The host's role, from its election FSM. */
  public RoleInfo role(String hostId) {
    Host h = liveHost(hostId);
    return ask(h, election(h), ElectionFsm.GetRole::new, ASK_TIMEOUT);
  }

  /** The role of every live host. */
  public Map<String, RoleInfo> roles() {
    Map<String, RoleInfo> roles = new TreeMap<>();
    for (String id : liveHostIds()) roles.put(id, role(id));
    return roles;
  }

  /** The master's view, asked through {@code viaHost}'s knowledge of its master. */
  public ClusterStatus status(String viaHost) {
    Host h = liveHost(viaHost);
    return ask(h, coordinatorKnownTo(viaHost), MasterCoordinator.GetStatus::new, ASK_TIMEOUT);
  }

  /** Powers a VM on under HA protection where the master places it: one request, no retry. */
  public MasterCoordinator.OperationResult powerOn(VmSpec vm) {
    return powerOn(vm, null);
  }

  /** Powers a VM on under HA protection at {@code host}, or where the master places it (null). */
  public MasterCoordinator.OperationResult powerOn(VmSpec vm, String host) {
    String via = liveHostIds().stream().filter(id -> role(id).coordinator() != null).findFirst()
        .orElseThrow(() -> new AssertionError("no live host knows a master"));
    return ask(liveHost(via), coordinatorKnownTo(via),
        (ActorRef<MasterCoordinator.OperationResult> r) -> new MasterCoordinator.PowerOnVm(vm, host, r),
        POWER_ON_TIMEOUT);
  }

  private ActorRef<MasterCoordinator.Command> coordinatorKnownTo(String hostId) {
    RoleInfo r = role(hostId);
    if (r.coordinator() == null) throw new AssertionError(hostId + " knows no master coordinator: " + r.role());
    return r.coordinator();
  }

  private ActorRef<ElectionFsm.Command> election(Host h) {
    ActorRef<ElectionFsm.Command> e = h.election;
    if (e == null) {
      // the FSM is restarted in place by its supervisor, so its ref stays valid for the host's lifetime
      e = ask(h, h.system, HostSupervisor.GetElection::new, ASK_TIMEOUT);
      h.election = e;
    }
    return e;
  }

  /** Asks from the host's own actor system; bounded by {@code timeout} (scaled by the time factor). */
  private <Req, Res> Res ask(Host h, RecipientRef<Req> to, Function<ActorRef<Res>, Req> message, Duration timeout) {
    Duration t = dilated(timeout);
    try {
      return AskPattern.ask(to, message, t, h.system.scheduler()).toCompletableFuture()
          .get(t.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new AssertionError("no answer within " + t.toMillis() + " ms from " + to + " (asked at " + h.id + "): "
          + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while asking " + to, e);
    }
  }

  private Host liveHost(String id) {
    Host h = host(id);
    if (!h.isLive()) throw new IllegalStateException(id + " is down");
    return h;
  }

  private static String describe(Map<String, RoleInfo> roles) {
    List<String> parts = new ArrayList<>();
    roles.values().forEach(r -> parts.add(r.hostId() + "=" + r.role() + (r.master() == null ? "" : "(" + r.master()
        + (r.coordinator() == null ? ", no coordinator" : "") + ")")));
    return parts.toString();
  }

  // ---- faults

  /**
   * The host loses power: its VMs stop, its management address stops answering ping, and its agent dies without
   * leaving the cluster (its actor system is terminated without coordinated shutdown). Returns once the actor
   * system has terminated.
   */
  public void crash(String hostId) {
    Host h = liveHost(hostId);
    h.live = false;
    pinger.setPowered(hostId, false);
    h.hypervisor.powerLoss();
    h.system.terminate();
    awaitTermination(h);
  }

  private void awaitTermination(Host h) {
    Duration t = dilated(TERMINATION_TIMEOUT);
    try {
      h.system.getWhenTerminated().toCompletableFuture().get(t.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(h.id + "'s actor system did not terminate within " + t.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while terminating " + h.id, e);
    }
  }

  /** Terminates every host's actor system (also those that failed to start fully) and the observer. */
  @Override
  public void close() {
    if (sampler != null) sampler.cancel();
    RuntimeException failure = null;
    List<Host> toStop = new ArrayList<>();
    for (Host h : hosts.values()) {
      if (h.system == null) continue;
      h.live = false;
      h.system.terminate();
      toStop.add(h);
    }
    for (Host h : toStop) {
      try {
        awaitTermination(h);
      } catch (RuntimeException e) {
        if (failure == null) failure = e;
        else failure.addSuppressed(e);
      }
    }
    try {
      observer.shutdownTestKit();
    } catch (RuntimeException e) {
      if (failure == null) failure = e;
      else failure.addSuppressed(e);
    }
    if (failure != null) throw failure;
  }
}
