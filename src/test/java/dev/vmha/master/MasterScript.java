package dev.vmha.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.PowerOnFile;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.datastore.VmLease;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.host.StoppedVm;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.maintenance.MigrationOutcome;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.RestartOutcome;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A script for {@link MasterMachine}: host1 is master of host1..host3 with one datastore ds1, and the script plays
 * the world around it, one interval per {@link #tick}: the datastore round (host1's and, while it beats there, host2's
 * heartbeat counters move), then the network heartbeats of the hosts that still beat. Effects that only need an
 * answer are answered at once (the list read and written, locks written); pings, starts and power-offs wait for the
 * script to answer them. Virtual time and the wall clock both start at 0 and advance together.
 */
final class MasterScript {
  static final VmSpec VM1 = new VmSpec("vm1", 1024, 1);
  static final VmSpec VM2 = new VmSpec("vm2", 2048, 2);
  static final PingTarget HOST2_MGMT = new PingTarget("127.0.0.1", 1);

  /** A ping out, sent at {@code sentAt} (ms). */
  record Ping(MasterEffect.Ping effect, long sentAt) {}

  final HaSettings settings;
  final MasterConfig config;
  MasterState state;
  /** Every effect so far; {@link #mark} separates the set-up from what a test asserts. */
  final List<MasterEffect> effects = new ArrayList<>();
  private int mark;
  private long clockMs;
  private long lastRequest;

  // the world
  DatastoreView view = DatastoreView.initial(List.of("ds1"));
  private long host1Counter;
  private long host2Counter;
  boolean host2NetBeating = true;
  boolean host3NetBeating = true;
  /** Whether host2's and host3's beats say they hold the master's list as it is when they beat (its replication). */
  boolean slavesHoldTheList = true;
  boolean host2DatastoreBeating = true;
  /** The cluster address host2's datastore heartbeat names (empty: none, as a host that is no member writes). */
  String host2ClusterAddress = "";
  Optional<PowerOnFile> host2PowerOn = Optional.empty();
  List<VmSpec> host1Running = List.of();
  List<VmSpec> host2Running = List.of();
  /** Whether host2's reports say it is fenced (its leases lapsed for a moment). */
  boolean host2Fenced;
  List<VmSpec> host3Running = List.of();
  List<StoppedVm> host2Stopped = List.of();
  long host1MemoryMb = 8192;
  long host3MemoryMb = 2048;
  /** Leases host2 holds on ds1, renewed with its datastore heartbeat. */
  final Map<String, VmLease> host2Leases = new HashMap<>();
  Map<String, String> ds1Corrupt = Map.of();
  /** The list on ds1: what a read returns, and what a write stores. */
  Optional<ProtectedList> stored = Optional.empty();
  /** Whether ds1 takes the list and lock writes; a test makes it fail. */
  boolean listWritesSucceed = true;
  boolean lockWritesSucceed = true;
  /** Whether a list read finds ds1's copy corrupt (none readable). */
  boolean listReadsFail;
  /** Whether list writes are answered at once; else they wait in {@link #heldWrites} for {@link #completeWrites}. */
  boolean answerListWrites = true;
  final Deque<MasterEffect.WriteList> heldWrites = new ArrayDeque<>();
  final List<Ping> pings = new ArrayList<>();
  final Deque<MasterEffect.PersistThenStart> starts = new ArrayDeque<>();
  final Deque<MasterEffect.PowerOff> powerOffs = new ArrayDeque<>();
  final Deque<MasterEffect.Migrate> migrations = new ArrayDeque<>();
  /** Capacity planning runs are answered at once, else held here. */
  boolean answerPlans = true;
  final Deque<MasterEffect.Plan> plans = new ArrayDeque<>();

  MasterScript() {
    this("");
  }

  MasterScript(String overrides) {
    this(overrides, Optional.empty());
  }

  MasterScript(String overrides, Optional<ProtectedList> replica) {
    this(overrides, replica, List.of("ds1"));
  }

