package dev.vmha.host;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.history.HaEvent;
import dev.vmha.master.MasterCoordinator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts one host's agent: its actor system, joined to the cluster named in the settings. */
public final class Agent {
  private Agent() {}

  /** The Pekko settings that follow from the vmha settings: address, seeds, and the roles that carry identity. */
  public static Config pekkoConfig(HaSettings s) {
    List<String> seeds = new ArrayList<>();
    for (String hp : s.seedNodes()) seeds.add("pekko://" + s.clusterName() + "@" + hp);
    List<String> roles = new ArrayList<>(List.of(MasterCoordinator.HOST_ROLE + s.hostId()));
    if (s.httpPort() != 0) roles.add(MasterCoordinator.MGMT_ROLE + s.hostAddress() + ":" + s.httpPort());
    // Pekko's failure detector must have spoken by the time vmha judges a silent host (hostTimeout), or a host that
    // just died still reads as REACHABLE and is taken for a live host with a dead agent
    Duration pause = s.hostTimeout().dividedBy(3);
    return ConfigFactory.empty()
        .withValue("pekko.cluster.failure-detector.heartbeat-interval",
            ConfigValueFactory.fromAnyRef(s.failureDetectionInterval().toMillis() + "ms"))
        .withValue("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
            ConfigValueFactory.fromAnyRef(pause.toMillis() + "ms"))
        .withValue("pekko.cluster.unreachable-nodes-reaper-interval",
            ConfigValueFactory.fromAnyRef(s.failureDetectionInterval().toMillis() + "ms"))
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(s.hostAddress()))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(s.clusterPort()))
        .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles));
  }

  public static ActorSystem<HostSupervisor.Command> start(
      HaSettings s, Function<Executor, Drivers> drivers, Consumer<HaEvent> events, Clock clock, Config base) {
    Config config = pekkoConfig(s).withFallback(base);
    return ActorSystem.create(HostSupervisor.create(s, drivers, events, clock), s.clusterName(), config);
  }
}
