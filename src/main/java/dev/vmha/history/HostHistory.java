package dev.vmha.history;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.vmha.config.HaSettings;
import dev.vmha.config.HistorySettings;
import dev.vmha.host.DataDirLock;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;

/**
 * Where a host's history is read from. Its H2 file is open to one process only (no H2 server: it would listen on
 * every interface), so while the host's agent runs, which the lock on its data directory tells, the history comes
 * from that agent's {@code GET /api/v1/history}; with the agent stopped or crashed, from the file, read under a shared
 * lock on the data directory so that an agent starting meanwhile waits for the read. PostgreSQL serves everyone.
 */
public final class HostHistory {
  private HostHistory() {}

  /** Asks a running agent for its journals: the JSON body of its {@code GET /api/v1/history}. */
  @FunctionalInterface
  public interface AgentApi {
    String history(String hostPort) throws IOException, InterruptedException;
  }

  public static List<HistoryReader.Journal> read(HistoryReader reader, HaSettings s, AgentApi api)
      throws SQLException, IOException, InterruptedException {
    if (s.history().journal() != HistorySettings.Journal.H2) return reader.read(s);
    DataDirLock.Attempt a = DataDirLock.reader(s.dataDir());
    if (a instanceof DataDirLock.Acquired acquired) {
      try (DataDirLock lock = acquired.lock()) {
        return reader.read(s);
      }
    }
    String who = ((DataDirLock.Held) a).who();
    if (s.httpPort() == 0) {
      throw new IOException("its agent (" + who + ") holds the history file, and vmha.host.http-port = 0 gives no"
          + " fixed port to ask it");
    }
    try {
      return decode(api.history(s.hostAddress() + ":" + s.httpPort()));
    } catch (IOException e) {
      throw new IOException("its agent (" + who + ") holds the history file and its API at " + s.hostAddress() + ":"
          + s.httpPort() + " did not answer: " + e.getMessage(), e);
    }
  }

  /** The journals in an agent's answer. */
  public static List<HistoryReader.Journal> decode(String json) throws IOException {
    return EventLog.JSON.readValue(json, new TypeReference<List<HistoryReader.Journal>>() {});
  }
}
