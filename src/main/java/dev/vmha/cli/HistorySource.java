package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.HistorySettings;
import dev.vmha.demo.LocalCluster;
import dev.vmha.history.HaEvent;
import dev.vmha.history.HistoryReader;
import dev.vmha.history.HostHistory;
import java.io.IOException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where {@code history}, {@code explain} and {@code replay} read the hosts' journals: {@code --config} per host. */
final class HistorySource {
  @Option(names = "--config", description = "A host's HOCON file, once per host (default: the last ./vmha demo's"
      + " hosts, listed in var/demo/hosts; without a demo the local cluster's conf/host1.conf .. conf/host4.conf).")
  List<File> configs;

  /** Every host's journals, and a line per journal whose oldest events were compacted. */
  record Journals(List<List<HaEvent>> events, List<String> compacted) {}

  List<File> files() {
    if (configs != null) return configs;
    return LocalCluster.hostFiles(Path.of(System.getProperty("vmha.home", "."))).files().stream().map(Path::toFile)
        .toList();
  }

  /** The hosts' settings; a bad file throws {@link dev.vmha.config.SettingsException}. */
  List<HaSettings> hosts() {
    List<HaSettings> hosts = new ArrayList<>();
    for (File f : files()) hosts.add(HaSettings.load(f));
    return hosts;
  }

  /** The running agent's history, asked with the host file's token (or VMHA_TOKEN / VMHA_TOKEN_FILE). */
  private static String fromAgent(String hostPort, HaSettings s) throws IOException, InterruptedException {
    ClientToken token = ClientToken.resolve(System.getenv(), s.api().tokenFile());
    AgentClient.Reply r = new AgentClient(hostPort, token.secret()).get("/api/v1/history");
    if (r.status() != 200) throw new IOException("HTTP " + r.status() + ": " + r.body());
    return r.body();
  }

  /**
   * Reads every host's journals (from its file, or from its agent while one runs: {@link HostHistory}); a host whose
   * history cannot be read is reported on stderr as {@code command}.
   */
  static Journals read(String command, List<HaSettings> hosts) {
    List<List<HaEvent>> journals = new ArrayList<>();
    List<String> compacted = new ArrayList<>();
    try (HistoryReader reader = new HistoryReader()) {
      for (HaSettings s : hosts) {
        try {
          for (HistoryReader.Journal j : HostHistory.read(reader, s, hostPort -> fromAgent(hostPort, s))) {
            journals.add(j.events());
            if (j.state().compacted() > 0) compacted.add(j.persistenceId() + ": " + j.state().compactionSummary());
          }
        } catch (SQLException | IOException e) {
          Path h2 = s.dataDir().resolve("history.mv.db");
          System.err.println("vmha " + command + ": no history of " + s.hostId() + (s.history().journal()
              == HistorySettings.Journal.H2 && !Files.exists(h2) ? ": " + h2 + " does not exist (no agent has run with"
              + " this host file)" : " at " + s.history().jdbcUrl() + ": " + e.getMessage().lines().findFirst()
              .orElse("")));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    return new Journals(journals, compacted);
  }
}
