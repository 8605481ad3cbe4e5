package dev.vmha.config;

import java.nio.file.Path;

/**
 * Where the history journal lives and how much of it is kept.
 *
 * @param journal the database: an embedded H2 file under the data directory, or a PostgreSQL server
 * @param jdbcUrl the JDBC URL the journal plugin and {@code ./vmha history} connect to
 * @param maxMasterEvents {@code das.config.fdm.event.maxMasterEvents}: master decisions kept
 * @param maxSlaveEvents {@code das.config.fdm.event.maxSlaveEvents}: this host's own decisions kept
 */
public record HistorySettings(
    Journal journal, String jdbcUrl, String user, String password, int maxMasterEvents, int maxSlaveEvents) {

  public enum Journal {
    H2("slick.jdbc.H2Profile$", "org.h2.Driver"),
    POSTGRESQL("slick.jdbc.PostgresProfile$", "org.postgresql.Driver");

    public final String slickProfile;
    public final String driver;

    Journal(String slickProfile, String driver) {
      this.slickProfile = slickProfile;
      this.driver = driver;
    }
  }

  /**
   * The H2 database file {@code <dataDir>/history.mv.db}, embedded and open to this process only: no AUTO_SERVER,
   * whose TCP server would listen on every interface as user sa without a password ({@code ./vmha history} asks a
   * running agent's API instead: history.HostHistory). WRITE_DELAY=0 writes every commit to the file at once, so an
   * event persisted before the agent acts survives a kill -9 of the agent.
   */
  public static HistorySettings h2(Path dataDir, int maxMasterEvents, int maxSlaveEvents) {
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().resolve("history") + ";WRITE_DELAY=0";
    return new HistorySettings(Journal.H2, url, "sa", "", maxMasterEvents, maxSlaveEvents);
  }

  /** The password stays out of logs and error messages. */
  @Override
  public String toString() {
    return "HistorySettings[" + journal + " " + jdbcUrl + " user " + user + ", maxMasterEvents " + maxMasterEvents
        + ", maxSlaveEvents " + maxSlaveEvents + "]";
  }
}
