package dev.vmha.host;

import dev.vmha.LocalMessage;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.history.DecisionLog;
import dev.vmha.history.HaEvent;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Watches the cluster's members for another agent of this host's id ({@link DuplicateHostRule#inCluster}): records
 * each one it sees, and tells {@code stop} once when this agent is the one that must not go on.
 */
public final class DuplicateMemberWatch {
  public sealed interface Command {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command, LocalMessage {}

  /** This agent must not go on: {@code why} names both agents' addresses. */
  public record MustStop(String why) {}

  private DuplicateMemberWatch() {}

  public static Behavior<Command> create(DecisionLog events, Clock clock, ActorRef<MustStop> stop) {
    return Behaviors.setup(ctx -> {
      Cluster cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class,
          MemberChanged::new), ClusterEvent.MemberEvent.class));
      Set<UniqueAddress> seen = new HashSet<>();
      return Behaviors.receive(Command.class)
          .onMessage(MemberChanged.class, m -> {
            Member self = cluster.selfMember();
            Member other = m.event().member();
            DuplicateHostRule.ClusterDuplicate d = DuplicateHostRule.inCluster(self, other);
            if (d == DuplicateHostRule.ClusterDuplicate.NONE || !seen.add(other.uniqueAddress())) {
              return Behaviors.same();
            }
            boolean stops = d == DuplicateHostRule.ClusterDuplicate.STOP_THIS_AGENT;
            HaEvent.DuplicateHostId e = new HaEvent.DuplicateHostId(clock.instant(),
                ClusterRoles.hostId(self).orElseThrow(), hostPort(self), hostPort(other), stops);
            events.accept(e);
            if (stops) {
              stop.tell(new MustStop(e.describe()));
            } else {
              ctx.getLog().error(e.describe());
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  private static String hostPort(Member m) {
    return m.address().host().get() + ":" + m.address().port().get();
  }
}