  /** With these heartbeat datastores (none: the majority rule decides). */
  MasterScript(String overrides, Optional<ProtectedList> replica, List<String> datastores) {
    settings = HaSettings.from(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseString(
            "vmha.host.id = host1, das.usedefaultisolationaddress = false, das.isolationaddress1 = \"127.0.0.1\","
                + " vmha.hypervisor.type = in-memory, vmha.datastores = ["
                + String.join(", ", datastores.stream().map(d -> "\"/" + d + "\"").toList()) + "]"))
        .withFallback(HaSettings.defaults()).resolve());
    config = new MasterConfig("host1", settings, datastores, replica);
  }

  // ---- driving the machine

  /** The master starts with these known silences; it reads the view it kept (no new round) and the list. */
  MasterScript start(Map<String, Duration> knownSilence) {
    MasterMachine.Step first = MasterMachine.start(config, knownSilence);
    state = first.state();
    answer(first.effects(), false);
    return this;
  }

  /** The master starts, and two rounds pass: it holds ds1's lock and has read the list. */
  MasterScript started() {
    start(Map.of());
    tick();
    tick();
    return this;
  }

  /** One input, and every answer the world gives at once. */
  void in(MasterInput input) {
    drain(new ArrayDeque<>(List.of(input)));
  }

  private void answer(List<MasterEffect> first, boolean round) {
    drain(new ArrayDeque<>(answers(first, round)));
  }

  private void drain(Deque<MasterInput> queue) {
    while (!queue.isEmpty()) {
      MasterInput in = queue.poll();
      long proposed = state.proposal().epoch();
      // without datastores a script's host follows this master: it promised the epoch proposed (ElectionMachine)
      if (in instanceof MasterInput.Beat b && b.promise().equals(ListPromise.NONE) && config.datastores().isEmpty()) {
        in = new MasterInput.Beat(b.report(), b.replica(), b.holds(), new ListPromise(proposed, "host1"));
      }
      MasterMachine.Step s = MasterMachine.step(state, in, Instant.ofEpochMilli(clockMs), config);
      state = s.state();
      queue.addAll(answers(s.effects(), true));
    }
  }

  private List<MasterInput> answers(List<MasterEffect> out, boolean round) {
    effects.addAll(out);
    List<MasterInput> in = new ArrayList<>();
    for (MasterEffect e : out) {
      if (e instanceof MasterEffect.ReadView) {
        if (round) datastoreRound();
        in.add(new MasterInput.ViewRead(view));
      } else if (e instanceof MasterEffect.ReadList) {
        in.add(listReadsFail ? new MasterInput.ListRead(Optional.empty(), List.of("ds1: corrupt protected list"))
            : new MasterInput.ListRead(stored, List.of()));
      } else if (e instanceof MasterEffect.WriteListLock w) {
        in.add(new MasterInput.LockWritten(w.datastore(),
            lockWritesSucceed ? Optional.empty() : Optional.of("ds1 is read-only")));
      } else if (e instanceof MasterEffect.WriteList w) {
        if (answerListWrites) in.add(written(w)); else heldWrites.add(w);
      } else if (e instanceof MasterEffect.Ping p) {
        pings.add(new Ping(p, clockMs));
      } else if (e instanceof MasterEffect.PersistThenStart p) {
        starts.add(p);
      } else if (e instanceof MasterEffect.PowerOff p) {
        powerOffs.add(p);
      } else if (e instanceof MasterEffect.Migrate m) {
        migrations.add(m);
      } else if (e instanceof MasterEffect.Plan p) {
        if (answerPlans) in.add(new MasterInput.Planned(p.version(), CapacityPlan.of(p.cluster(), p.settings())));
        else plans.add(p);
      }
    }
    return in;
  }

  private MasterInput.ListWritten written(MasterEffect.WriteList w) {
    if (listWritesSucceed && !w.datastores().isEmpty()) stored = Optional.of(w.list());
    // without datastores the list goes to this host's disk (MasterIo)
    List<String> failed = config.hasDatastores() ? w.datastores().stream().map(d -> d + ": no space left").toList()
        : List.of(HOST_DISK_FULL);
    return new MasterInput.ListWritten(w.list().version(), w.datastores().size(),
        listWritesSucceed ? List.of() : failed);
  }

  /** How a list write to this host's disk fails, as {@link MasterIo} names it. */
  static final String HOST_DISK_FULL = "this host's disk: cannot write /var/lib/vmha/protected-list:"
      + " java.io.IOException: No space left on device";

  /** The list writes held so far complete. */
  void completeWrites() {
    while (!heldWrites.isEmpty()) in(written(heldWrites.poll()));
  }

  /** One interval: the timer, the datastore round the master asks for, then the heartbeats of the beating hosts. */
  void tick() {
    clockMs += settings.failureDetectionInterval().toMillis();
    in(new MasterInput.Tick());
    in(new MasterInput.Beat(new HostReport("host1", new PingTarget("127.0.0.1", 2), host1MemoryMb, 8, host1Running,
        null, false, List.of(), List.of(), clockMs)));
    if (host2NetBeating) {
      in(new MasterInput.Beat(new HostReport("host2", HOST2_MGMT, 4096, 4, host2Running, null, host2Fenced,
          host2Stopped, List.of(), clockMs), Optional.empty(), holds()));
    }
    if (host3NetBeating) {
      in(new MasterInput.Beat(new HostReport("host3", new PingTarget("127.0.0.1", 3), host3MemoryMb, 2, host3Running,
          null, false, List.of(), List.of(), clockMs), Optional.empty(), holds()));
    }
  }

  private Optional<Long> holds() {
    return slavesHoldTheList && state.loaded() ? Optional.of(state.protectedList().version()) : Optional.empty();
  }

  void ticks(Duration d) {
    for (long i = 0; i < ticksIn(d); i++) tick();
  }

  long ticksIn(Duration d) {
    return d.toMillis() / settings.failureDetectionInterval().toMillis();
  }

  /** One round of the datastores: host1 and, while it beats there, host2 move their counters. */
  void datastoreRound() {
    host1Counter++;
    if (host2DatastoreBeating) host2Counter++;
    Map<String, HostHeartbeat> hbs = new HashMap<>();
    hbs.put("host1", new HostHeartbeat("host1", host1Counter, Instant.EPOCH));
    if (host2Counter > 0) hbs.put("host2", new HostHeartbeat("host2", host2Counter, Instant.EPOCH, host2ClusterAddress));
    Map<String, PowerOnFile> powerOn = new HashMap<>();
    powerOn.put("host2", host2PowerOn.orElse(new PowerOnFile("host2", false, host2Running)));
    if (host2DatastoreBeating) host2Leases.replaceAll((vm, l) -> l.renewed(Instant.EPOCH));
    view = view.next(settings.failureDetectionInterval(),
        Map.of("ds1", new DatastoreScan("ds1", hbs, powerOn, ds1Corrupt, null, Map.copyOf(host2Leases))));
  }

  // ---- answering

  /** Every ping out is answered. */
  void answerPings(boolean answered) {
    List<Ping> out = List.copyOf(pings);
    pings.clear();
    for (Ping p : out) in(new MasterInput.Pinged(p.effect().host(), answered));
  }

  /** The pings out for icmpPingTimeout go unanswered (an ICMP probe of a host without power). */
  void expirePings() {
    for (Ping p : List.copyOf(pings)) {
      if (clockMs - p.sentAt() >= p.effect().timeout().toMillis()) {
        pings.remove(p);
        in(new MasterInput.Pinged(p.effect().host(), false));
      }
    }
  }

  /** The oldest start out: at its first host, started or refused. */
  MasterEffect.PersistThenStart answerStart(boolean ok) {
    MasterEffect.PersistThenStart s = starts.poll();
    assertTrue(s != null, "a start is out: " + since());
    in(new MasterInput.Restarted(ok ? new RestartOutcome.Started(s.vm(), s.hosts().get(0))
        : new RestartOutcome.Refused(s.vm(), s.hosts().get(0) + ": no")));
    return s;
  }

  RequestId powerOn(VmSpec vm, String host, VmProtection protection) {
    RequestId id = new RequestId(++lastRequest);
    in(new MasterInput.PowerOn(id, vm, Optional.ofNullable(host), Optional.of(protection)));
    return id;
  }

  RequestId powerOff(String vm) {
    RequestId id = new RequestId(++lastRequest);
    in(new MasterInput.PowerOff(id, vm));
    return id;
  }

  RequestId operate(Operation operation) {
    RequestId id = new RequestId(++lastRequest);
    in(new MasterInput.Operate(id, operation));
    return id;
  }

  /** An operator ({@code by}) asks for a host to enter or exit maintenance. */
  RequestId maintenance(String host, boolean enter, String by) {
    RequestId id = new RequestId(++lastRequest);
    in(new MasterInput.Maintenance(id, host, enter, by));
    return id;
  }

  /** The oldest migration out from host2 ends: moved (host2 no longer runs the VM, host1 or host3 does), or not. */
  MasterEffect.Migrate answerMigration(boolean moved) {
    MasterEffect.Migrate m = migrations.poll();
    assertTrue(m != null, "a migration is out: " + since());
    if (moved) {
      host2Running = host2Running.stream().filter(v -> !v.name().equals(m.vm().name())).toList();
      List<VmSpec> to = new ArrayList<>(m.to().equals("host1") ? host1Running : host3Running);
      to.add(m.vm());
      if (m.to().equals("host1")) host1Running = List.copyOf(to); else host3Running = List.copyOf(to);
    }
    in(new MasterInput.Migrated(moved ? new MigrationOutcome.Moved(m.vm(), m.from(), m.to())
        : new MigrationOutcome.NotMoved(m.vm(), m.from(), m.to(), Optional.of(m.from()), m.to() + ": no")));
    return m;
  }

  /** An operator powers {@code vm} on at host2; host2 starts it. */
  void powerOnAtHost2(VmSpec vm, VmProtection protection) {
    RequestId id = powerOn(vm, "host2", protection);
    // without datastores the start waits until a majority holds the list that protects the VM: the slaves' next beats
    if (!config.hasDatastores() && starts.isEmpty()) tick();
    MasterEffect.PersistThenStart s = answerStart(true);
    assertEquals(List.of("host2"), s.hosts().subList(0, 1));
    assertTrue(reply(id).ok(), reply(id).message());
  }

  /** The master protects vm1 and vm2 at host2 (vm2 first: a VM may depend only on a protected one). */
  MasterScript protectOnHost2(VmProtection p1, VmProtection p2, boolean reportsItsVms) {
    started();
    powerOnAtHost2(VM2, p2);
    powerOnAtHost2(VM1, p1);
    if (reportsItsVms) host2Running = List.of(VM1, VM2);
    for (int s = 0; s < 3; s++) tick();
    return this;
  }

  /**
   * vm1 and vm2 protected at host2, then host2's network heartbeats stop, and with them its datastore heartbeat if
   * {@code datastoreHeartbeatStops}. Returns T0, the time of its last beat; what follows is asserted.
   */
  long host2FallsSilent(boolean datastoreHeartbeatStops) {
    protectOnHost2(VmProtection.defaults(), VmProtection.defaults(), true);
    host2NetBeating = false;
    host2DatastoreBeating = !datastoreHeartbeatStops;
    mark();
    return now();
  }

  /**
   * host2 crashes: both its heartbeats stop; ticks (its pings unanswered once due) until it is judged, DEAD. What
   * follows {@link #mark} from here on.
   */
  void host2CrashesAndIsJudgedDead() {
    host2NetBeating = false;
    host2DatastoreBeating = false;
    mark();
    for (int i = 0; i < 40; i++) {
      tick();
      expirePings();
      if (!events(HaEvent.HostJudged.class).isEmpty()) {
        assertEquals(Verdict.DEAD, only(HaEvent.HostJudged.class).verdict());
        return;
      }
    }
    throw new AssertionError("host2 not judged: " + since());
  }

  // ---- what happened

  void mark() {
    mark = effects.size();
  }

  long now() {
    return clockMs;
  }

  List<MasterEffect> since() {
    return effects.subList(mark, effects.size());
  }

  <E extends MasterEffect> List<E> effects(Class<E> type) {
    return since().stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The events recorded: emitted, or persisted before a start. */
  <E extends HaEvent> List<E> events(Class<E> type) {
    return since().stream().flatMap(e -> e instanceof MasterEffect.Emit x ? Stream.of(x.event())
            : e instanceof MasterEffect.PersistThenStart p ? p.decision().stream() : Stream.empty())
        .filter(type::isInstance).map(type::cast).toList();
  }

  <E extends HaEvent> E only(Class<E> type) {
    List<E> found = events(type);
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in " + since());
    return found.get(0);
  }

  /** The answer to a request. */
  MasterEffect.Reply reply(RequestId id) {
    return effects.stream().filter(MasterEffect.Reply.class::isInstance).map(MasterEffect.Reply.class::cast)
        .filter(r -> r.request().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no reply to " + id));
  }

  ClusterStatus status() {
    return MasterMachine.status(state, Instant.ofEpochMilli(clockMs), config);
  }

  static long ms(Instant at) {
    return at.toEpochMilli();
  }
}
