package dev.vmha.datastore;

import dev.vmha.LocalMessage;
import dev.vmha.Failures;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Every {@code das.failuredetectioninterval}, writes this host's heartbeat and power-on files on its heartbeat
 * datastores ({@code das.heartbeatdsperhost} of them, preferring those that answered last round) and reads every
 * host's files on every datastore into a {@link DatastoreView}. A round still running when the next tick comes (a
 * hung datastore) is not doubled: the next round counts the skipped time.
 */
public final class DatastoreHeartbeat {
  public sealed interface Command {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

  private record RoundDone(Map<String, DatastoreScan> scans, Map<String, String> failures, boolean wroteHeartbeat)
      implements Command, LocalMessage {}

  /** The VMs powered on at this host, pushed by the host's VM manager. */
  public record LocalVms(List<VmSpec> vms) implements Command, LocalMessage {}

  public record GetView(ActorRef<DatastoreView> replyTo) implements Command, LocalMessage {}

  /**
   * This host declared itself isolated and its isolation response stopped these VMs: from now on the power-on file
   * carries the isolated flag and lists them, so the master may restart exactly these.
   */
  public record DeclareIsolated(List<VmSpec> stopped) implements Command, LocalMessage {}

  /** The host is back in a cluster: the power-on file lists its powered-on VMs again, without the flag. */
  public enum ClearIsolation implements Command, LocalMessage { INSTANCE }

  /**
   * What the host's power-on file says of its watchdog; {@code written} is told true after the next round that wrote
   * every heartbeat datastore without a failure (at once without datastores).
   */
  public record LocalWatchdog(WatchdogFlag flag, Optional<ActorRef<Boolean>> written)
      implements Command, LocalMessage {}

  /**
   * @param watchdog what the power-on file says of the watchdog; {@code waiting}: who waits for it to be written, and whether the
   *     round in flight was started after they asked
   */
  private record State(
      DatastoreView view, long counter, Optional<List<VmSpec>> localVms, boolean inFlight, int ticksSinceRound,
      boolean firstRoundDone, Optional<List<VmSpec>> isolatedStopped, WatchdogFlag watchdog,
      Map<ActorRef<Boolean>, Boolean> waiting) {

    State with(DatastoreView v, long c, Optional<List<VmSpec>> vms, boolean flight, int ticks, boolean first) {
      return new State(v, c, vms, flight, ticks, first, isolatedStopped, watchdog, waiting);
    }

    State isolated(Optional<List<VmSpec>> stopped) {
      return new State(view, counter, localVms, inFlight, ticksSinceRound, firstRoundDone, stopped, watchdog, waiting);
    }

    State watchdog(WatchdogFlag flag, Map<ActorRef<Boolean>, Boolean> w) {
      return new State(view, counter, localVms, inFlight, ticksSinceRound, firstRoundDone, isolatedStopped, flag,
          Map.copyOf(w));
    }

    /** What the power-on file says this round, if anything is known yet. */
    Optional<PowerOnFile> powerOnFile(String hostId) {
      if (isolatedStopped.isPresent()) {
        return Optional.of(new PowerOnFile(hostId, true, isolatedStopped.get(), watchdog));
      }
      return localVms.map(vms -> new PowerOnFile(hostId, false, vms, watchdog));
    }
  }

  private DatastoreHeartbeat() {}

