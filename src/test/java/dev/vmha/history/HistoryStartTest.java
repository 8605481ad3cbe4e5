package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HistorySettings;
import dev.vmha.host.Agent;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** An agent whose history database does not answer at start gets its history once the database answers. */
class HistoryStartTest {
  private static final double FACTOR = Double.parseDouble(System.getProperty("pekko.test.timefactor", "1"));
  private static final long WAIT_S = (long) (60 * FACTOR);

  private final Logger agentLog = (Logger) LoggerFactory.getLogger(Agent.class);
  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
  private ActorTestKit kit;
  private Server server;

  @AfterEach
  void stop() {
    agentLog.detachAppender(warnings);
    if (kit != null) kit.shutdownTestKit();
    if (server != null) server.stop();
  }

  @Test
  void aHistoryDatabaseThatDoesNotAnswerAtStartIsTriedAgainUntilItDoesAndThenTakesTheEvents() throws Exception {
    int port = freePort();
    HistorySettings history = new HistorySettings(HistorySettings.Journal.H2,
        "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:late-history;DB_CLOSE_DELAY=-1", "sa", "", 1000, 600);
    warnings.start();
    agentLog.addAppender(warnings);
    kit = ActorTestKit.create("HistoryStart", Agent.historyConfig(history)
        .withFallback(ConfigFactory.parseString("""
            pekko.actor.provider = local
            pekko-persistence-jdbc.shared-databases.slick.db.connectionTimeout = 1000
            """))
        .withFallback(ConfigFactory.load("application-test")));
    EventLog events = EventLog.persistent();
    CompletableFuture<?> started = Agent.startHistory(kit.system(), "host1", history, events).toCompletableFuture();

    kit.createTestProbe().awaitAssert(Duration.ofSeconds(WAIT_S), () -> {
      assertTrue(warnings.list.stream().anyMatch(e -> e.getFormattedMessage().contains("not ready (attempt 1)")),
          "the first attempt failed and was logged");
      return null;
    });
    assertFalse(started.isDone(), "no database: not started, and not given up");

    server = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists").start();
    started.get(WAIT_S, TimeUnit.SECONDS);
    events.persisted(HistoryTesting.own("host1", 1)).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
