package dev.vmha.sim;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.lab.LabBounds;
import dev.vmha.master.MasterInput;
import dev.vmha.master.RequestId;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The deterministic simulation (issue 21 item 5, after FoundationDB's and TigerBeetle's): N hosts running the real
 * election and master machines ({@link SimHost}), wired through a simulated network ({@link SimNetwork}), datastores
 * ({@link SimDatastores}), hypervisors and clocks ({@link SimClock}), all driven by one seeded {@link EventQueue}:
 * no thread, no wall clock, no iteration over a hash order, so a seed replays bit for bit (the trace hash says so).
 * The faults ({@link Fault}) come from the seed too; {@link Invariants} are checked after every event.
 *
 * <p>A step is one failure-detection interval of virtual time. Faults begin during the {@code steps}; all are healed
 * by the last one; the run goes on for the documented bound after a heal ({@link LabBounds#afterHeal}) and then
 * every protected VM must run.
 */
public final class Simulation {

  /**
   * One run's shape: {@code hosts} hosts and {@code vms} protected VMs; a fault begins in a step with probability
   * {@code faultsPerStep} and lasts up to {@code maxFaultSteps}; {@code response}: the isolation response;
   * {@code datastores}: how many heartbeat datastores (0: the majority of the membership decides, and the protected
   * list lives only in the agents' memory); {@code coldStartWait}: how long a starting agent waits for ballots.
   */
  public record Setup(long seed, int hosts, int vms, int steps, double faultsPerStep, int maxFaultSteps,
      IsolationResponse response, int datastores, Duration electionWindow, Duration coldStartWait) {
    /** The hosts' election window unless a setup says otherwise: the one the simulator ran with until session 12. */
    static final Duration WINDOW = Duration.ofSeconds(3);
    /** The cold-start wait unless a setup says otherwise (the shipped default is 60 s: runs stay short). */
    static final Duration COLD_START_WAIT = Duration.ofSeconds(10);

    public Setup {
      if (hosts < 2 || hosts > 9) throw new IllegalArgumentException("hosts: 2..9, not " + hosts);
      if (vms < 1) throw new IllegalArgumentException("vms: 1 or more, not " + vms);
      if (steps < 1) throw new IllegalArgumentException("steps: 1 or more, not " + steps);
      if (datastores < 0 || datastores > 9) throw new IllegalArgumentException("datastores: 0..9, not " + datastores);
    }

    /** With the usual cold-start wait. */
    public Setup(long seed, int hosts, int vms, int steps, double faultsPerStep, int maxFaultSteps,
        IsolationResponse response, int datastores, Duration electionWindow) {
      this(seed, hosts, vms, steps, faultsPerStep, maxFaultSteps, response, datastores, electionWindow,
          COLD_START_WAIT);
    }

    /** With the usual election window. */
    public Setup(long seed, int hosts, int vms, int steps, double faultsPerStep, int maxFaultSteps,
        IsolationResponse response, int datastores) {
      this(seed, hosts, vms, steps, faultsPerStep, maxFaultSteps, response, datastores, WINDOW);
    }

    /** With two heartbeat datastores. */
    public Setup(long seed, int hosts, int vms, int steps, double faultsPerStep, int maxFaultSteps,
        IsolationResponse response) {
      this(seed, hosts, vms, steps, faultsPerStep, maxFaultSteps, response, 2);
    }

    /**
     * The shape the CI test and the bench use for a seed: 3 to 5 hosts, 2 VMs a host, both isolation responses, two
     * datastores or, for one seed in four, none (the majority of the membership decides; the list lives only in the
     * agents' memory) and then an election window drawn across what the settings allow
     * ({@link #withDrawnElectionWindow}). Drawn after the rest of the shape, so a seed with datastores keeps the run it
     * had before.
     */
    public static Setup of(long seed, int steps) {
      Random r = new Random(seed);
      int hosts = 3 + r.nextInt(3);
      IsolationResponse response = r.nextBoolean() ? IsolationResponse.LEAVE_POWERED_ON : IsolationResponse.POWER_OFF;
      Setup s = new Setup(seed, hosts, 2 * hosts, steps, 0.06, 30, response, r.nextInt(4) == 0 ? 0 : 2);
      return s.datastores() == 0 ? s.withDrawnElectionWindow() : s;
    }

    /**
     * The same shape with {@code n} datastores; with some, the usual election window (a window drawn for a seed
     * without them does not carry over, so {@code Setup.of(s, k).withDatastores(2)} keeps the run it always had).
     */
    public Setup withDatastores(int n) {
      return new Setup(seed, hosts, vms, steps, faultsPerStep, maxFaultSteps, response, n,
          n > 0 ? WINDOW : electionWindow, coldStartWait);
    }

    /** The same shape with this election window. */
    public Setup withElectionWindow(Duration w) {
      return new Setup(seed, hosts, vms, steps, faultsPerStep, maxFaultSteps, response, datastores, w, coldStartWait);
    }

    /** The same shape with this cold-start wait. */
    public Setup withColdStartWait(Duration wait) {
      return new Setup(seed, hosts, vms, steps, faultsPerStep, maxFaultSteps, response, datastores, electionWindow,
          wait);
    }

    /**
     * The same shape with an election window drawn from the seed across what the settings allow without datastores:
     * from half an interval up to {@code TimingRules.electionWindowLimit} (exclusive), in steps of 100 ms.
     */
    public Setup withDrawnElectionWindow() {
      HaSettings s = settings(this, 1);
      long from = s.failureDetectionInterval().toMillis() / 2;
      long limit = dev.vmha.timing.TimingRules.electionWindowLimit(s.hostTimeout(), s.failureDetectionInterval())
          .toMillis();
      long steps = (limit - 1 - from) / 100 + 1;
      return withElectionWindow(Duration.ofMillis(from + 100 * new Random(~seed).nextLong(steps)));
    }

    /** The same shape without datastores. */
    public Setup withoutDatastores() {
      return withDatastores(0);
    }

    /** The datastores' names: ds1, ds2, ... */
    List<String> datastoreNames() {
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= datastores; i++) names.add("ds" + i);
      return names;
    }
  }

  /**
   * How a run went: the events run, the virtual time, the hash of its trace, its faults, the first violation if any,
   * and the trace itself when it was kept.
   */
  public record Result(Setup setup, long events, long virtualMs, long traceHash, List<Fault> faults,
      Optional<String> violation, int excused, List<String> trace) {
    public boolean ok() {
      return violation.isEmpty();
    }

    public String summary() {
      return "seed " + setup.seed() + " (" + setup.hosts() + " hosts, " + setup.vms() + " VMs, "
          + (setup.datastores() == 0 ? "no datastores, " : "") + setup.steps()
          + " steps, " + faults.size() + " faults, " + events + " events, " + virtualMs / 1000 + " s virtual): "
          + violation.orElse("ok") + ", trace " + Long.toHexString(traceHash);
    }
  }

  /** How often an operator asks to power a VM on or off, per step. */
  private static final double OPERATOR_REQUESTS_PER_STEP = 0.02;
  private static final Map<String, HaSettings> SETTINGS = new HashMap<>();
  private static final Map<String, Duration> BOUNDS = new HashMap<>();

  private final Setup setup;
  private final Random random;
  private final SimClock clock = new SimClock();
  private final EventQueue queue = new EventQueue();
  private final SimNetwork network;
  private final SimDatastores datastores;
  private final Map<String, SimHost> hosts = new TreeMap<>();
  private final List<SimHost> hostList = new ArrayList<>();
  private final Invariants invariants = new Invariants(this);
  private final Optional<List<String>> trace;
  private long hash = 0xcbf29ce484222325L;
  private long events;
  private long requests;

  private Simulation(Setup setup, boolean keepTrace) {
    this.setup = setup;
    this.random = new Random(setup.seed() * 0x9E3779B97F4A7C15L + 1);
    this.network = new SimNetwork(random);
    this.datastores = new SimDatastores(setup.datastoreNames());
    this.trace = keepTrace ? Optional.of(new ArrayList<>()) : Optional.empty();
  }

  /** A run of the setup with the faults its seed gives. */
  public static Result run(Setup setup) {
    return run(setup, faults(setup), false);
  }

  /** The faults a setup's seed gives. */
  static List<Fault> faults(Setup s) {
    HaSettings any = settings(s, 1);
    List<String> hosts = new ArrayList<>();
    List<String> vms = new ArrayList<>();
    for (int i = 1; i <= s.hosts(); i++) hosts.add("host" + i);
    for (int i = 1; i <= s.vms(); i++) vms.add("vm" + i);
    long stepMs = any.failureDetectionInterval().toMillis();
    List<Fault> faults = new ArrayList<>(Fault.schedule(new Random(s.seed()), s.steps(), stepMs, s.faultsPerStep(),
        s.maxFaultSteps(), hosts, vms, s.datastoreNames(), any.leaseTiming().clockDriftMax()));
    faults.addAll(Fault.operatorRequests(new Random(~s.seed()), s.steps(), stepMs, OPERATOR_REQUESTS_PER_STEP, vms));
    return faults;
  }

  /** A run of the setup with exactly these faults; {@code keepTrace}: the result carries every trace line. */
  static Result run(Setup setup, List<Fault> faults, boolean keepTrace) {
    Simulation w = new Simulation(setup, keepTrace);
    return w.go(faults);
  }

  /**
   * The smallest run that still fails: faults dropped one by one while the run still fails (with any violation), and
   * its trace kept (it ends at the violation).
   */
  public static Result shrink(Result failed) {
    List<Fault> faults = new ArrayList<>(failed.faults());
    for (int i = faults.size() - 1; i >= 0; i--) {
      List<Fault> fewer = new ArrayList<>(faults);
      fewer.remove(i);
      if (!run(failed.setup(), fewer, false).ok()) faults = fewer;
    }
    return run(failed.setup(), faults, true);
  }

  /** What a failure prints: the seed, its minimal faults and the end of its trace. */
  /** How a setup is written to replay it: by seed where {@link Setup#of} gives it, else in full. */
  static String replayCall(Setup setup) {
    Setup drawn = Setup.of(setup.seed(), setup.steps());
    String of = "Setup.of(" + setup.seed() + "L, " + setup.steps() + ")";
    if (setup.equals(drawn)) return of;
    String window = setup.electionWindow().equals(Setup.WINDOW) ? ""
        : ".withElectionWindow(Duration.ofMillis(" + setup.electionWindow().toMillis() + "))";
    if (setup.equals(drawn.withDatastores(setup.datastores()).withElectionWindow(setup.electionWindow()))) {
      return of + (setup.datastores() == drawn.datastores() ? "" : ".withDatastores(" + setup.datastores() + ")")
          + window;
    }
    return "new Setup(" + setup.seed() + "L, " + setup.hosts() + ", " + setup.vms() + ", " + setup.steps() + ", "
        + setup.faultsPerStep() + ", " + setup.maxFaultSteps() + ", IsolationResponse." + setup.response() + ", "
        + setup.datastores() + ")" + window + (setup.coldStartWait().equals(Setup.COLD_START_WAIT) ? ""
        : ".withColdStartWait(Duration.ofMillis(" + setup.coldStartWait().toMillis() + "))");
  }

  public static String report(Result failed, int lines) {
    Result min = shrink(failed);
    StringBuilder b = new StringBuilder("simulation failed: " + failed.summary() + "\nreplay: Simulation.run("
        + replayCall(failed.setup()) + ")\nminimal: " + min.summary() + "\nfaults:\n");
    min.faults().forEach(f -> b.append("  ").append(f).append('\n'));
    b.append("last ").append(lines).append(" trace lines:\n");
    List<String> t = min.trace();
    t.subList(Math.max(0, t.size() - lines), t.size()).forEach(l -> b.append("  ").append(l).append('\n'));
    return b.toString();
  }

  private Result go(List<Fault> faults) {
    HaSettings first = settings(setup, 1);
    long interval = first.failureDetectionInterval().toMillis();
    long lastHeal = Math.max(setup.steps() * interval, faults.stream().mapToLong(Fault::end).max().orElse(0));
    Duration bound = bound(first);
    long checkAt = lastHeal + bound.toMillis();
    boot();
    for (Fault f : faults) {
      later(f.start(), "fault " + f, () -> f.begin(this));
      if (f.length() > 0) later(f.end(), "heal " + f, () -> f.heal(this));
    }
    int[] excused = {0};
    later(checkAt, "liveness check", () -> excused[0] = invariants.allRunning(protectedVms(),
        bound.toMillis() + " ms"));
    while (invariants.violation().isEmpty()) {
      Optional<EventQueue.Event> e = queue.poll();
      if (e.isEmpty() || e.get().at() > checkAt) break;
      clock.advanceTo(e.get().at());
      events++;
      e.get().action().run();
      invariants.afterEvent();
    }
    invariants.violation().ifPresent(v -> trace("", "VIOLATION " + v));
    return new Result(setup, events, clock.now(), hash, List.copyOf(faults), invariants.violation(), excused[0],
        trace.map(List::copyOf).orElse(List.of()));
  }

  /**
   * The VMs protected at the end: those of the newest readable list (operators may have powered some off), without
   * datastores the newest list an agent holds; none is itself a violation ({@link Invariants#allRunning}).
   */
  private Optional<Set<String>> protectedVms() {
    Optional<ProtectedList> newest = datastores.readList(datastores.names()).newest();
    if (setup.datastores() == 0) {
      for (SimHost h : hostList) {
        Optional<ProtectedList> l = h.list();
        if (l.isPresent() && (newest.isEmpty() || l.get().version() > newest.get().version())) newest = l;
      }
    }
    return newest.map(l -> new TreeSet<>(l.vms().keySet()));
  }

  /**
   * An operator's power-on or power-off, asked at the agent of the first host (in id order) that is master, as the
   * API forwards it; with no master it is not asked (an operator would try again).
   */
  void operatorPower(String vm, boolean on) {
    Optional<SimHost> m = hostList.stream().filter(h -> h.master().isPresent()).findFirst();
    if (m.isEmpty()) {
      trace("", "operator: no master to power " + vm + (on ? " on" : " off"));
      return;
    }
    RequestId request = new RequestId(++requests);
    onHost(m.get(), 0, "operator powers " + vm + (on ? " on" : " off"), () -> {
      invariants.asked(m.get().id, request, vm, on);
      m.get().masterIn(on ? new MasterInput.PowerOn(request, new VmSpec(vm, 1024, 1), Optional.empty(),
          Optional.empty()) : new MasterInput.PowerOff(request, vm));
    });
  }

  /**
   * The documented bound after a heal for these settings: the lab's rule (with no transport to resume), plus the
   * longest wait before a retry, for a VM whose attempt failed during the fault.
   */
  private static Duration bound(HaSettings s) {
    String key = s.failureDetectionInterval() + "/" + s.hostTimeout() + "/" + s.restart();
    synchronized (BOUNDS) {
      return BOUNDS.computeIfAbsent(key, k -> new LabBounds(s, ConfigFactory.load()).afterHeal(Duration.ZERO)
          .plus(s.restart().retryDelay(s.restart().maxVmRestartCount() - 1)));
    }
  }

  /**
   * Every VM starts protected, placed round robin, running with its lease on the datastore; the agents start. Without
   * datastores every agent starts holding the list, as from the beats of a master before the run.
   */
  private void boot() {
    ProtectedList list = ProtectedList.empty("host1");
    Map<String, List<VmSpec>> placed = new TreeMap<>();
    for (int i = 1; i <= setup.hosts(); i++) {
      String id = "host" + i;
      clock.add(id);
      SimHost h = new SimHost(this, id, 2550 + i, settings(setup, i));
      hosts.put(id, h);
      hostList.add(h);
      placed.put(id, new ArrayList<>());
    }
    for (int i = 1; i <= setup.vms(); i++) {
      VmSpec vm = new VmSpec("vm" + i, 1024, 1);
      String host = "host" + (1 + (i - 1) % setup.hosts());
      placed.get(host).add(vm);
      list = list.with(vm, host, VmProtection.defaults(), "host1");
    }
    for (String ds : datastores.names()) datastores.writeList(ds, list);
    for (SimHost h : hostList) {
      if (!datastores.names().isEmpty()) {
        for (VmSpec vm : placed.get(h.id)) datastores.swapLease(Optional.empty(), VmLease.first(vm.name(), h.id,
            clock.instant(h.id)));
      }
      h.boot(placed.get(h.id), datastores.names().isEmpty() ? Optional.of(list) : Optional.empty());
    }
  }

  /** Host {@code i}'s settings for a setup: short election windows, its datastores, a process watchdog. */
  static HaSettings settings(Setup s, int i) {
    StringBuilder seeds = new StringBuilder();
    for (int j = 1; j <= s.hosts(); j++) seeds.append(j > 1 ? ", " : "").append("\"127.0.0.1:").append(2550 + j)
        .append('"');
    StringBuilder paths = new StringBuilder();
    for (String ds : s.datastoreNames()) paths.append(paths.isEmpty() ? "" : ", ").append("\"/sim/").append(ds)
        .append('"');
    String text = "vmha.host.id = host" + i + ", vmha.host.port = " + (2550 + i)
        + ", vmha.cluster.seed-nodes = [" + seeds + "], vmha.datastores = [" + paths + "]"
        + ", das.usedefaultisolationaddress = false, das.isolationaddress1 = \"127.0.0.1\""
        + ", vmha.hypervisor.type = in-memory, vmha.watchdog.type = process"
        + ", vmha.election.window = " + s.electionWindow().toMillis() + "ms"
        + ", vmha.election.cold-start-wait = " + s.coldStartWait().toMillis() + "ms"
        + ", vmha.restart.retry-base-delay = 2s"
        + ", vmha.isolation.response = " + s.response().name().toLowerCase().replace('_', '-');
    synchronized (SETTINGS) {
      return SETTINGS.computeIfAbsent(text, t -> HaSettings.from(
          ConfigFactory.parseString(t).withFallback(HaSettings.defaults()).resolve()));
    }
  }

  // ---- what the hosts, faults and invariants use

  Random random() {
    return random;
  }

  SimClock clock() {
    return clock;
  }

  SimNetwork network() {
    return network;
  }

  SimDatastores datastores() {
    return datastores;
  }

  Invariants invariants() {
    return invariants;
  }

  SimHost host(String id) {
    SimHost h = hosts.get(id);
    if (h == null) throw new IllegalArgumentException("no simulated host " + id + " in " + hosts.keySet());
    return h;
  }

  List<SimHost> hosts() {
    return hostList;
  }

  /** How long a datastore operation takes: well within the configured io-delay-max, so leases stay safe. */
  long ioDelay() {
    return 1 + random.nextInt(200);
  }

  /** A world event (I/O landing, a fault) after {@code delay} global ms. */
  void later(long delay, String what, Runnable r) {
    long at = clock.now() + delay;
    queue.at(at, () -> {
      trace("", what);
      r.run();
    });
  }

  /** An event of the host's current agent. */
  void onHost(SimHost h, long delay, String what, Runnable r) {
    onHost(h, h.incarnation(), delay, what, r);
  }

  /**
   * An event of agent incarnation {@code inc} of the host: dropped if that agent is gone, held until a frozen agent
   * thaws.
   */
  void onHost(SimHost h, int inc, long delay, String what, Runnable r) {
    queue.at(clock.now() + delay, () -> runOnHost(h, inc, what, r));
  }

  private void runOnHost(SimHost h, int inc, String what, Runnable r) {
    if (h.incarnation() != inc || !h.agentUp()) return;
    if (h.frozen()) {
      queue.at(h.frozenUntil(), () -> runOnHost(h, inc, what, r));
      return;
    }
    trace(h.id, what);
    r.run();
  }

  /** A message between agents over the network; it reaches the agent that runs when it arrives, if any. */
  void send(SimHost from, SimHost to, String what, Runnable deliver) {
    for (long d : network.delays(from.id, to.id)) {
      queue.at(clock.now() + d, () -> {
        if (to.agentUp()) runOnHost(to, to.incarnation(), what + " from " + from.id, deliver);
      });
    }
  }

  void emit(String host, HaEvent e) {
    invariants.emitted(host, e);
    trace(host, "event " + e.getClass().getSimpleName() + ": " + e.describe());
  }

  /** A host starts a VM for a master's restart. */
  void starting(String master, String host, String vm) {
    invariants.started(master, host, vm);
  }

  /** A line of the trace: folded into its hash (FNV-1a over the time and the text), kept if asked for. */
  void trace(String host, String what) {
    mix(clock.now());
    mix(host);
    mix(what);
    trace.ifPresent(t -> t.add(clock.now() + " " + host + " " + what));
  }

  private void mix(long v) {
    for (int i = 0; i < 8; i++) {
      hash ^= (v >>> (8 * i)) & 0xff;
      hash *= 0x100000001b3L;
    }
  }

  private void mix(String s) {
    for (int i = 0; i < s.length(); i++) {
      hash ^= s.charAt(i);
      hash *= 0x100000001b3L;
    }
    hash ^= 0xff;
    hash *= 0x100000001b3L;
  }
}
