package dev.vmha.isolation;

import dev.vmha.LocalMessage;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.cluster.OwnReachability;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.VmSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * The shell of the {@link FenceMachine}: ticks every {@code das.failuredetectioninterval} with the cluster's state,
 * asks for the datastore view, and tells the VM manager to fence the host or to lift the fence as the machine
 * decides.
 */
public final class SelfFence {
  public sealed interface Command extends LocalMessage {}

  private enum Tick implements Command { INSTANCE }

  /** An operator suspended or restored HA's enforcement on this host ({@link FenceInput.Enforce}). */
  public record Enforce(Enforcement enforcement) implements Command {}

  /** Whether {@code master}'s latest beat counts this host on its side ({@link FenceInput.CountedByMaster}). */
  public record CountedByMaster(String master, boolean counted) implements Command {}

  private record ViewUpdate(DatastoreView view) implements Command {}

  private record Fenced(IsolationResponder.Applied applied, String reason) implements Command {}

  private record RecordLoaded(Optional<MajorityRecord> record) implements Command {}

  private record RecordUnreadable(String why) implements Command {}

  private record RecordNotWritten(String why) implements Command {}

  private SelfFence() {}

  public static Behavior<Command> create(
      String hostId, boolean datastoresConfigured, Duration interval, Duration fenceTimeout,
      ActorRef<DatastoreHeartbeat.Command> datastore, ActorRef<HostVms.Command> vms, MajorityRecords records,
      Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      if (!datastoresConfigured) {
        ctx.pipeToSelf(records.read(), (r, e) -> {
          if (e == null) return new RecordLoaded(r);
          String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
          ctx.getLog().error("{}: the majority record left by the last agent cannot be trusted ({}): taken as a"
              + " majority last heard long ago, so a first minority round fences", hostId, why);
          return new RecordUnreadable(why);
        });
      }
      return new Shell(ctx, new FenceConfig(hostId, datastoresConfigured, interval, fenceTimeout), datastore, vms,
          records, ctx.messageAdapter(DatastoreView.class, ViewUpdate::new), events, clock)
          .running(FenceState.initial(hostId));
    }));
  }

  /** What the shell talks to; the machine's state is its behaviour's. */
  private record Shell(ActorContext<Command> ctx, FenceConfig config, ActorRef<DatastoreHeartbeat.Command> datastore,
      ActorRef<HostVms.Command> vms, MajorityRecords records, ActorRef<DatastoreView> viewAdapter,
      Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(FenceState state) {
      return Behaviors.receive(Command.class)
          .onMessage(RecordNotWritten.class, n -> {
            ctx.getLog().warn("{}: {}", config.hostId(), n.why());
            return Behaviors.same();
          })
          .onAnyMessage(m -> running(next(state, m))).build();
    }

    private FenceState next(FenceState state, Command m) {
      Instant at = clock.instant();
      FenceInput in;
      if (m instanceof ViewUpdate v) in = new FenceInput.ViewRead(at, v.view().lastOwnWrite());
      else if (m instanceof Enforce e) in = new FenceInput.Enforce(at, e.enforcement());
      else if (m instanceof CountedByMaster c) in = new FenceInput.CountedByMaster(at, c.master(), c.counted());
      else if (m instanceof RecordLoaded r) in = new FenceInput.RecordRead(at, r.record());
      else if (m instanceof RecordUnreadable u) in = new FenceInput.RecordUnreadable(at, u.why());
      else if (m instanceof Fenced f) {
        in = new FenceInput.Fenced(at, f.reason(), f.applied().stopped().stream().map(VmSpec::name).toList());
      } else in = tick(at);
      FenceMachine.Step step = FenceMachine.step(state, in, config);
      step.effects().forEach(this::carryOut);
      return step.state();
    }

    /** The members that are vmha hosts, and those of them neither leaving nor unreachable from here. */
    private FenceInput.Tick tick(Instant at) {
      ClusterEvent.CurrentClusterState cluster = Cluster.get(ctx.getSystem()).state();
      OwnReachability own = OwnReachability.of(ctx.getSystem());
      Set<String> members = new TreeSet<>();
      Set<String> heard = new TreeSet<>();
      for (Member m : cluster.getMembers()) {
        Optional<String> id = ClusterRoles.hostId(m);
        if (id.isEmpty()) continue;
        members.add(id.get());
        boolean leaving = m.status() == MemberStatus.down() || m.status() == MemberStatus.removed();
        if (!leaving && !own.unreachable(m)) heard.add(id.get());
      }
      return new FenceInput.Tick(at, members, heard);
    }

    private void carryOut(FenceEffect e) {
      if (e instanceof FenceEffect.AskView) datastore.tell(new DatastoreHeartbeat.GetView(viewAdapter));
      else if (e instanceof FenceEffect.Fence f) {
        vms.tell(new HostVms.Fence(f.reason(), ctx.messageAdapter(IsolationResponder.Applied.class,
            a -> new Fenced(a, f.reason()))));
      } else if (e instanceof FenceEffect.Unfence) vms.tell(HostVms.Unfence.INSTANCE);
      else if (e instanceof FenceEffect.WriteRecord w) {
        ActorRef<Command> self = ctx.getSelf();
        records.write(w.record()).whenComplete((done, err) -> {
          if (err != null) self.tell(new RecordNotWritten("the majority record was not written: " + err.getMessage()));
        });
      } else if (e instanceof FenceEffect.Emit x) events.accept(x.event());
    }
  }
}
