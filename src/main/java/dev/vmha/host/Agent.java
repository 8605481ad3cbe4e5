package dev.vmha.host;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.HistorySettings;
import dev.vmha.history.EventLog;
import dev.vmha.history.EventRelay;
import dev.vmha.history.HistoryJournal;
import dev.vmha.cluster.ClusterRoles;
import dev.vmha.cluster.TransportShutdownGuard;
import dev.vmha.security.ClusterTls;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import org.apache.pekko.actor.Address;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one host's agent: its actor system, joined to the cluster named in the settings. */
public final class Agent {
  /** The history database is tried again after 1 s, doubling up to 30 s (like the journals' own restarts). */
  private static final Duration HISTORY_RETRY_MIN = Duration.ofSeconds(1);
  private static final Duration HISTORY_RETRY_MAX = Duration.ofSeconds(30);
  private Agent() {}

  /**
   * The Pekko settings that follow from the vmha settings: address, seeds, the roles that carry identity, the cluster
   * transport (TLS stores checked: a bad one throws SettingsException) and the history database.
   */
  public static Config pekkoConfig(HaSettings s, List<Address> removedBy) {
    // with datastores the agent joins by itself once they said whether a cluster runs (host.ClusterJoin); without,
    // an agent that a cluster removed joins that cluster's members and never founds a second one
    List<String> seeds = new ArrayList<>();
    if (s.datastores().isEmpty()) {
      for (Address a : JoinRule.seeds(seedAddresses(s), selfAddress(s), removedBy)) seeds.add(a.toString());
    }
    List<String> roles = new ArrayList<>(List.of(ClusterRoles.hostRole(s.hostId())));
    if (s.httpPort() != 0) roles.add(ClusterRoles.mgmtRole(s.hostAddress(), s.httpPort()));
    Duration pause = TimingRules.failureDetectorPause(s.hostTimeout());
    return ConfigFactory.empty()
        .withValue("pekko.cluster.failure-detector.heartbeat-interval",
            ConfigValueFactory.fromAnyRef(s.failureDetectionInterval().toMillis() + "ms"))
        .withValue("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
            ConfigValueFactory.fromAnyRef(pause.toMillis() + "ms"))
        .withValue("pekko.cluster.unreachable-nodes-reaper-interval",
            ConfigValueFactory.fromAnyRef(s.failureDetectionInterval().toMillis() + "ms"))
        // the watchdog is disarmed in the first phase of a planned stop: writing "disarmed" takes a datastore round
        .withValue("pekko.coordinated-shutdown.phases.before-service-unbind.timeout",
            ConfigValueFactory.fromAnyRef(s.hostTimeout().toMillis() + "ms"))
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(s.hostAddress()))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(s.clusterPort()))
        .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles))
        .withFallback(ClusterTls.pekkoConfig(s))
        .withFallback(historyConfig(s.history()));
  }

  /** This agent's own cluster address. */
  public static Address selfAddress(HaSettings s) {
    return new Address("pekko", s.clusterName(), s.hostAddress(), s.clusterPort());
  }

  /** The configured seed agents as Pekko addresses. */
  public static List<Address> seedAddresses(HaSettings s) {
    List<Address> seeds = new ArrayList<>();
    for (String hp : s.seedNodes()) {
      int colon = hp.lastIndexOf(':');
      seeds.add(new Address("pekko", s.clusterName(), hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1))));
    }
    return seeds;
  }

  /** The history journal's database, for pekko-persistence-jdbc (the plugins themselves: application.conf). */
  public static Config historyConfig(HistorySettings h) {
    String db = "pekko-persistence-jdbc.shared-databases.slick.";
    return ConfigFactory.empty()
        .withValue(db + "profile", ConfigValueFactory.fromAnyRef(h.journal().slickProfile))
        .withValue(db + "db.url", ConfigValueFactory.fromAnyRef(h.jdbcUrl()))
        .withValue(db + "db.user", ConfigValueFactory.fromAnyRef(h.user()))
        .withValue(db + "db.password", ConfigValueFactory.fromAnyRef(h.password()))
        .withValue(db + "db.driver", ConfigValueFactory.fromAnyRef(h.journal().driver));
  }

  /**
   * Creates the history tables if missing, then starts this host's two journals in the system and attaches them to
   * the event log. Completes once they take events. A database that cannot be reached yet (a busy host: H2 timed out
   * opening its file) is tried again, backing off, for as long as the system runs: the events wait in the log.
   */
  public static CompletionStage<Done> startHistory(
      ActorSystem<?> system, String hostId, HistorySettings history, EventLog events) {
    Logger log = LoggerFactory.getLogger(Agent.class);
    AtomicInteger attempts = new AtomicInteger();
    Callable<CompletionStage<Done>> createTables = () -> SchemaUtils.createIfNotExists(system)
        .whenComplete((done, err) -> {
          if (err != null) {
            log.warn("history database {} not ready (attempt {}), trying again: {}", history,
                attempts.incrementAndGet(), err.toString());
          }
        });
    return Patterns.retry(createTables, Integer.MAX_VALUE, HISTORY_RETRY_MIN, HISTORY_RETRY_MAX, 0.2, system)
        .thenApply(done -> {
          ActorRef<HistoryJournal.Command> own = system.systemActorOf(
              HistoryJournal.create(HistoryJournal.own(hostId), history.maxSlaveEvents()), "history",
              Props.empty());
          ActorRef<HistoryJournal.Command> master = system.systemActorOf(
              HistoryJournal.create(HistoryJournal.master(hostId), history.maxMasterEvents()), "history-master",
              Props.empty());
          events.attach(own, master, system.scheduler());
          return done;
    });
  }

  /**
   * Starts the next incarnation of the agent; {@code incarnations} is what its run loop keeps between them. Its
   * {@link EventRelay} shares the events with the other agents'.
   */
  public static ActorSystem<HostSupervisor.Command> start(HaSettings s, Function<Drivers.Io, Drivers> drivers,
      EventLog events, Clock clock, Config base, Incarnations incarnations) {
    List<Address> removedBy = incarnations.takeRemovedBy();
    Config config = pekkoConfig(s, removedBy).withFallback(base);
    ActorSystem<HostSupervisor.Command> system = ActorSystem.create(HostSupervisor.create(s, drivers, events, clock,
        incarnations, removedBy), s.clusterName(), config);
    // a stopping agent's system must terminate, for its run loop to start the next incarnation
    Duration flush = system.settings().config().getDuration("pekko.remote.artery.advanced.shutdown-flush-timeout");
    system.systemActorOf(TransportShutdownGuard.create(TimingRules.transportShutdownGrace(flush)), "transport-shutdown-guard",
        Props.empty());
    system.systemActorOf(EventRelay.create(events), "event-relay", Props.empty());
    return system;
  }
}
