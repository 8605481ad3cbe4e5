package dev.vmha.host;

import dev.vmha.LocalMessage;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;

/**
 * Joins the cluster once the datastores have said whether one runs ({@link JoinRule}): after two datastore rounds, so
 * that a heartbeat can be seen moving. Then it stops.
 */
public final class ClusterJoin {
  public sealed interface Command extends LocalMessage {}

  private enum Tick implements Command { INSTANCE }

  private record ViewUpdate(DatastoreView view) implements Command {}

  private ClusterJoin() {}

  public static Behavior<Command> create(
      String hostId, List<Address> seeds, Duration interval, Duration hostTimeout,
      ActorRef<DatastoreHeartbeat.Command> datastore) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      ActorRef<DatastoreView> views = ctx.messageAdapter(DatastoreView.class, ViewUpdate::new);
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> {
            datastore.tell(new DatastoreHeartbeat.GetView(views));
            return Behaviors.same();
          })
          .onMessage(ViewUpdate.class, u -> {
            if (u.view().now().compareTo(interval.multipliedBy(2)) < 0) return Behaviors.same();
            Cluster cluster = Cluster.get(ctx.getSystem());
            Address self = cluster.selfMember().address();
            List<Address> running = JoinRule.runningHosts(u.view(), hostId, interval, hostTimeout).stream()
                .map(hp -> new Address(self.protocol(), self.system(), hp.substring(0, hp.lastIndexOf(':')),
                    Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1))))
                .toList();
            List<Address> join = JoinRule.seeds(seeds, self, running);
            ctx.getLog().info("{} joins {} ({})", hostId, join, running.isEmpty()
                ? "no running cluster seen on the datastores" : "a cluster runs: this agent must not found another");
            cluster.manager().tell(new JoinSeedNodes(join));
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
