package dev.vmha.cli;

import dev.vmha.Failures;
import dev.vmha.alerts.AlertWebhook;
import dev.vmha.alerts.Alerts;
import dev.vmha.api.ApiAuth;
import dev.vmha.api.HttpApi;
import dev.vmha.config.ApiSettings;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import dev.vmha.history.HistoryReader;
import dev.vmha.host.Agent;
import dev.vmha.host.DataDirLock;
import dev.vmha.host.Drivers;
import dev.vmha.host.HostSupervisor;
import dev.vmha.host.Incarnations;
import dev.vmha.host.StartChecks;
import dev.vmha.metrics.GaugeReader;
import dev.vmha.metrics.HaMetrics;
import dev.vmha.timing.TimingRules;
import dev.vmha.watchdog.Watchdog;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import picocli.CommandLine.Command;

@Command(name = "agent", description = "Run this host's HA agent until it is stopped.")
final class AgentCommand extends HostCommand {
  /** What happens while the agent runs is logged (time, host id); a refusal to start is one line on stderr. */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AgentCommand.class);

  @Override
  String name() {
    return "agent";
  }

  @Override
  Integer run(HaSettings s) throws Exception {
    CliLogging.host(s.hostId());
    ApiAuth auth;
    Optional<AlertWebhook> webhook;
    try {
      auth = ApiAuth.open(s.api());
      webhook = s.alerts().webhook().map(u -> new AlertWebhook(s.alerts()));
    } catch (SettingsException e) {
      System.err.println("vmha agent: " + e.getMessage());
      return ExitCode.USAGE;
    }
    if (auth.mode() == ApiSettings.Auth.NONE) {
      System.err.println("vmha agent: WARNING: vmha.api.auth = \"none\": anyone who reaches " + s.hostAddress() + ":"
          + s.httpPort() + " controls the cluster");
    }
    DataDirLock.Attempt locked;
    try {
      locked = DataDirLock.agentAfterReaders(s.dataDir(), s.hostId());
    } catch (IOException e) {
      System.err.println("vmha agent: cannot use vmha.host.data-dir " + s.dataDir().toAbsolutePath() + ": " + e);
      return ExitCode.FAILED;
    }
    if (locked instanceof DataDirLock.Held h) {
      System.err.println("vmha agent: vmha.host.data-dir " + s.dataDir().toAbsolutePath() + " is in use by " + h.who()
          + " (" + s.dataDir().resolve(DataDirLock.FILE) + " is locked): two agents on one data directory would share"
          + " its history and VM records; stop the other one, or give this agent its own vmha.host.data-dir");
      return ExitCode.FAILED;
    }
    // held until this process exits
    try (DataDirLock lock = ((DataDirLock.Acquired) locked).lock()) {
      return runLocked(s, auth, webhook);
    }
  }

  private Integer runLocked(HaSettings s, ApiAuth auth, Optional<AlertWebhook> webhook) throws Exception {
    Optional<String> duplicate = StartChecks.duplicateHostId(s);
    if (duplicate.isPresent()) {
      System.err.println("vmha agent: vmha.host.id = \"" + s.hostId() + "\" is in use: " + duplicate.get()
          + "; two agents of one id would run VMs under one name: give each host its own vmha.host.id");
      return ExitCode.FAILED;
    }
    Optional<String> promise = StartChecks.unreadablePromise(s);
    if (promise.isPresent()) {
      System.err.println("vmha agent: the epoch this host promised, " + promise.get() + ": without it this host could"
          + " hold a deposed master's protected list; if `vmha status` shows the other hosts following one master,"
          + " move the file away and start the agent again: it then promises that master's epoch");
      return ExitCode.FAILED;
    }
    StartChecks.unusableDatastores(s).forEach((ds, why) -> System.err.println("vmha agent: warning: datastore " + ds
        + " (vmha.datastores) " + why + "; starting anyway: this host writes its heartbeat to the datastores it can"
        + " reach, and fences itself (takes no VMs) while it reaches none"));
    EventLog events = EventLog.persistent();
    // one per process, as the event log: counters and alerts outlive a restart of the actor system
    HaMetrics metrics = new HaMetrics(s.hostId());
    webhook.ifPresent(metrics::webhook);
    Alerts alerts = new Alerts(s.alerts(), webhook);
    events.subscribe(metrics);
    events.subscribe(alerts);
    events.subscribeHeard(alerts::heard);
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<ActorSystem<HostSupervisor.Command>> current =
        new AtomicReference<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      ActorSystem<HostSupervisor.Command> sys = current.get();
      if (sys != null) {
        // as Pekko's own hook does: a planned stop, whose first phase disarms the watchdog (HostSupervisor)
        CoordinatedShutdown.get(sys).run(CoordinatedShutdown.jvmExitReason());
        sys.getWhenTerminated().toCompletableFuture().join();
      }
    }));
    // An agent removed from the cluster (downed while it was cut off, or quarantined) has a terminated actor
    // system: start a new one, which joins as a new incarnation and becomes a slave of the master it finds.
    Incarnations incarnations = new Incarnations();
    while (!stopping.get()) {
      ActorSystem<HostSupervisor.Command> system;
      try {
        system = Agent.start(s, io -> Drivers.fromSettings(s, io), events, Clock.systemUTC(), ConfigFactory.load(),
            incarnations);
      } catch (SettingsException e) { // the cluster transport's stores, checked as the actor system starts
        System.err.println("vmha agent: " + e.getMessage());
        return ExitCode.USAGE;
      } catch (RuntimeException e) {
        if (!hasCause(e, BindException.class)) throw e;
        System.err.println("vmha agent: cannot listen on " + s.hostAddress() + ":" + s.clusterPort()
            + " (vmha.host.address, vmha.host.port): " + Failures.rootMessage(e)
            + "; is another agent running there, or is the address not this host's?");
        return ExitCode.FAILED;
      }
      current.set(system);
      Agent.startHistory(system, s.hostId(), s.history(), events).whenComplete((done, err) -> {
        // tried until the system stops; meanwhile the agent decides without it and the events wait in the event log
        if (err != null) System.err.println("vmha agent: history journal " + s.history() + " not started: " + err);
      });
      Duration timeout = Duration.ofSeconds(5);
      ActorRef<ElectionFsm.Command> election = AskPattern.<HostSupervisor.Command, ActorRef<ElectionFsm.Command>>ask(
          system, HostSupervisor.GetElection::new, timeout, system.scheduler()).toCompletableFuture().get();
      ActorRef<Watchdog.Command> watchdog = AskPattern.<HostSupervisor.Command, ActorRef<Watchdog.Command>>ask(
          system, HostSupervisor.GetWatchdog::new, timeout, system.scheduler()).toCompletableFuture().get();
      ActorRef<DatastoreHeartbeat.Command> datastore = AskPattern.<HostSupervisor.Command,
          ActorRef<DatastoreHeartbeat.Command>>ask(system, HostSupervisor.GetDatastoreHeartbeat::new, timeout,
          system.scheduler()).toCompletableFuture().get();
      GaugeReader gauges = new GaugeReader(election, datastore, TimingRules.gaugeAskBound(timeout), system.scheduler());
      try {
        HistoryReader history = new HistoryReader(system);
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        new HttpApi(system, election, watchdog, events, timeout, s.restart(), s.apiMaxRequestsInFlight(), auth)
            .servingHistory(() -> history.readAsync(s, blocking))
            .servingMetrics(() -> gauges.read().thenApply(metrics::scrape))
            .servingAlerts(alerts::recent)
            .servingPolicy(s.capacity().policy())
            .bind(s.hostAddress(), s.httpPort()).toCompletableFuture().get();
      } catch (Exception e) {
        System.err.println("vmha agent: cannot serve the HTTP API on " + s.hostAddress() + ":" + s.httpPort() + ": "
            + e.getMessage());
        system.terminate();
        return ExitCode.FAILED;
      }
      Duration terminationBound = TimingRules.actorSystemTerminationBound(system.settings().config());
      if (!terminatedInTime(system, terminationBound)) {
        // halt, not exit: the shutdown hook would wait for the same termination
        LOG.error("the actor system of " + s.hostId() + " did not terminate within "
            + terminationBound.toSeconds() + " s of its shutdown; exiting for the service manager to start the agent"
            + " again");
        Runtime.getRuntime().halt(3);
      }
      events.detach();
      if (incarnations.refused().isPresent()) {
        System.err.println("vmha agent: vmha.host.id = \"" + s.hostId() + "\" is in use: "
            + incarnations.refused().get());
        return 1;
      }
      if (!stopping.get()) {
        LOG.warn("the actor system of {} terminated; starting it again", s.hostId());
      }
    }
    return ExitCode.OK;
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) return true;
    }
    return false;
  }

  /**
   * Waits for the actor system to terminate; false once its coordinated shutdown has run for
   * {@code bound} ({@link TimingRules#actorSystemTerminationBound}) without it terminating. Pekko 1.7.0's Artery can
   * wait for its streams without a deadline when a removed agent's system shuts down (apache/pekko#3247; seen over
   * TLS after the agent was frozen and quarantined: phase actor-system-terminate timed out and the system never
   * terminated, so the agent never rejoined).
   * A new process rejoins where the stuck one never would.
   */
  private static boolean terminatedInTime(ActorSystem<?> system, Duration bound) throws InterruptedException {
    CompletableFuture<?> done = system.getWhenTerminated().toCompletableFuture();
    long shutdownSeen = 0;
    while (true) {
      try {
        done.get(1, TimeUnit.SECONDS);
        return true;
      } catch (TimeoutException e) {
        if (CoordinatedShutdown.get(system).shutdownReason().isEmpty()) continue;
        if (shutdownSeen == 0) shutdownSeen = System.nanoTime();
        if (System.nanoTime() - shutdownSeen > bound.toNanos()) return false;
      } catch (ExecutionException e) {
        return true; // terminated, with a failure: the loop starts the next incarnation as before
      }
    }
  }
}