  /** @param address this agent's cluster address (host:port), written into its heartbeat while it is a member */
  public static Behavior<Command> create(
      String hostId, String address, int dsPerHost, Duration interval, List<Datastore> datastores,
      Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, interval);
      List<String> names = datastores.stream().map(Datastore::name).toList();
      Round r = new Round(ctx, hostId, address, dsPerHost, interval, datastores, events, clock);
      return r.running(new State(DatastoreView.initial(names), 0, Optional.empty(), false, 0, false, Optional.empty(),
          WatchdogFlag.NOT_ARMED, Map.of()));
    }));
  }

  private record Round(
      ActorContext<Command> ctx, String hostId, String address, int dsPerHost, Duration interval, List<Datastore> datastores,
      Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(State s) {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> onTick(s))
          .onMessage(RoundDone.class, d -> onRoundDone(s, d))
          .onMessage(LocalVms.class, m -> running(s.with(s.view(), s.counter(), Optional.of(List.copyOf(m.vms())),
              s.inFlight(), s.ticksSinceRound(), s.firstRoundDone())))
          .onMessage(DeclareIsolated.class, d -> running(s.isolated(Optional.of(List.copyOf(d.stopped())))))
          .onMessageEquals(ClearIsolation.INSTANCE, () -> running(s.isolated(Optional.empty())))
          .onMessage(LocalWatchdog.class, w -> {
            if (datastores.isEmpty()) {
              // no datastores, no leases: no master restarts anything on an expired lease, so nothing to tell it
              w.written().ifPresent(r -> r.tell(true));
              return running(s.watchdog(w.flag(), s.waiting()));
            }
            Map<ActorRef<Boolean>, Boolean> waiting = new HashMap<>(s.waiting());
            w.written().ifPresent(r -> waiting.put(r, false));
            return running(s.watchdog(w.flag(), waiting));
          })
          .onMessage(GetView.class, g -> {
            g.replyTo().tell(s.view());
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> onTick(State s) {
      int ticks = s.ticksSinceRound() + 1;
      if (s.inFlight()) {
        return running(s.with(s.view(), s.counter(), s.localVms(), true, ticks, s.firstRoundDone()));
      }
      long counter = s.counter() + 1;
      Set<String> writeTo = heartbeatDatastores(s.view());
      Map<String, CompletableFuture<Optional<DatastoreScan>>> results = new LinkedHashMap<>();
      Map<String, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
      java.util.concurrent.atomic.AtomicBoolean wrote = new java.util.concurrent.atomic.AtomicBoolean();
      for (Datastore d : datastores) {
        CompletionStage<DatastoreScan> round = d.scan();
        if (writeTo.contains(d.name())) {
          String member = memberAddress();
          round = round.thenCompose(scan -> d.writeHeartbeat(new HostHeartbeat(hostId, counter, clock.instant(), member))
              .thenApply(x -> {
                wrote.set(true);
                return x;
              })
              .thenCompose(x -> s.powerOnFile(hostId)
                  .map(d::writePowerOn)
                  .orElse(CompletableFuture.completedFuture(null)))
              .thenApply(x -> scan));
        }
        results.put(d.name(), round.toCompletableFuture().handle((scan, err) -> {
          if (err != null) {
            failures.put(d.name(), Failures.rootMessage(err));
            return Optional.empty();
          }
          return Optional.of(scan);
        }));
      }
      CompletableFuture<Void> all = CompletableFuture.allOf(results.values().toArray(CompletableFuture[]::new));
      ctx.pipeToSelf(all, (ok, err) -> {
        Map<String, DatastoreScan> scans = new HashMap<>();
        results.forEach((name, f) -> f.join().ifPresent(scan -> scans.put(name, scan)));
        return new RoundDone(scans, Map.copyOf(failures), wrote.get());
      });
      Map<ActorRef<Boolean>, Boolean> waiting = new HashMap<>();
      s.waiting().keySet().forEach(r -> waiting.put(r, true)); // this round writes what they wait for
      return running(s.with(s.view(), counter, s.localVms(), true, ticks, s.firstRoundDone())
          .watchdog(s.watchdog(), waiting));
    }

    private Behavior<Command> onRoundDone(State s, RoundDone d) {
      DatastoreView before = s.view();
      DatastoreView after = before.next(TimingRules.rounds(interval, Math.max(1, s.ticksSinceRound())), d.scans())
          .ownHeartbeatWritten(d.wroteHeartbeat());
      for (String ds : after.accessible().keySet()) {
        boolean was = before.accessible().get(ds);
        boolean is = after.accessible().get(ds);
        if (s.firstRoundDone() ? was != is : !is) {
          events.accept(new HaEvent.DatastoreAccessChanged(clock.instant(), hostId, ds, is,
              d.failures().getOrDefault(ds, "")));
        }
      }
      Set<DatastoreView.CorruptFile> newlyCorrupt = new HashSet<>(after.corrupt());
      newlyCorrupt.removeAll(before.corrupt());
      for (DatastoreView.CorruptFile c : newlyCorrupt) {
        events.accept(new HaEvent.StateFileCorrupt(clock.instant(), hostId, c.datastore(), c.detail()));
      }
      Map<ActorRef<Boolean>, Boolean> waiting = new HashMap<>(s.waiting());
      if (d.wroteHeartbeat() && d.failures().isEmpty()) {
        s.waiting().forEach((r, inRound) -> {
          if (inRound) {
            r.tell(true);
            waiting.remove(r);
          }
        });
      }
      return running(s.with(after, s.counter(), s.localVms(), false, 0, true).watchdog(s.watchdog(), waiting));
    }

    /** This agent's address while it is an Up member of a cluster, else "": others join a cluster through it. */
    private String memberAddress() {
      MemberStatus st = Cluster.get(ctx.getSystem()).selfMember().status();
      return st == MemberStatus.up() || st == MemberStatus.weaklyUp() ? address : "";
    }

    /** das.heartbeatdsperhost datastores: those that answered last round first, in configured order. */
    private Set<String> heartbeatDatastores(DatastoreView view) {
      List<String> order = new ArrayList<>();
      view.accessible().forEach((n, ok) -> { if (ok) order.add(n); });
      view.accessible().forEach((n, ok) -> { if (!ok) order.add(n); });
      return new HashSet<>(order.subList(0, Math.min(dsPerHost, order.size())));
    }
  }

}
