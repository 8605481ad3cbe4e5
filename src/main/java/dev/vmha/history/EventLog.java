package dev.vmha.history;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every {@link HaEvent} goes: the host's {@link HistoryJournal}s (persisted), a readable log line (logger
 * {@code vmha.events}), a bounded in-memory tail of this host's own events ({@link #recent}), and the other agents
 * through this actor system's {@link EventRelay}. The cluster's recent events, this host's and those the relay hears
 * from the others ({@link #heard}: kept in memory only, never journaled here, logged or counted), are
 * {@link ClusterEvents} ({@link #clusterRecent}, {@link #follow}: the API's events, stream and explain). Thread-safe.
 *
 * <p>The journals live in the agent's actor system, which can be replaced while the agent runs (a quarantined agent
 * starts a new one): events taken while no journal is attached wait here, up to {@link #TAIL}, and are persisted in
 * order once the next one is.
 */
public final class EventLog implements DecisionLog {
  public static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .registerModule(new Jdk8Module())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
  private static final Logger LOG = LoggerFactory.getLogger("vmha.events");
  private static final int TAIL = 500;
  /** The cluster's recent events kept (a failover of a few hosts is some tens), and what a stream starts with. */
  public static final int CLUSTER_EVENTS = 1000;
  /** A journal that has not confirmed a decision by then is failing: the decision is acted on anyway. */
  private static final Duration RECORD_TIMEOUT = Duration.ofSeconds(5);

  private final boolean persistent;
  private final ArrayDeque<HaEvent> tail = new ArrayDeque<>();
  private final ArrayDeque<HaEvent> pending = new ArrayDeque<>();
  private final ClusterEvents cluster = new ClusterEvents(CLUSTER_EVENTS);
  /** Hands an own event to the current actor system's relay; nothing while there is none. */
  private Consumer<HaEvent> relay = e -> {};
  private final List<Consumer<HaEvent>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<HaEvent>> hearers = new CopyOnWriteArrayList<>();
  private final List<Predicate<HaEvent>> followers = new CopyOnWriteArrayList<>();
  private ActorRef<HistoryJournal.Command> own;
  private ActorRef<HistoryJournal.Command> master;
  private Scheduler scheduler;

  private EventLog(boolean persistent) {
    this.persistent = persistent;
  }

  /** Events persisted by the journals given to {@link #attach}. */
  public static EventLog persistent() {
    return new EventLog(true);
  }

  /** Events kept in memory and logged only (the simulated cluster, tests). */
  public static EventLog inMemory() {
    return new EventLog(false);
  }

  @Override
  public synchronized void accept(HaEvent e) {
    show(e);
    if (own != null) {
      persist(e);
    } else if (persistent) {
      pending.addLast(e);
      if (pending.size() > TAIL) LOG.warn("no history journal: event not persisted: {}", pending.removeFirst());
    }
  }

  /**
   * Completes when the journal confirms the event. Without a journal (in memory, or none attached yet) it completes at
   * once: HA acts even when its history cannot be written, and the event waits like any other.
   */
  @Override
  public synchronized CompletionStage<Done> persisted(HaEvent e) {
    if (own == null) {
      accept(e);
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    show(e);
    return AskPattern.ask(journalOf(e), (ActorRef<Done> replyTo) -> new HistoryJournal.Record(e, replyTo),
        RECORD_TIMEOUT, scheduler);
  }

  private void show(HaEvent e) {
    LOG.info("{} {}", e.by(), e.describe());
    tail.addLast(e);
    if (tail.size() > TAIL) tail.removeFirst();
    tell(listeners, e);
    relay.accept(e);
    if (cluster.add(e)) followers.removeIf(f -> !follows(f, e));
  }

  private static void tell(List<Consumer<HaEvent>> to, HaEvent e) {
    for (Consumer<HaEvent> l : to) {
      try {
        l.accept(e);
      } catch (RuntimeException err) {
        // a listener (metrics, alerts) never stops a decision from being recorded
        LOG.warn("event listener failed on {}: {}", e.getClass().getSimpleName(), err.toString());
      }
    }
  }

  /** Events another agent took (its {@link EventRelay} sent them): kept with the cluster's, each once. */
  public synchronized void heard(List<HaEvent> events) {
    for (HaEvent e : events) {
      if (!cluster.add(e)) continue;
      tell(hearers, e);
      followers.removeIf(f -> !follows(f, e));
    }
  }

  /**
   * Hands every event heard from another agent to {@code listener}, once, as it arrives (the alerts that any agent
   * shows); like {@link #subscribe}, it must return at once.
   */
  public void subscribeHeard(Consumer<HaEvent> listener) {
    hearers.add(listener);
  }

  /** Hands every next own event to {@code publish} (which must return at once), until {@link #unrelay}. */
  public synchronized void relayTo(Consumer<HaEvent> publish) {
    relay = publish;
  }

  /** The relay given has stopped: own events are no longer handed to it (a newer relay keeps its place). */
  public synchronized void unrelay(Consumer<HaEvent> publish) {
    if (relay == publish) relay = e -> {};
  }

  private static boolean follows(Predicate<HaEvent> follower, HaEvent e) {
    try {
      return follower.test(e);
    } catch (RuntimeException err) {
      LOG.warn("event follower failed on {}, dropped: {}", e.getClass().getSimpleName(), err.toString());
      return false;
    }
  }

  /**
   * Hands every event to {@code listener} as it is taken, in order, on the deciding thread: it must return at once
   * (count, or enqueue for its own thread) and never block.
   */
  public void subscribe(Consumer<HaEvent> listener) {
    listeners.add(listener);
  }

  /**
   * Hands {@code follower} the cluster's recent events, oldest first, then every next one as it is taken or heard, with
   * none lost or repeated in between, until it answers false (its reader has gone: a closed stream). Like
   * {@link #subscribe}, it runs on the deciding (or relaying) thread and must return at once.
   */
  public synchronized void follow(Predicate<HaEvent> follower) {
    for (HaEvent e : cluster.events()) {
      if (!follows(follower, e)) return;
    }
    followers.add(follower);
  }

  /** The journals of the agent's current actor system; the events that waited for them are persisted first. */
  public synchronized void attach(
      ActorRef<HistoryJournal.Command> own, ActorRef<HistoryJournal.Command> master, Scheduler scheduler) {
    this.own = own;
    this.master = master;
    this.scheduler = scheduler;
    while (!pending.isEmpty()) persist(pending.removeFirst());
  }

  /** The actor system that held the journals has stopped. */
  public synchronized void detach() {
    own = null;
    master = null;
  }

  private void persist(HaEvent e) {
    journalOf(e).tell(new HistoryJournal.Append(e));
  }

  private ActorRef<HistoryJournal.Command> journalOf(HaEvent e) {
    return HistoryJournal.isMasterDecision(e) ? master : own;
  }

  /** This host's own recent events, in the order taken. */
  public synchronized List<HaEvent> recent() {
    return new ArrayList<>(tail);
  }

  /** The cluster's recent events, this host's and the others', oldest first. */
  public synchronized List<HaEvent> clusterRecent() {
    return cluster.events();
  }
}
