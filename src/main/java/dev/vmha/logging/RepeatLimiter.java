package dev.vmha.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.vmha.Durations;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import org.slf4j.helpers.MessageFormatter;

/**
 * Logback turbo filter that rate-limits repeated warnings and errors ({@link RepeatRule}): a warning written every
 * 200 ms ("lease of vm10 not renewed") shows {@code allowed} times per {@code windowMs}, then one line with how many
 * were not written. INFO and below pass untouched: the decisions ({@code vmha.events}) are never dropped.
 * In logback.xml: {@code <turboFilter class="dev.vmha.logging.RepeatLimiter"><windowMs>10000</windowMs>
 * <allowed>3</allowed></turboFilter>}.
 */
public final class RepeatLimiter extends TurboFilter {
  /** The count line: written by this filter, passed by it. */
  static final Marker COUNT = MarkerFactory.getMarker("VMHA_REPEATS");

  private long windowMs = 10_000;
  private int allowed = 3;
  private int maxKeys = 1000;
  private LongSupplier nanoClock = System::nanoTime;
  private RepeatRule rule;

  public void setWindowMs(long windowMs) {
    this.windowMs = windowMs;
  }

  public void setAllowed(int allowed) {
    this.allowed = allowed;
  }

  public void setMaxKeys(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  /** Tests drive time. */
  void setNanoClock(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public void start() {
    try {
      rule = new RepeatRule(Duration.ofMillis(windowMs), allowed, maxKeys);
    } catch (IllegalArgumentException e) {
      addError("RepeatLimiter not started: " + e.getMessage());
      return;
    }
    super.start();
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (!isStarted() || level == null || !level.isGreaterOrEqual(Level.WARN) || format == null
        || (marker != null && marker.contains(COUNT)) || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
      return FilterReply.NEUTRAL;
    }
    String message = params == null || params.length == 0 ? format
        : MessageFormatter.arrayFormat(format, params).getMessage();
    RepeatRule.Decision d = rule.decide(RepeatRule.key(logger.getName(), message), message, nanoClock.getAsLong());
    if (d instanceof RepeatRule.Suppress) return FilterReply.DENY;
    if (d instanceof RepeatRule.WriteAfterCount c) {
      String line = c.suppressed() + " more like this in the last " + Durations.human(c.window())
          + " not written (the last: " + c.lastSuppressed() + ")";
      if (level.isGreaterOrEqual(Level.ERROR)) logger.error(COUNT, line);
      else logger.warn(COUNT, line);
    }
    return FilterReply.NEUTRAL;
  }
}
