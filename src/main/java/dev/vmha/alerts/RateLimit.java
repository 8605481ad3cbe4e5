package dev.vmha.alerts;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * At most one warning per {@code every}: the first one passes, the next ones within the period are counted and the
 * count rides on the next one that passes. Pure (the time is given), not thread-safe.
 */
final class RateLimit {
  private final long everyNanos;
  private long lastNanos;
  private boolean any;
  private long suppressed;

  RateLimit(Duration every) {
    this.everyNanos = every.toNanos();
  }

  /** Empty when this warning is to be suppressed; else how many were suppressed since the last one that passed. */
  OptionalLong pass(long nowNanos) {
    if (any && nowNanos - lastNanos < everyNanos) {
      suppressed++;
      return OptionalLong.empty();
    }
    any = true;
    lastNanos = nowNanos;
    long n = suppressed;
    suppressed = 0;
    return OptionalLong.of(n);
  }
}
