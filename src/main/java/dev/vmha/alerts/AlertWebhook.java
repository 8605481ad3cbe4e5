package dev.vmha.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vmha.api.TokenFiles;
import dev.vmha.config.AlertSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.logging.RepeatRule;
import dev.vmha.timing.TimingRules;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts alerts to {@code vmha.alerts.webhook.url}, one at a time and in order, on a thread of its own: {@link #post}
 * only enqueues and returns at once, so a slow, hung or failing receiver never delays the decision that raised the
 * alert. Each attempt is bounded by the timeout; a failed one (no answer, not 2xx) is retried after the backoff,
 * doubled each time, up to the retries; then the alert is given up. At most {@code queue} alerts wait besides the one
 * being posted; beyond, the oldest waiting one is dropped. Failures are logged at most once a minute, with the count of those not logged, naming only the
 * webhook's scheme, host and port. Thread-safe.
 */
public final class AlertWebhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertWebhook.class);
  private static final Duration LOG_EVERY = Duration.ofMinutes(1);

  private final AlertSettings settings;
  private final URI url;
  /** The header's value; never logged. */
  private final Optional<String> authorization;
  private final HttpClient client;
  private final ScheduledExecutorService worker;
  /** Alerts not yet taken by the worker; the one being posted or waiting for its retry is not counted here. */
  private final ArrayDeque<Alert> waiting = new ArrayDeque<>();
  /** At most one failure warning a minute (one key: every failure of this webhook is one kind of warning). */
  private final RepeatRule failureLog = new RepeatRule(LOG_EVERY, 1, 1);
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();
  /** An alert is being posted or waits for its retry: the worker takes the next one when it is done with it. */
  private boolean busy;

  /**
   * Reads the token file, if one is set.
   *
   * @throws SettingsException naming vmha.alerts.webhook.token-file when it cannot be used (missing, readable by
   *     others, not one token on one line)
   * @throws IllegalArgumentException when the settings name no webhook
   */
  public AlertWebhook(AlertSettings settings) {
    this.settings = settings;
    this.url = settings.webhook().orElseThrow(() -> new IllegalArgumentException("no vmha.alerts.webhook.url"));
    try {
      this.authorization = settings.tokenFile().map(f -> "Bearer " + TokenFiles.readSecret(f));
    } catch (TokenFiles.Invalid e) {
      throw new SettingsException("vmha.alerts.webhook.token-file", settings.tokenFile().get(), e.problem());
    }
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vmha-alert-webhook");
      t.setDaemon(true);
      return t;
    });
    this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** Enqueues the alert and returns at once. */
  public void post(Alert a) {
    synchronized (this) {
      if (waiting.size() >= settings.queue()) {
        waiting.removeFirst();
        dropped.incrementAndGet();
        warn("queue full (vmha.alerts.webhook.queue = " + settings.queue() + "): the oldest waiting alert was dropped");
      }
      waiting.addLast(a);
      if (busy) return;
      busy = true;
    }
    try {
      worker.execute(this::next);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the agent is exiting: nothing posts any more
    }
  }

  /** Takes the next waiting alert, if any; on the worker thread only. */
  private void next() {
    Alert a;
    synchronized (this) {
      a = waiting.pollFirst();
      if (a == null) {
        busy = false;
        return;
      }
    }
    attempt(a, 1);
  }

  private void attempt(Alert a, int n) {
    attempts.incrementAndGet();
    HttpRequest request;
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(settings.timeout())
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(EventLog.JSON.writeValueAsString(a)));
      authorization.ifPresent(h -> b.header("Authorization", h));
      request = b.build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an alert is not writable as JSON", e);
    }
    // the client's own threads carry the exchange; the outcome comes back to this worker
    client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenCompleteAsync((r, err) -> {
      String failure = err != null ? describe(err)
          : r.statusCode() / 100 == 2 ? null : "answered HTTP " + r.statusCode();
      outcome(a, n, failure);
    }, worker);
  }

  private void outcome(Alert a, int n, String failure) {
    if (failure == null) {
      delivered.incrementAndGet();
      next();
    } else if (n <= settings.retries()) {
      Duration wait = TimingRules.backoff(settings.backoff(), n);
      warn("alert " + a.id() + " (" + a.kind() + ") not delivered, attempt " + n + ": " + failure + "; retry in "
          + wait.toMillis() + " ms");
      worker.schedule(() -> attempt(a, n + 1), wait.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      failed.incrementAndGet();
      warn("alert " + a.id() + " (" + a.kind() + ") given up after " + n + " attempts: " + failure);
      next();
    }
  }

  private static String describe(Throwable err) {
    Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
        ? err.getCause() : err;
    return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }

  private void warn(String what) {
    RepeatRule.Decision d = failureLog.decide("failure", what, System.nanoTime());
    if (d instanceof RepeatRule.Suppress) return;
    LOG.warn("alert webhook {}: {}{}", settings.webhookTarget(), what, d instanceof RepeatRule.WriteAfterCount c
        ? " (" + c.suppressed() + " more such warnings in the last " + LOG_EVERY.toMinutes() + " min not logged)" : "");
  }

  public long delivered() {
    return delivered.get();
  }

  /** Alerts given up after every retry. */
  public long failed() {
    return failed.get();
  }

  /** Alerts dropped from a full queue. */
  public long dropped() {
    return dropped.get();
  }

  /** POSTs made, retries included. */
  public long attempts() {
    return attempts.get();
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
