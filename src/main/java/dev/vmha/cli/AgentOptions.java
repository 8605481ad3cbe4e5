package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import java.io.File;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which agent's API a command asks, and with which token (picocli mixin of status and vm). */
final class AgentOptions {
  static final String DEFAULT_AGENT = "127.0.0.1:8551";

  @Option(names = "--agent", description = "host:port of an agent's HTTP API (default: the --config file's address"
      + " and http-port, else " + DEFAULT_AGENT + ").")
  String agent;

  @Option(names = "--config", description = "A host's HOCON file: its vmha.api.token-file is the token sent (unless"
      + " VMHA_TOKEN or VMHA_TOKEN_FILE is set), its address the agent asked.")
  File config;

  /** The environment the token is looked up in (tests replace it). */
  Map<String, String> env = System.getenv();

  /** The agent's address and the token; IllegalArgumentException (a settings error too) says what is wrong. */
  Target target() {
    Optional<HaSettings> s = Optional.ofNullable(config).map(HaSettings::load);
    String at = agent != null ? agent : s.map(h -> h.hostAddress() + ":" + h.httpPort()).orElse(DEFAULT_AGENT);
    ClientToken token = ClientToken.resolve(env, s.flatMap(h -> h.api().tokenFile()));
    return new Target(at, token, new AgentClient(at, token.secret()));
  }

  record Target(String agent, ClientToken token, AgentClient client) {}
}
