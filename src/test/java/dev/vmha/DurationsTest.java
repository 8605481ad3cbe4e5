package dev.vmha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void durationsReadAsPeopleSayThem() {
    assertEquals("0 s", Durations.human(Duration.ZERO));
    assertEquals("250 ms", Durations.human(Duration.ofMillis(250)));
    assertEquals("12 s", Durations.human(Duration.ofSeconds(12)));
    assertEquals("3.999 s", Durations.human(Duration.ofMillis(3999)));
    assertEquals("2.5 s", Durations.human(Duration.ofMillis(2500)));
    assertEquals("3 min", Durations.human(Duration.ofMinutes(3)));
    assertEquals("3 min 20 s", Durations.human(Duration.ofSeconds(200)));
    assertEquals("2 h 5 min", Durations.human(Duration.ofMinutes(125)));
    assertEquals("1 d 4 h", Durations.human(Duration.ofHours(28)));
    assertEquals("-5 s", Durations.human(Duration.ofSeconds(-5)));
  }

  @Test
  void approximateAgesKeepATenthOfASecond() {
    assertEquals("12.3 s", Durations.approx(Duration.ofMillis(12_345)));
    assertEquals("999 ms", Durations.approx(Duration.ofMillis(999)));
    assertEquals("3 min 12 s", Durations.approx(Duration.ofMillis(192_345)));
  }
}
