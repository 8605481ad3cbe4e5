package dev.vmha;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations as people read them: {@code 250 ms}, {@code 12 s}, {@code 3.5 s}, {@code 3 min 20 s}, {@code 2 h 5 min},
 * {@code 1 d 4 h} — never ISO-8601's {@code PT3M20S}. The one formatter of the command line, the settings' errors and
 * the decisions' reasons.
 */
public final class Durations {
  private Durations() {}

  /** Exact to the millisecond below a minute; whole seconds (then minutes, hours) above. */
  public static String human(Duration d) {
    if (d.isNegative()) return "-" + human(d.negated());
    long ms = d.toMillis();
    if (ms == 0) return "0 s";
    if (ms < 1000) return ms + " ms";
    if (ms < 60_000) return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    long s = d.toSeconds();
    if (s < 3600) return two(s / 60, "min", s % 60, "s");
    if (s < 86_400) return two(s / 3600, "h", s % 3600 / 60, "min");
    return two(s / 86_400, "d", s % 86_400 / 3600, "h");
  }

  /** As {@link #human}, with seconds to a tenth: for ages and silences that change while one looks. */
  public static String approx(Duration d) {
    long ms = d.toMillis();
    return human(Math.abs(ms) < 1000 ? d : Duration.ofMillis(ms / 100 * 100));
  }

  private static String two(long big, String bigUnit, long small, String smallUnit) {
    return big + " " + bigUnit + (small == 0 ? "" : " " + small + " " + smallUnit);
  }
}
