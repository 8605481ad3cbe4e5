package dev.vmha.alerts;

import dev.vmha.config.AlertSettings;
import dev.vmha.history.HaEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The cluster's alerts as this agent shows them: a listener on its event stream that turns decisions into alerts
 * ({@link AlertRule}), keeps the last {@code vmha.alerts.keep} for GET /api/v1/alerts and hands each of this host's
 * own to the webhook, which only enqueues; the alerts of decisions heard from other agents ({@link #heard}) are kept
 * and shown, their webhook call is the deciding agent's. One per process, like the event log. Thread-safe.
 */
public final class Alerts implements Consumer<HaEvent> {
  private final AlertRule rule = new AlertRule();
  private final ArrayDeque<Alert> recent = new ArrayDeque<>();
  private final int keep;
  private final Optional<AlertWebhook> webhook;
  private long nextId = 1;

  public Alerts(AlertSettings settings, Optional<AlertWebhook> webhook) {
    this.keep = settings.keep();
    this.webhook = webhook;
  }

  /** A decision this host took: its alert is kept and posted to the webhook. */
  @Override
  public void accept(HaEvent e) {
    raised(e).ifPresent(a -> webhook.ifPresent(w -> w.post(a)));
  }

  /** A decision another agent took ({@link dev.vmha.history.EventLog#subscribeHeard}): its alert is kept only. */
  public void heard(HaEvent e) {
    raised(e);
  }

  private synchronized Optional<Alert> raised(HaEvent e) {
    Optional<AlertRule.Raised> r = rule.on(e);
    if (r.isEmpty()) return Optional.empty();
    Alert a = new Alert(nextId++, e.at(), e.by(), r.get().kind(), r.get().severity(), r.get().subject(),
        r.get().message());
    recent.addLast(a);
    if (recent.size() > keep) recent.removeFirst();
    return Optional.of(a);
  }

  /** The alerts kept, oldest first. */
  public synchronized List<Alert> recent() {
    return new ArrayList<>(recent);
  }
}
