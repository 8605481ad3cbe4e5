package dev.vmha.api;

import dev.vmha.config.ApiSettings;
import dev.vmha.config.WatchdogSettings;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.watchdog.Watchdog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** API tokens for tests: authentication on, as in every agent (the tested default). */
public final class ApiTesting {
  private ApiTesting() {}

  /** A watchdog of type none that answers at once: a status request does not wait out its ask for it. */
  public static ActorRef<Watchdog.Command> watchdog(ActorTestKit kit) {
    return kit.spawn(Behaviors.receiveMessage(m -> {
      if (m instanceof Watchdog.GetStatus g) {
        g.replyTo().tell(new Watchdog.Status(WatchdogSettings.Type.NONE, Watchdog.Phase.DISARMED, Duration.ZERO,
            "no watchdog (test)"));
      }
      return Behaviors.same();
    }));
  }

  /** A tokens file in {@code dir} with one token of each role (named after it); the secrets by role. */
  public record Tokens(ApiAuth auth, String read, String operator, String admin) {
    public String of(ApiRole role) {
      return switch (role) {
        case READ -> read;
        case OPERATOR -> operator;
        case ADMIN -> admin;
      };
    }
  }

  /** The settings of an in-memory host1 whose isolation address is on loopback. */
  public static dev.vmha.config.HaSettings settings() {
    return dev.vmha.config.HaSettings.from(com.typesafe.config.ConfigFactory.parseString("vmha.host.id = host1,"
        + " das.usedefaultisolationaddress = false, das.isolationaddress1 = \"127.0.0.1\","
        + " vmha.hypervisor.type = in-memory").withFallback(dev.vmha.config.HaSettings.defaults()).resolve());
  }

  /** host1's role before it joined a cluster: no master, no coordinator, no list. */
  public static ElectionFsm.RoleInfo notJoined() {
    return new ElectionFsm.RoleInfo("host1", Role.UNINITIALIZED, Optional.empty(), Optional.empty(),
        OptionalLong.empty());
  }

  /** host1 as master, with this coordinator and protected list version 1. */
  public static ElectionFsm.RoleInfo master(ActorRef<MasterCoordinator.Command> coordinator) {
    return new ElectionFsm.RoleInfo("host1", Role.MASTER, Optional.of("host1"), Optional.of(coordinator),
        OptionalLong.of(1));
  }

  public static Tokens tokens(Path dir) {
    Path f = dir.resolve("api-tokens");
    String read = TokenFiles.add(f, "reader", ApiRole.READ);
    String operator = TokenFiles.add(f, "operator1", ApiRole.OPERATOR);
    String admin = TokenFiles.add(f, "admin1", ApiRole.ADMIN);
    return new Tokens(ApiAuth.open(new ApiSettings(ApiSettings.Auth.TOKENS, f, Optional.empty())), read, operator, admin);
  }

  /** An HTTP API on a free loopback port, asking {@code election} (a stand-in) within {@code ask}. */
  public static org.apache.pekko.http.javadsl.ServerBinding serve(
      org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit kit,
      org.apache.pekko.actor.typed.ActorRef<dev.vmha.election.ElectionFsm.Command> election,
      dev.vmha.history.EventLog events, java.time.Duration ask, Tokens tokens) throws Exception {
    return new HttpApi(kit.system(), election, watchdog(kit), events, ask, VmRequestRuleTest.RESTART, 16, tokens.auth())
        .bind("127.0.0.1", 0).toCompletableFuture().get();
  }
}
