package dev.vmha.history;

import dev.vmha.JsonSerializable;
import dev.vmha.LocalMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Carries each agent's decisions to every other agent, so that any agent's API shows the cluster's timeline (issue 22).
 * One per actor system, registered with the receptionist: every event this host's {@link EventLog} takes is sent to
 * every other relay listed, which hands it to its own log ({@link EventLog#heard}, kept in memory, never journaled
 * there). A relay newly listed (an agent that joined, or started again) is first sent this host's recent events, so a
 * late joiner's timeline holds the others' recent decisions too, and none taken while the listing spread is lost;
 * what arrives twice is dropped by {@link ClusterEvents}. Sends are fire-and-forget: an agent that is slow or gone
 * never holds up a decision.
 */
public final class EventRelay {
  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "vmha-event-relay");
  /** Recent events are sent this many to a message, well under Artery's largest frame (256 KiB). */
  static final int BATCH = 50;

  public sealed interface Command {}

  /** An event this host took, from its event log. */
  record Publish(HaEvent event) implements Command, LocalMessage {}

  /** Events another agent took, oldest first. */
  public record Heard(List<HaEvent> events) implements Command, JsonSerializable {}

  record Peers(Set<ActorRef<Command>> relays) implements Command, LocalMessage {}

  private EventRelay() {}

  public static Behavior<Command> create(EventLog log) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, ctx.messageAdapter(Receptionist.Listing.class,
          l -> new Peers(l.getServiceInstances(KEY)))));
      ActorRef<Command> self = ctx.getSelf();
      Consumer<HaEvent> publish = e -> self.tell(new Publish(e));
      log.relayTo(publish);
      Set<ActorRef<Command>> others = new HashSet<>();
      return Behaviors.receive(Command.class)
          .onMessage(Publish.class, p -> {
            Heard one = new Heard(List.of(p.event()));
            others.forEach(r -> r.tell(one));
            return Behaviors.same();
          })
          .onMessage(Heard.class, h -> {
            log.heard(h.events());
            return Behaviors.same();
          })
          .onMessage(Peers.class, p -> {
            Set<ActorRef<Command>> listed = new HashSet<>(p.relays());
            listed.remove(self);
            List<HaEvent> recent = log.recent();
            for (ActorRef<Command> r : listed) {
              if (others.contains(r)) continue;
              for (int i = 0; i < recent.size(); i += BATCH) {
                r.tell(new Heard(List.copyOf(recent.subList(i, Math.min(recent.size(), i + BATCH)))));
              }
            }
            others.clear();
            others.addAll(listed);
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            log.unrelay(publish);
            return Behaviors.same();
          })
          .build();
    });
  }
}
