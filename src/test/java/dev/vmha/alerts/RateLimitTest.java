package dev.vmha.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RateLimitTest {
  private static final long S = 1_000_000_000L;

  @Test
  void oneWarningPerPeriodCarryingTheCountOfThoseSuppressed() {
    RateLimit r = new RateLimit(Duration.ofMinutes(1));
    assertEquals(OptionalLong.of(0), r.pass(0));
    assertEquals(OptionalLong.empty(), r.pass(1 * S));
    assertEquals(OptionalLong.empty(), r.pass(59 * S));
    assertEquals(OptionalLong.of(2), r.pass(60 * S));
    assertEquals(OptionalLong.empty(), r.pass(61 * S));
    assertEquals(OptionalLong.of(1), r.pass(200 * S));
    assertEquals(OptionalLong.of(0), r.pass(400 * S));
  }
}
