package dev.vmha.datastore;

import dev.vmha.LocalMessage;
import dev.vmha.Failures;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The shell of the {@link HeartbeatMachine}: ticks every {@code das.failuredetectioninterval}, carries out each round
 * the machine starts — scan every datastore, write this host's heartbeat and then its power-on file on the heartbeat
 * datastores — and answers for the latest {@link DatastoreView}. The decisions are the machine's.
 */
public final class DatastoreHeartbeat {
  public sealed interface Command {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

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

  /** A round's outcome, as the machine takes it. */
  private record RoundDone(Map<String, DatastoreScan> scans, Map<String, String> failures, boolean wroteHeartbeat)
      implements Command, LocalMessage {}

  private DatastoreHeartbeat() {}

  /** @param address this agent's cluster address (host:port), written into its heartbeat while it is a member */
  public static Behavior<Command> create(
      String hostId, String address, int dsPerHost, Duration interval, List<Datastore> datastores,
      Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, interval);
      HeartbeatConfig config = new HeartbeatConfig(hostId, dsPerHost, interval,
          datastores.stream().map(Datastore::name).toList());
      return new Shell(ctx, config, address, datastores, events, clock)
          .running(HeartbeatState.initial(config.datastores()));
    }));
  }

  /** What the shell talks to; the machine's state is its behaviour's. */
  private record Shell(ActorContext<Command> ctx, HeartbeatConfig config, String address, List<Datastore> datastores,
      Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(HeartbeatState<ActorRef<Boolean>> state) {
      return Behaviors.receive(Command.class).onAnyMessage(m -> running(next(state, m))).build();
    }

    private HeartbeatState<ActorRef<Boolean>> next(HeartbeatState<ActorRef<Boolean>> state, Command m) {
      if (m instanceof GetView g) {
        g.replyTo().tell(state.view());
        return state;
      }
      Instant at = clock.instant();
      HeartbeatInput<ActorRef<Boolean>> in;
      if (m instanceof Tick) in = new HeartbeatInput.Tick<>(at);
      else if (m instanceof RoundDone d) in = new HeartbeatInput.RoundDone<>(at, d.scans(), d.failures(),
          d.wroteHeartbeat());
      else if (m instanceof LocalVms v) in = new HeartbeatInput.LocalVms<>(at, v.vms());
      else if (m instanceof DeclareIsolated d) in = new HeartbeatInput.DeclareIsolated<>(at, d.stopped());
      else if (m instanceof ClearIsolation) in = new HeartbeatInput.ClearIsolation<>(at);
      else {
        LocalWatchdog w = (LocalWatchdog) m;
        in = new HeartbeatInput.LocalWatchdog<>(at, w.flag(), w.written());
      }
      HeartbeatMachine.Step<ActorRef<Boolean>> step = HeartbeatMachine.step(state, in, config);
      for (HeartbeatEffect<ActorRef<Boolean>> e : step.effects()) {
        if (e instanceof HeartbeatEffect.Round<?> r) round(r);
        else if (e instanceof HeartbeatEffect.Emit<?> x) events.accept(x.event());
        else if (e instanceof HeartbeatEffect.Written<ActorRef<Boolean>> w) w.waiter().tell(true);
        else if (e instanceof HeartbeatEffect.Unpublished<ActorRef<Boolean>> u) u.waiter().tell(false);
      }
      return step.state();
    }

    /** Scans every datastore, writing the heartbeat and then the power-on file where the round says. */
    private void round(HeartbeatEffect.Round<?> r) {
      Map<String, CompletableFuture<Optional<DatastoreScan>>> results = new LinkedHashMap<>();
      Map<String, String> failures = new ConcurrentHashMap<>();
      AtomicBoolean wrote = new AtomicBoolean();
      for (Datastore d : datastores) {
        CompletionStage<DatastoreScan> round = d.scan();
        if (r.writeTo().contains(d.name())) {
          String member = memberAddress();
          round = round.thenCompose(scan -> d.writeHeartbeat(new HostHeartbeat(config.hostId(), r.counter(),
                  clock.instant(), member))
              .thenApply(x -> {
                wrote.set(true);
                return x;
              })
              .thenCompose(x -> r.powerOn().map(d::writePowerOn).orElse(CompletableFuture.completedFuture(null)))
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
    }

    /** This agent's address while it is an Up member of a cluster, else "": others join a cluster through it. */
    private String memberAddress() {
      MemberStatus st = Cluster.get(ctx.getSystem()).selfMember().status();
      return st == MemberStatus.up() || st == MemberStatus.weaklyUp() ? address : "";
    }
  }
}
