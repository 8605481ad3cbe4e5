package dev.vmha.host;

import dev.vmha.LocalMessage;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;

/**
 * Joins the cluster once the datastores have said whether one runs ({@link JoinRule}): from two reads an interval
 * apart of a datastore it can read, so that a heartbeat can be seen moving. An agent that reads no datastore waits
 * for one, up to twice hostTimeout, and then joins the configured seeds. An agent that a cluster removed joins that
 * cluster's members too, whatever the datastores show. Then it stops.
 */
public final class ClusterJoin {
  public sealed interface Command extends LocalMessage {}

  private enum Tick implements Command { INSTANCE }

  private record ViewUpdate(DatastoreView view) implements Command {}

  private ClusterJoin() {}

  public static Behavior<Command> create(
      String hostId, List<Address> seeds, List<Address> removedBy, Duration interval, Duration hostTimeout,
      ActorRef<DatastoreHeartbeat.Command> datastore) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      ActorRef<DatastoreView> views = ctx.messageAdapter(DatastoreView.class, ViewUpdate::new);
      return waiting(ctx, hostId, seeds, removedBy, interval, hostTimeout, datastore, views, null);
    }));
  }

  /** @param first the first view with a readable datastore, null until there is one */
  private static Behavior<Command> waiting(
      ActorContext<Command> ctx, String hostId, List<Address> seeds, List<Address> removedBy,
      Duration interval, Duration hostTimeout, ActorRef<DatastoreHeartbeat.Command> datastore,
      ActorRef<DatastoreView> views, DatastoreView first) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, () -> {
          datastore.tell(new DatastoreHeartbeat.GetView(views));
          return Behaviors.same();
        })
        .onMessage(ViewUpdate.class, u -> {
          DatastoreView v = u.view();
          boolean readable = v.accessibleCount() > 0;
          boolean givenUp = v.now().compareTo(TimingRules.clusterJoinGiveUp(hostTimeout)) >= 0;
          if (readable && (first == null || v.now().compareTo(first.now().plus(interval)) < 0) && !givenUp) {
            return first == null
                ? waiting(ctx, hostId, seeds, removedBy, interval, hostTimeout, datastore, views, v) : Behaviors.same();
          }
          if (!readable && !givenUp) return Behaviors.same();
          Cluster cluster = Cluster.get(ctx.getSystem());
          Address self = cluster.selfMember().address();
          List<Address> running = new ArrayList<>(removedBy);
          for (String hp : first == null ? List.<String>of() : JoinRule.runningHosts(first, v, hostId)) {
            Address a = new Address(self.protocol(), self.system(), hp.substring(0, hp.lastIndexOf(':')),
                Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1)));
            if (!running.contains(a)) running.add(a);
          }
          List<Address> join = JoinRule.seeds(seeds, self, running);
          ctx.getLog().info("{} joins {} ({})", hostId, join, running.isEmpty()
              ? "no running cluster seen on the datastores" : "a cluster runs: this agent must not found another");
          cluster.manager().tell(new JoinSeedNodes(join));
          return Behaviors.stopped();
        })
        .build();
  }
}
