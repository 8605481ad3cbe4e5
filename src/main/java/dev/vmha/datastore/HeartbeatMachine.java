package dev.vmha.datastore;

import dev.vmha.datastore.HeartbeatInput.ClearIsolation;
import dev.vmha.datastore.HeartbeatInput.DeclareIsolated;
import dev.vmha.datastore.HeartbeatInput.LocalVms;
import dev.vmha.datastore.HeartbeatInput.LocalWatchdog;
import dev.vmha.datastore.HeartbeatInput.RoundDone;
import dev.vmha.history.HaEvent;
import dev.vmha.timing.TimingRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The datastore heartbeat as a pure state machine (issue 21): every {@code das.failuredetectioninterval} a round
 * writes this host's heartbeat and power-on files on its heartbeat datastores ({@code das.heartbeatdsperhost} of
 * them, preferring those that answered last round) and reads every host's files on every datastore into a
 * {@link DatastoreView}. A round still running when the next tick comes (a hung datastore) is not doubled: the next
 * round counts the skipped time. Access changes and corrupt files become events; who waits for the watchdog's flag
 * is told once a round started after they asked wrote every heartbeat datastore. {@link DatastoreHeartbeat} carries
 * out the effects.
 */
public final class HeartbeatMachine {
  private HeartbeatMachine() {}

  /** The next state and what to do, in order. */
  public record Step<W>(HeartbeatState<W> state, List<HeartbeatEffect<W>> effects) {
    public Step {
      effects = List.copyOf(effects);
    }
  }

  public static <W> Step<W> step(HeartbeatState<W> s, HeartbeatInput<W> in, HeartbeatConfig config) {
    List<HeartbeatEffect<W>> effects = new ArrayList<>();
    HeartbeatState<W> next;
    if (in instanceof HeartbeatInput.Tick<W>) next = tick(s, config, effects);
    else if (in instanceof RoundDone<W> d) next = roundDone(s, d, config, effects);
    else if (in instanceof LocalVms<W> v) next = s.vms(v.vms());
    else if (in instanceof DeclareIsolated<W> d) next = s.isolated(Optional.of(d.stopped()));
    else if (in instanceof ClearIsolation<W>) next = s.isolated(Optional.empty());
    else next = watchdog(s, (LocalWatchdog<W>) in, config, effects);
    return new Step<>(next, effects);
  }

  private static <W> HeartbeatState<W> watchdog(HeartbeatState<W> s, LocalWatchdog<W> w, HeartbeatConfig config,
      List<HeartbeatEffect<W>> effects) {
    if (config.datastores().isEmpty()) {
      // no power-on file can tell a master that a stopped agent left its VMs running: one that judged the host DEAD
      // (cut off after the stop) would start them beside the running copies, so the watchdog must stay armed
      boolean refused = w.flag() == WatchdogFlag.AGENT_STOPPED;
      w.waiter().ifPresent(r -> effects.add(refused ? new HeartbeatEffect.Unpublished<>(r)
          : new HeartbeatEffect.Written<>(r)));
      return s.watchdog(w.flag(), s.waiting());
    }
    Map<W, Boolean> waiting = new HashMap<>(s.waiting());
    w.waiter().ifPresent(r -> waiting.put(r, false));
    return s.watchdog(w.flag(), waiting);
  }

  private static <W> HeartbeatState<W> tick(HeartbeatState<W> s, HeartbeatConfig config,
      List<HeartbeatEffect<W>> effects) {
    int ticks = s.ticksSinceRound() + 1;
    if (s.inFlight()) return s.round(s.view(), s.counter(), true, ticks, s.firstRoundDone(), s.waiting());
    long counter = s.counter() + 1;
    effects.add(new HeartbeatEffect.Round<>(counter, heartbeatDatastores(s.view(), config.dsPerHost()),
        s.powerOnFile(config.hostId())));
    Map<W, Boolean> waiting = new HashMap<>();
    s.waiting().keySet().forEach(r -> waiting.put(r, true)); // this round writes what they wait for
    return s.round(s.view(), counter, true, ticks, s.firstRoundDone(), waiting);
  }

  private static <W> HeartbeatState<W> roundDone(HeartbeatState<W> s, RoundDone<W> d, HeartbeatConfig config,
      List<HeartbeatEffect<W>> effects) {
    DatastoreView before = s.view();
    DatastoreView after = before.next(TimingRules.rounds(config.interval(), Math.max(1, s.ticksSinceRound())), d.scans())
        .ownHeartbeatWritten(d.wroteHeartbeat());
    for (String ds : after.accessible().keySet()) {
      boolean was = before.accessible().get(ds);
      boolean is = after.accessible().get(ds);
      if (s.firstRoundDone() ? was != is : !is) {
        effects.add(new HeartbeatEffect.Emit<>(new HaEvent.DatastoreAccessChanged(d.at(), config.hostId(), ds, is,
            d.failures().getOrDefault(ds, ""))));
      }
    }
    Set<DatastoreView.CorruptFile> newlyCorrupt = new HashSet<>(after.corrupt());
    newlyCorrupt.removeAll(before.corrupt());
    newlyCorrupt.stream().sorted(Comparator.comparing(DatastoreView.CorruptFile::datastore)
        .thenComparing(DatastoreView.CorruptFile::file)).forEach(c -> effects.add(new HeartbeatEffect.Emit<>(
            new HaEvent.StateFileCorrupt(d.at(), config.hostId(), c.datastore(), c.detail()))));
    Map<W, Boolean> waiting = new HashMap<>(s.waiting());
    if (d.wroteHeartbeat() && d.failures().isEmpty()) {
      s.waiting().forEach((r, inRound) -> {
        if (inRound) {
          effects.add(new HeartbeatEffect.Written<>(r));
          waiting.remove(r);
        }
      });
    }
    return s.round(after, s.counter(), false, 0, true, waiting);
  }

  /** das.heartbeatdsperhost datastores: those that answered last round first, in configured order. */
  private static Set<String> heartbeatDatastores(DatastoreView view, int dsPerHost) {
    List<String> order = new ArrayList<>();
    view.accessible().forEach((n, ok) -> { if (ok) order.add(n); });
    view.accessible().forEach((n, ok) -> { if (!ok) order.add(n); });
    return new HashSet<>(order.subList(0, Math.min(dsPerHost, order.size())));
  }
}
