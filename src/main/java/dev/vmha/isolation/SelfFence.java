package dev.vmha.isolation;

import dev.vmha.LocalMessage;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.cluster.ClusterRoles;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Applies the {@link FencingRule} every {@code das.failuredetectioninterval}: tells the VM manager to fence the host
 * when the rule fires, and to lift the fence when the host can prove itself again. Time is this actor's own (the
 * sum of its ticks), so a hung datastore that stops the heartbeat rounds still lets the fence fall.
 */
public final class SelfFence {
  public sealed interface Command extends LocalMessage {}

  private enum Tick implements Command { INSTANCE }

  private record ViewUpdate(DatastoreView view) implements Command {}

  private record Fenced(IsolationResponder.Applied applied, String reason) implements Command {}

  /**
   * @param now virtual time
   * @param lastOwnWrite the view's lastOwnWrite as last seen, and {@code writeSeenAt} when it last changed
   * @param minoritySince when this host began to see a strict minority, if it does
   * @param known every host this agent has seen as a cluster member (the {@link MajorityRule}'s denominator)
   */
  private record State(
      Duration now, Duration lastOwnWrite, Duration writeSeenAt, Optional<Duration> minoritySince,
      Optional<String> fenced, Set<String> known) {}

  private SelfFence() {}

  public static Behavior<Command> create(
      String hostId, boolean datastoresConfigured, Duration interval, Duration fenceTimeout,
      ActorRef<DatastoreHeartbeat.Command> datastore, ActorRef<HostVms.Command> vms, Consumer<HaEvent> events,
      Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      Fencer f = new Fencer(ctx, hostId, datastoresConfigured, interval, fenceTimeout, datastore, vms,
          ctx.messageAdapter(DatastoreView.class, ViewUpdate::new), events, clock);
      return f.running(new State(Duration.ZERO, Duration.ZERO, Duration.ZERO, Optional.empty(), Optional.empty(),
          Set.of(hostId)));
    }));
  }

  private record Fencer(
      ActorContext<Command> ctx, String hostId, boolean datastoresConfigured, Duration interval,
      Duration fenceTimeout, ActorRef<DatastoreHeartbeat.Command> datastore, ActorRef<HostVms.Command> vms,
      ActorRef<DatastoreView> viewAdapter, Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(State s) {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> running(onTick(s)))
          .onMessage(ViewUpdate.class, v -> {
            Duration w = v.view().lastOwnWrite();
            return running(w.equals(s.lastOwnWrite()) ? s
                : new State(s.now(), w, s.now(), s.minoritySince(), s.fenced(), s.known()));
          })
          .onMessage(Fenced.class, f -> {
            events.accept(new HaEvent.HostSelfFenced(clock.instant(), hostId, f.reason(),
                f.applied().stopped().stream().map(VmSpec::name).toList()));
            return Behaviors.same();
          })
          .build();
    }

    private State onTick(State s) {
      Duration now = s.now().plus(interval);
      if (datastoresConfigured) datastore.tell(new DatastoreHeartbeat.GetView(viewAdapter));
      ClusterEvent.CurrentClusterState cluster = Cluster.get(ctx.getSystem()).state();
      Set<String> known = new TreeSet<>(s.known());
      Set<String> heard = new TreeSet<>();
      for (Member m : cluster.getMembers()) {
        Optional<String> id = ClusterRoles.hostId(m);
        if (id.isEmpty()) continue;
        known.add(id.get());
        boolean leaving = m.status() == MemberStatus.down() || m.status() == MemberStatus.removed();
        if (!leaving && !cluster.getUnreachable().contains(m)) heard.add(id.get());
      }
      MajorityRule.Count side = MajorityRule.count(hostId, known, heard);
      boolean minority = !datastoresConfigured && side.minority();
      Optional<Duration> since = minority ? Optional.of(s.minoritySince().orElse(now)) : Optional.empty();
      Optional<String> reason = FencingRule.mustFence(datastoresConfigured, now.minus(s.writeSeenAt()),
          since.map(now::minus).orElse(Duration.ZERO), fenceTimeout);
      Optional<String> fenced = s.fenced();
      if (reason.isPresent() && fenced.isEmpty()) {
        String why = reason.get();
        vms.tell(new HostVms.Fence(why, ctx.messageAdapter(IsolationResponder.Applied.class, a -> new Fenced(a, why))));
        fenced = reason;
      } else if (reason.isEmpty() && fenced.isPresent() && (datastoresConfigured || side.majority())) {
        // without datastores only proof of a strict majority lifts the fence: an even split keeps it
        vms.tell(HostVms.Unfence.INSTANCE);
        events.accept(new HaEvent.HostUnfenced(clock.instant(), hostId, datastoresConfigured
            ? "its heartbeat reaches a datastore again" : "it hears a majority of the cluster again: "
            + side.describe()));
        fenced = Optional.empty();
      }
      return new State(now, s.lastOwnWrite(), s.writeSeenAt(), since, fenced, Set.copyOf(known));
    }
  }
}
