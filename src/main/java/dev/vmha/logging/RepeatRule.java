package dev.vmha.logging;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which repeats of a warning are written (pure; no clock, no logging): per key, the first {@code allowed} in a
 * window, and of those no two alike (the same text again, e.g. one fault logged by each of Artery's three streams);
 * the others are counted, and the count is told with the first one of a later window. A repeater that stops
 * leaves its last count untold (there is no timer); it keeps at most {@code maxKeys} keys, forgetting the least recent.
 */
public final class RepeatRule {
  /** What to do with one occurrence. */
  public sealed interface Decision {}

  /** Write it. */
  public record Write() implements Decision {}

  /** Write it after a line saying that {@code suppressed} like it were not written in the window before. */
  public record WriteAfterCount(long suppressed, Duration window, String lastSuppressed) implements Decision {}

  /** Do not write it: counted. */
  public record Suppress() implements Decision {}

  private static final Write WRITE = new Write();
  private static final Suppress SUPPRESS = new Suppress();

  private final long windowNanos;
  private final int allowed;
  private final Map<String, State> keys;

  private static final class State {
    long windowStart;
    int written;
    long suppressed;
    String lastWritten;
    String lastSuppressed;
  }

  public RepeatRule(Duration window, int allowed, int maxKeys) {
    if (window.isNegative() || window.isZero() || allowed < 1 || maxKeys < 1) {
      throw new IllegalArgumentException("windowMs, allowed and maxKeys must be 1 or more: window "
          + dev.vmha.Durations.human(window) + ", allowed " + allowed + ", maxKeys " + maxKeys);
    }
    this.windowNanos = window.toNanos();
    this.allowed = allowed;
    this.keys = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
        return size() > maxKeys;
      }
    };
  }

  /**
   * The key of a message: its text with every run of digits as one {@code #}, so that a warning that carries a counter,
   * a time or a port ("heartbeat interval ... 1234 millis", "lease of vm10") repeats as one.
   */
  public static String key(String logger, String message) {
    return logger + " " + message.replaceAll("[0-9]+", "#");
  }

  /** One occurrence of {@code key}, with its text, at {@code nowNanos} (any monotonic clock). */
  public synchronized Decision decide(String key, String message, long nowNanos) {
    State s = keys.get(key);
    if (s == null || nowNanos - s.windowStart >= windowNanos) {
      long told = s == null ? 0 : s.suppressed;
      String last = s == null ? null : s.lastSuppressed;
      s = new State();
      s.windowStart = nowNanos;
      s.written = 1;
      s.lastWritten = message;
      keys.put(key, s);
      return told == 0 ? WRITE : new WriteAfterCount(told, Duration.ofNanos(windowNanos), last);
    }
    if (s.written < allowed && !message.equals(s.lastWritten)) {
      s.written++;
      s.lastWritten = message;
      return WRITE;
    }
    s.suppressed++;
    s.lastSuppressed = message;
    return SUPPRESS;
  }
}
