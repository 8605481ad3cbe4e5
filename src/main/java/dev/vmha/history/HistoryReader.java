package dev.vmha.history;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.HistorySettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Reads hosts' persisted histories for {@code ./vmha history} and an agent's {@code GET /api/v1/history}: plain JDBC on
 * pekko-persistence-jdbc's tables ({@code event_journal}, {@code snapshot}), read-only, the same way for N separate
 * H2 files as for one shared PostgreSQL database, without a query plugin per database. An H2 file is read by the
 * agent that owns it, or by a reader holding its data directory's lock while no agent runs (cli.HistorySource).
 * Payloads are decoded by Pekko's serialization, so the same Jackson mapper and schema migrations apply as in the
 * agent.
 */
public final class HistoryReader implements AutoCloseable {
  private static final String EVENTS = "SELECT \"sequence_number\", \"event_ser_id\", \"event_ser_manifest\","
      + " \"event_payload\" FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"deleted\" = FALSE"
      + " AND \"sequence_number\" > ? ORDER BY \"sequence_number\"";
  private static final String SNAPSHOT = "SELECT \"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\""
      + " FROM \"snapshot\" WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\" DESC LIMIT 1";

  /** One journal's events still stored (after what its latest snapshot compacted) and that snapshot's state. */
  public record Journal(String persistenceId, HistoryState state, List<HaEvent> events) {}

  /** The actor system this reader started for itself (terminated on close); empty inside an agent. */
  private final Optional<ActorSystem<?>> own;
  private final Serialization serialization;

  /** A reader with its own local actor system, for the command line. */
  public HistoryReader() {
    this(ActorSystem.create(Behaviors.empty(), "vmha-history", ConfigFactory
        .parseString("pekko.actor.provider = local\npekko.loglevel = WARNING\npekko.stdout-loglevel = OFF")
        .withFallback(ConfigFactory.load())), true);
  }

  /** A reader inside a running agent, on its actor system's serialization. */
  public HistoryReader(ActorSystem<?> system) {
    this(system, false);
  }

  private HistoryReader(ActorSystem<?> system, boolean owned) {
    this.own = owned ? Optional.of(system) : Optional.empty();
    this.serialization = SerializationExtension.get(system);
  }

  /** The host's two journals (its own decisions, its master decisions). */
  public List<Journal> read(HaSettings s) throws SQLException {
    HistorySettings h = s.history();
    // an H2 file that does not exist is a host without history, not a new empty database; opened read-only, H2 locks
    // the file shared, so readers never write and never stand beside a writer in another process
    String url = h.journal() == HistorySettings.Journal.H2 ? h.jdbcUrl() + ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r"
        : h.jdbcUrl();
    try (Connection c = DriverManager.getConnection(url, h.user(), h.password())) {
      c.setReadOnly(true);
      List<Journal> journals = new ArrayList<>();
      for (PersistenceId id : List.of(HistoryJournal.own(s.hostId()), HistoryJournal.master(s.hostId()))) {
        journals.add(read(c, id.id()));
      }
      return journals;
    }
  }

  /** {@link #read(HaSettings)} on {@code blocking}, for an agent's API. */
  public CompletionStage<List<Journal>> readAsync(HaSettings s, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return read(s);
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, blocking);
  }

  private Journal read(Connection c, String persistenceId) throws SQLException {
    HistoryState state = HistoryState.EMPTY;
    try (PreparedStatement q = c.prepareStatement(SNAPSHOT)) {
      q.setString(1, persistenceId);
      try (ResultSet r = q.executeQuery()) {
        if (r.next()) state = (HistoryState) decode(r.getBytes(3), r.getInt(1), r.getString(2));
      }
    }
    List<HaEvent> events = new ArrayList<>();
    try (PreparedStatement q = c.prepareStatement(EVENTS)) {
      q.setString(1, persistenceId);
      // events the snapshot counts as compacted may outlive it briefly (deleted after the snapshot is stored)
      q.setLong(2, state.compacted());
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) events.add((HaEvent) decode(r.getBytes(4), r.getInt(2), r.getString(3)));
      }
    }
    return new Journal(persistenceId, state, events);
  }

  private Object decode(byte[] payload, int serializerId, String manifest) {
    return serialization.deserialize(payload, serializerId, manifest).get();
  }

  @Override
  public void close() {
    own.ifPresent(s -> {
      s.terminate();
      s.getWhenTerminated().toCompletableFuture().join();
    });
  }
}
