package dev.vmha.election;

import dev.vmha.config.HaSettings;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.HostHeartbeat;
import dev.vmha.datastore.ListPromise;
import dev.vmha.election.ElectionEffect.ReplyRole;
import dev.vmha.election.ElectionInput.Membership;
import dev.vmha.election.ElectionInput.Timer;
import dev.vmha.history.HaEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Drives an {@link ElectionMachine} in virtual time, as its shell would: timers fire in the order they fall due (a
 * timer scheduled again or cancelled never fires from its earlier schedule), every datastore view asked for is
 * answered at once with {@link #view}, and every effect is kept for the test to inspect. Coordinators are named by
 * strings.
 */
final class ElectionScript {
  final ElectionConfig config;
  /** Two datastores accessible: this host's rank counts 2. */
  DatastoreView view = DatastoreView.initial(List.of("ds1", "ds2")).next(Duration.ofSeconds(1), Map.of(
      "ds1", new DatastoreScan("ds1", Map.of(), Map.of(), Map.of()),
      "ds2", new DatastoreScan("ds2", Map.of(), Map.of(), Map.of())));
  /** Other hosts whose agents write their datastore heartbeat every round, with their counters. */
  final Map<String, Long> beating = new TreeMap<>();
  /** Cluster addresses the beating hosts write into their heartbeats (they are members). */
  final Map<String, String> addresses = new HashMap<>();
  /** The cluster as the shell would read it when a timer fires: this host alone, up. */
  Membership cluster;
  final List<ElectionEffect<String>> effects = new ArrayList<>();
  private ElectionState<String> state;
  private long now;
  private final Map<Timer, Long> due = new EnumMap<>(Timer.class);
  private final Map<Timer, Duration> every = new EnumMap<>(Timer.class);

  /**
   * Starts the machine (its agent starts) at virtual time {@code startMs}; without datastores the shell's read of the
   * promise on its disk finds none at once.
   */
  ElectionScript(HaSettings settings, long startMs) {
    this(settings, startMs, true);
  }

  /** As above; {@code promiseRead}: whether the read of the promise on its disk is answered (none there) at once. */
  ElectionScript(HaSettings settings, long startMs, boolean promiseRead) {
    this.now = startMs;
    this.config = ElectionConfig.of(settings, Instant.ofEpochMilli(startMs));
    this.cluster = new Membership(true, Set.of(this.config.hostId()), Set.of(), Map.of());
    ElectionMachine.Step<String> start = ElectionMachine.start(this.config);
    state = start.state();
    apply(start.effects());
    if (promiseRead && !config.heartbeatDatastores()) feed(new ElectionInput.PromiseOnDisk<>(at(), ListPromise.NONE));
    feed(new ElectionInput.PeersListed<>(at(), 1));
  }

  /** Steps the machine with one input and carries out its effects. */
  ElectionScript feed(ElectionInput<String> in) {
    ElectionMachine.Step<String> step = ElectionMachine.step(state, in, config);
    state = step.state();
    apply(step.effects());
    return this;
  }

  private void apply(List<ElectionEffect<String>> out) {
    boolean askedView = false;
    for (ElectionEffect<String> e : out) {
      effects.add(e);
      if (e instanceof ElectionEffect.Schedule<String> s) {
        due.put(s.timer(), now + s.after().toMillis());
        every.remove(s.timer());
      } else if (e instanceof ElectionEffect.Repeat<String> r) {
        due.put(r.timer(), now + r.every().toMillis());
        every.put(r.timer(), r.every());
      } else if (e instanceof ElectionEffect.Cancel<String> c) {
        due.remove(c.timer());
        every.remove(c.timer());
      } else if (e instanceof ElectionEffect.AskView<String>) {
        askedView = true;
      }
    }
    if (askedView) {
      if (!beating.isEmpty()) nextDatastoreRound();
      feed(new ElectionInput.ViewRead<>(at(), view));
    }
  }

  /** Lets {@code d} of virtual time pass, firing the timers that fall due, in order. */
  ElectionScript pass(Duration d) {
    long until = now + d.toMillis();
    while (true) {
      Map.Entry<Timer, Long> next = due.entrySet().stream().filter(t -> t.getValue() <= until)
          .min(Map.Entry.comparingByValue()).orElse(null);
      if (next == null) break;
      now = next.getValue();
      Timer t = next.getKey();
      if (every.containsKey(t)) due.put(t, now + every.get(t).toMillis());
      else due.remove(t);
      feed(new ElectionInput.Fired<>(at(), t, cluster));
    }
    now = until;
    return this;
  }

  /** One interval of virtual time; returns the role afterwards. */
  ReplyRole<String> tick() {
    pass(config.timing().interval());
    return role();
  }

  ReplyRole<String> role() {
    int mark = effects.size();
    feed(new ElectionInput.RoleAsked<>(at()));
    return (ReplyRole<String>) effects.subList(mark, effects.size()).stream()
        .filter(e -> e instanceof ReplyRole<String>).findFirst().orElseThrow();
  }

  /** One datastore round: every beating host's counter moves on both datastores. */
  void nextDatastoreRound() {
    beating.replaceAll((h, c) -> c + 1);
    Map<String, HostHeartbeat> hb = new HashMap<>();
    beating.forEach((h, c) -> hb.put(h, new HostHeartbeat(h, c, Instant.EPOCH, addresses.getOrDefault(h, ""))));
    view = view.next(config.timing().interval(), Map.of("ds1", new DatastoreScan("ds1", hb, Map.of(), Map.of()),
        "ds2", new DatastoreScan("ds2", hb, Map.of(), Map.of())));
  }

  long now() {
    return now;
  }

  Instant at() {
    return Instant.ofEpochMilli(now);
  }

  ElectionState<String> state() {
    return state;
  }

  /**
   * The effects of one kind since {@code from}. A class literal cannot name the effect's type arguments: the caller's
   * type says them (one unchecked cast).
   */
  @SuppressWarnings("unchecked")
  <E> List<E> since(int from, Class<? super E> type) {
    return effects.subList(from, effects.size()).stream().filter(type::isInstance).map(e -> (E) e).toList();
  }

  /** The events emitted since {@code from}. */
  List<HaEvent> events(int from) {
    return since(from, ElectionEffect.Emit.class).stream().map(e -> e.event()).toList();
  }

  <E extends HaEvent> List<E> events(int from, Class<E> type) {
    return events(from).stream().filter(type::isInstance).map(type::cast).toList();
  }

  int mark() {
    return effects.size();
  }
}
