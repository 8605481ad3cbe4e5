package dev.vmha.history;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;

/**
 * Where decisions go. {@link #accept} records one; {@link #persisted} records one and completes once it is durable, so
 * that a decision that starts something (a restart) is persisted before it is acted on.
 */
public interface DecisionLog extends Consumer<HaEvent> {

  /** Records the decision; completes when it is persisted (at once where nothing persists). */
  CompletionStage<Done> persisted(HaEvent e);

  /** A log that only hands decisions to {@code sink}: nothing to wait for (tests). */
  static DecisionLog of(Consumer<HaEvent> sink) {
    return new DecisionLog() {
      @Override
      public void accept(HaEvent e) {
        sink.accept(e);
      }

      @Override
      public CompletionStage<Done> persisted(HaEvent e) {
        sink.accept(e);
        return CompletableFuture.completedFuture(Done.getInstance());
      }
    };
  }
}
