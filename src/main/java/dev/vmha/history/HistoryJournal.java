package dev.vmha.history;

import dev.vmha.LocalMessage;
import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One host's persisted history: every {@link HaEvent} it records, in order, bounded to {@code maxEvents} (older
 * events are compacted behind snapshots; {@link HistoryState} keeps their count and time span).
 *
 * <p>A host has two: {@link #own} for its own decisions (election, role, isolation, fencing, datastore access;
 * bounded by das.config.fdm.event.maxSlaveEvents) and {@link #master} for the decisions it takes as master
 * (verdicts, protection, restarts; maxMasterEvents). vSphere bounds by role; here the master's decisions are bounded
 * by the master limit whichever role the host has now, because a journal's retention is fixed when it starts.
 */
public final class HistoryJournal
    extends EventSourcedBehaviorWithEnforcedReplies<HistoryJournal.Command, HaEvent, HistoryState> {

  public sealed interface Command {}

  /** Persists the event, then replies: a caller that must not act before its decision is stored waits for Done. */
  public record Record(HaEvent event, ActorRef<Done> replyTo) implements Command, LocalMessage {}

  /** Persists the event without a reply (the {@link EventLog}). */
  public record Append(HaEvent event) implements Command, LocalMessage {}

  public record GetState(ActorRef<HistoryState> replyTo) implements Command, LocalMessage {}

  private final HistoryState.Bound bound;

  public static PersistenceId own(String hostId) {
    return PersistenceId.of("history", hostId);
  }

  public static PersistenceId master(String hostId) {
    return PersistenceId.of("history-master", hostId);
  }

  /** The decisions a master takes (MasterCoordinator and its restarters): kept up to maxMasterEvents. */
  public static boolean isMasterDecision(HaEvent e) {
    return e instanceof HaEvent.HostSilent || e instanceof HaEvent.HostJudged
        || e instanceof HaEvent.MembershipChanged || e instanceof HaEvent.ProtectedListOwnership
        || e instanceof HaEvent.VmProtected || e instanceof HaEvent.VmRestartPlanned
        || e instanceof HaEvent.VmRestartAttempted || e instanceof HaEvent.VmRestarted
        || e instanceof HaEvent.VmRestartFailed || e instanceof HaEvent.VmAwaitingCapacity
        || e instanceof HaEvent.CapacityPlanChanged || e instanceof HaEvent.CapacityAdmission;
  }

  public static Behavior<Command> create(PersistenceId id, int maxEvents) {
    return new HistoryJournal(id, HistoryState.Bound.of(maxEvents));
  }

  private HistoryJournal(PersistenceId id, HistoryState.Bound bound) {
    // a database that fails a write or the recovery: start again from the journal, backing off, instead of stopping
    super(id, SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    this.bound = bound;
  }

  @Override
  public HistoryState emptyState() {
    return HistoryState.EMPTY;
  }

  @Override
  public CommandHandlerWithReply<Command, HaEvent, HistoryState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Record.class, r -> Effect().persist(r.event()).thenReply(r.replyTo(), s -> Done.getInstance()))
        .onCommand(Append.class, a -> Effect().persist(a.event()).thenNoReply())
        .onCommand(GetState.class, (s, g) -> Effect().reply(g.replyTo(), s))
        .build();
  }

  @Override
  public EventHandler<HistoryState, HaEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s.with(e, bound));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(bound.chunk(), bound.keepChunks()).withDeleteEventsOnSnapshot();
  }
}
