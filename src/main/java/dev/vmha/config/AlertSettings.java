package dev.vmha.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Alerts (GET /api/v1/alerts) and their webhook.
 *
 * @param keep {@code vmha.alerts.keep}: alerts kept in memory for GET /api/v1/alerts
 * @param webhook {@code vmha.alerts.webhook.url}: where each alert is POSTed as JSON; empty for none
 * @param timeout {@code vmha.alerts.webhook.timeout}: one attempt's bound, connection and answer
 * @param retries {@code vmha.alerts.webhook.retries}: attempts after the first
 * @param backoff {@code vmha.alerts.webhook.backoff}: wait before the first retry, doubled before each further one
 * @param queue {@code vmha.alerts.webhook.queue}: alerts waiting to be posted at most; beyond, the oldest is dropped
 * @param tokenFile {@code vmha.alerts.webhook.token-file}: a file (mode 0600) whose secret is sent as
 *     {@code Authorization: Bearer}; empty for none
 */
public record AlertSettings(int keep, Optional<URI> webhook, Duration timeout, int retries, Duration backoff,
    int queue, Optional<java.nio.file.Path> tokenFile) {

  /** The webhook's scheme, host and port only: its path or query may hold a secret (a chat service's token). */
  public String webhookTarget() {
    return webhook.map(u -> u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()))
        .orElse("(none)");
  }
}
