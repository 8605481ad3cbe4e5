package dev.vmha.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The HTTP API's authentication (docs/SECURITY.md).
 *
 * @param auth {@code vmha.api.auth}
 * @param tokensFile {@code vmha.api.tokens-file}: the tokens this agent accepts (names, roles, salted hashes)
 * @param tokenFile {@code vmha.api.token-file}: the secret the command line sends when given this host's file
 */
public record ApiSettings(Auth auth, Path tokensFile, Optional<Path> tokenFile) {

  public enum Auth {
    /** Every request carries a known bearer token whose role allows it. */
    TOKENS,
    /** No authentication: anyone who reaches the port controls the cluster; status warns. */
    NONE
  }
}
