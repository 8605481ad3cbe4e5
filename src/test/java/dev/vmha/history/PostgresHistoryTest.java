package dev.vmha.history;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmha.config.HaSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal on a real PostgreSQL server. Runs when {@code -Dvmha.test.postgresql=jdbc:postgresql://host:port/db}
 * (or the environment variable VMHA_TEST_POSTGRESQL) names one; user and password from
 * {@code vmha.test.postgresql.user} / {@code .password} (default vmha / vmha). .ci/run starts a server and sets it.
 */
class PostgresHistoryTest {
  @TempDir Path dir;

  @Test
  void historySurvivesARestartOfTheAgentsActorSystem() throws Exception {
    String url = System.getProperty("vmha.test.postgresql", System.getenv("VMHA_TEST_POSTGRESQL"));
    assumeTrue(url != null && !url.isBlank(), "skipped: no PostgreSQL server given (set -Dvmha.test.postgresql="
        + "jdbc:postgresql://127.0.0.1:5432/vmha or VMHA_TEST_POSTGRESQL; .ci/run starts one)");
    // a host id of its own: the database outlives the test
    String host = "pgtest-" + System.currentTimeMillis();
    HaSettings s = HistoryTesting.settings(host, dir, """
        vmha.history.journal = "postgresql"
        vmha.history.postgresql { url = "%s", user = "%s", password = "%s" }
        """.formatted(url, System.getProperty("vmha.test.postgresql.user", "vmha"),
        System.getProperty("vmha.test.postgresql.password", "vmha")));
    HistoryTesting.persistsAndSurvivesRestart(s);
  }
}
