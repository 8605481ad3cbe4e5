package dev.vmha.cli;

import com.typesafe.config.ConfigFactory;
import dev.vmha.api.HttpApi;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import dev.vmha.host.Agent;
import dev.vmha.host.Drivers;
import dev.vmha.host.HostSupervisor;
import dev.vmha.host.Incarnations;
import dev.vmha.watchdog.Watchdog;
import java.io.File;
import java.time.Clock;
import java.time.Duration;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import picocli.CommandLine.Command;

@Command(name = "agent", description = "Run this host's HA agent until it is stopped.")
final class AgentCommand extends HostCommand {
  @Override
  String name() {
    return "agent";
  }

  @Override
  Integer run(HaSettings s) throws Exception {
    EventLog events = EventLog.persistent();
    java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<ActorSystem<HostSupervisor.Command>> current =
        new java.util.concurrent.atomic.AtomicReference<>();
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
        return 2;
      }
      current.set(system);
      Agent.startHistory(system, s, events).whenComplete((done, err) -> {
        // the agent keeps deciding without its history database; the events wait in the event log
        if (err != null) System.err.println("vmha agent: history journal " + s.history() + " not started: " + err);
      });
      Duration timeout = Duration.ofSeconds(5);
      ActorRef<ElectionFsm.Command> election = AskPattern.<HostSupervisor.Command, ActorRef<ElectionFsm.Command>>ask(
          system, HostSupervisor.GetElection::new, timeout, system.scheduler()).toCompletableFuture().get();
      ActorRef<Watchdog.Command> watchdog = AskPattern.<HostSupervisor.Command, ActorRef<Watchdog.Command>>ask(
          system, HostSupervisor.GetWatchdog::new, timeout, system.scheduler()).toCompletableFuture().get();
      try {
        new HttpApi(system, election, watchdog, events, timeout, s.restart()).bind(s.hostAddress(), s.httpPort()).toCompletableFuture()
            .get();
      } catch (Exception e) {
        System.err.println("vmha agent: cannot serve the HTTP API on " + s.hostAddress() + ":" + s.httpPort() + ": "
            + e.getMessage());
        system.terminate();
        return 1;
      }
      system.getWhenTerminated().toCompletableFuture().join();
      events.detach();
      if (!stopping.get()) {
        System.err.println("vmha agent: the actor system of " + s.hostId() + " terminated; starting it again");
      }
    }
    return 0;
  }
}
