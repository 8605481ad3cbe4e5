package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.host.Agent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/** A host's settings and an actor system with its history database, as the agent builds them. */
public final class HistoryTesting {
  public static final Instant T0 = Instant.parse("2025-03-01T03:12:00Z");

  private HistoryTesting() {}

  /** Settings of host {@code hostId} with its data in {@code dataDir}; {@code extra} HOCON overrides. */
  public static HaSettings settings(String hostId, Path dataDir, String extra) {
    return HaSettings.from(ConfigFactory.parseString("""
        vmha.host.id = "%s"
        vmha.host.data-dir = "%s"
        das.usedefaultisolationaddress = false
        das.isolationaddress1 = "127.0.0.1"
        %s
        """.formatted(hostId, dataDir, extra)).withFallback(HaSettings.defaults()).resolve());
  }

  /** An actor system on the host's history database (local provider: no cluster needed), schema created. */
  public static ActorTestKit kit(String name, HaSettings s) throws Exception {
    Config config = Agent.historyConfig(s.history())
        .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
        .withFallback(ConfigFactory.load("application-test"));
    ActorTestKit kit = ActorTestKit.create(name, config);
    SchemaUtils.createIfNotExists(kit.system()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    return kit;
  }

  public static HaEvent.ElectionStarted own(String host, int i) {
    return new HaEvent.ElectionStarted(T0.plusSeconds(i), host, "event " + i);
  }

  static HaEvent.HostJudged judged(String by, String host, int i) {
    return new HaEvent.HostJudged(T0.plusSeconds(i), by, host, dev.vmha.classify.Verdict.DEAD,
        "no net heartbeat 10 s, ping silent 5 s", null);
  }

  /**
   * The contract every journal database meets: events recorded (each confirmed after it is stored) are recovered
   * by a new actor system on the same database, which goes on numbering after them, and ./vmha history's reader
   * returns them in order, each in its journal (own decisions, master decisions).
   */
  static void persistsAndSurvivesRestart(HaSettings s) throws Exception {
    String h = s.hostId();
    List<HaEvent> own = List.of(own(h, 1), own(h, 3));
    List<HaEvent> master = List.of(judged(h, "host3", 2));
    ActorTestKit first = kit("HistoryFirst", s);
    try {
      ActorRef<HistoryJournal.Command> ownJournal = first.spawn(HistoryJournal.create(HistoryJournal.own(h), 600));
      ActorRef<HistoryJournal.Command> masterJournal =
          first.spawn(HistoryJournal.create(HistoryJournal.master(h), 1000));
      TestProbe<Done> stored = first.createTestProbe();
      for (HaEvent e : List.of(own.get(0), master.get(0), own.get(1))) {
        (HistoryJournal.isMasterDecision(e) ? masterJournal : ownJournal)
            .tell(new HistoryJournal.Record(e, stored.ref()));
        stored.expectMessage(Done.getInstance());
      }
    } finally {
      first.shutdownTestKit();
    }
    ActorTestKit second = kit("HistorySecond", s);
    try {
      ActorRef<HistoryJournal.Command> ownJournal = second.spawn(HistoryJournal.create(HistoryJournal.own(h), 600));
      TestProbe<HistoryState> state = second.createTestProbe();
      ownJournal.tell(new HistoryJournal.GetState(state.ref()));
      assertEquals(2, state.receiveMessage().events(), "recovered after the restart");
      TestProbe<Done> stored = second.createTestProbe();
      ownJournal.tell(new HistoryJournal.Record(own(h, 4), stored.ref()));
      stored.expectMessage(Done.getInstance());
      ownJournal.tell(new HistoryJournal.GetState(state.ref()));
      assertEquals(3, state.receiveMessage().events());
    } finally {
      second.shutdownTestKit();
    }
    try (HistoryReader reader = new HistoryReader()) {
      List<HistoryReader.Journal> journals = reader.read(s);
      assertEquals(List.of(HistoryJournal.own(h).id(), HistoryJournal.master(h).id()),
          journals.stream().map(HistoryReader.Journal::persistenceId).toList());
      assertEquals(List.of(own.get(0), own.get(1), own(h, 4)), journals.get(0).events());
      assertEquals(master, journals.get(1).events());
    }
  }
}
