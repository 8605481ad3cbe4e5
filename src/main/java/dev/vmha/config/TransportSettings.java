package dev.vmha.config;

import java.nio.file.Path;

/**
 * The cluster transport (issue 20, {@code vmha.tls.*}): Artery over TLS with mutual authentication against the
 * cluster's CA, or plain TCP only when said explicitly. The stores are checked when the agent starts
 * ({@code security.ClusterTls}).
 */
public sealed interface TransportSettings {

  /**
   * Artery's tls-tcp: only hosts with a certificate of the cluster's CA join or send a message.
   *
   * @param keyStore {@code vmha.tls.key-store}: this host's key and certificate (PKCS12)
   * @param trustStore {@code vmha.tls.trust-store}: the cluster CA certificates (PKCS12)
   * @param passwordFile {@code vmha.tls.password-file}: the password of both stores, on the file's first line
   */
  record MutualTls(Path keyStore, Path trustStore, Path passwordFile) implements TransportSettings {}

  /** Artery's tcp ({@code vmha.tls.transport = "plain-tcp"}): anyone who reaches the cluster port can join; status warns. */
  record PlainTcp() implements TransportSettings {}

  /** The values of {@code vmha.tls.transport}. */
  enum Kind { TLS, PLAIN_TCP }
}
