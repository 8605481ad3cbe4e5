package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.demo.LocalCluster;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which agent's API a command asks, and with which token (picocli mixin of status and vm): {@code --agent}, else the
 * {@code --config} file's agent, else every agent of the local cluster ({@link LocalCluster}: after {@code ./vmha demo}
 * its hosts) in turn until one answers, else {@value #DEFAULT_AGENT}.
 */
final class AgentOptions {
  static final String DEFAULT_AGENT = "127.0.0.1:8551";

  @Option(names = "--agent", description = "host:port of an agent's HTTP API (default: the --config file's address"
      + " and http-port, else each agent of the local cluster until one answers: the last ./vmha demo's, else"
      + " conf/host1.conf .. host4.conf's).")
  String agent;

  @Option(names = "--config", description = "A host's HOCON file: its vmha.api.token-file is the token sent (unless"
      + " VMHA_TOKEN or VMHA_TOKEN_FILE is set), its address the agent asked.")
  File config;

  /** The environment the token is looked up in (tests replace it). */
  Map<String, String> env = System.getenv();

  /** Where the local cluster is found (tests replace it). */
  Path home = Path.of(System.getProperty("vmha.home", "."));

  record Target(String agent, ClientToken token, AgentClient client) {
    static Target of(String agent, ClientToken token) {
      return new Target(agent, token, new AgentClient(agent, token.secret()));
    }
  }

  /** The agents to ask, in order; a bad --config, --agent or token throws SettingsException or IllegalArgumentException. */
  Targets targets() {
    if (agent != null || config != null) {
      Optional<HaSettings> s = Optional.ofNullable(config).map(HaSettings::load);
      String at = agent != null ? agent : s.map(h -> h.hostAddress() + ":" + h.httpPort()).orElseThrow();
      return new Targets(List.of(Target.of(at, ClientToken.resolve(env, s.flatMap(h -> h.api().tokenFile())))),
          List.of(), "");
    }
    LocalCluster.Hosts local = LocalCluster.hostFiles(home);
    List<Target> targets = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (Path f : local.files()) {
      if (!Files.isRegularFile(f)) continue;
      HaSettings s;
      try {
        s = HaSettings.load(f.toFile());
      } catch (SettingsException e) {
        skipped.add(f + ": " + e.getMessage());
        continue;
      }
      ClientToken token;
      try {
        token = ClientToken.resolve(env, s.api().tokenFile());
      } catch (IllegalArgumentException e) {
        // asked anyway: if it answers, its refusal says what is wrong with the token
        token = new ClientToken(Optional.empty(), "no token: " + e.getMessage());
      }
      targets.add(Target.of(s.hostAddress() + ":" + s.httpPort(), token));
    }
    if (targets.isEmpty() && skipped.isEmpty()) {
      return new Targets(List.of(Target.of(DEFAULT_AGENT, ClientToken.resolve(env, Optional.empty()))), List.of(), "");
    }
    return new Targets(targets, skipped, local.from());
  }

  /** The agents to ask; {@code skipped}: host files of the local cluster that could not be used, and why. */
  record Targets(List<Target> list, List<String> skipped, String from) {
    /** The first agent that takes the connection, and its answer. */
    Answer ask(Call call) throws NoAgent, IOException, InterruptedException {
      List<String> tried = new ArrayList<>();
      for (Target t : list) {
        try {
          return new Answer(t, call.on(t.client()));
        } catch (ConnectException | HttpConnectTimeoutException e) {
          // nothing listens there (a stopped or crashed host): the next one may answer; the request was not sent
          tried.add(t.agent());
        }
      }
      List<String> why = new ArrayList<>();
      why.add("no agent answers at " + (tried.isEmpty() ? "(none)" : String.join(", ", tried))
          + (from.isEmpty() ? "" : " (" + from + ")"));
      why.addAll(skipped);
      throw new NoAgent(String.join("; ", why));
    }
  }

  interface Call {
    AgentClient.Reply on(AgentClient client) throws IOException, InterruptedException;
  }

  record Answer(Target target, AgentClient.Reply reply) {}

  /** No agent took the connection. */
  static final class NoAgent extends Exception {
    NoAgent(String message) {
      super(message);
    }
  }
}
