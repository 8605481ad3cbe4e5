package dev.vmha.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 22 item 7: one warning written 193 times in 17 s shows once, then once a window with its count. */
class RepeatLimiterTest {
  private final AtomicLong nanos = new AtomicLong();
  private final ListAppender<ILoggingEvent> written = new ListAppender<>();
  private Logger log;

  @BeforeEach
  void context() {
    LoggerContext c = new LoggerContext();
    RepeatLimiter limiter = new RepeatLimiter();
    limiter.setContext(c);
    limiter.setWindowMs(10_000);
    limiter.setAllowed(3);
    limiter.setNanoClock(nanos::get);
    limiter.start();
    c.addTurboFilter(limiter);
    written.setContext(c);
    written.start();
    log = c.getLogger("dev.vmha.lease.VmLeases");
    log.setLevel(Level.INFO);
    log.addAppender(written);
  }

  private List<String> lines() {
    return written.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  private void advanceMs(long ms) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void aWarningRepeatedEvery200msIsWrittenOnceAWindowThenWithItsCount() {
    for (int i = 0; i < 50; i++) { // 10 s at 200 ms
      log.warn("lease of vm{} not renewed on ds1: datastore ds1 unreachable", 10);
      advanceMs(200);
    }
    log.warn("lease of vm10 not renewed on ds1: datastore ds1 unreachable");
    assertEquals(List.of(
        "WARN lease of vm10 not renewed on ds1: datastore ds1 unreachable",
        "WARN 49 more like this in the last 10 s not written (the last: lease of vm10 not renewed on ds1: datastore"
            + " ds1 unreachable)",
        "WARN lease of vm10 not renewed on ds1: datastore ds1 unreachable"), lines());
  }

  @Test
  void similarWarningsShowAFewTimesAWindowButNeverTheSameTextTwice() {
    for (int i = 0; i < 5; i++) log.warn("lease of vm{} not renewed", i);
    log.warn("heartbeat interval is growing too large: {} millis", 1000);
    for (int i = 0; i < 5; i++) log.error("another warning");
    assertEquals(List.of("WARN lease of vm0 not renewed", "WARN lease of vm1 not renewed",
        "WARN lease of vm2 not renewed", "WARN heartbeat interval is growing too large: 1000 millis",
        "ERROR another warning"), lines());
  }

  @Test
  void aBadSettingIsReportedAndLimitsNothing() {
    LoggerContext c = new LoggerContext();
    RepeatLimiter bad = new RepeatLimiter();
    bad.setContext(c);
    bad.setAllowed(0);
    bad.start();
    assertEquals(false, bad.isStarted());
    assertEquals(List.of("RepeatLimiter not started: windowMs, allowed and maxKeys must be 1 or more: window 10 s,"
        + " allowed 0, maxKeys 1000"), c.getStatusManager().getCopyOfStatusList().stream()
        .map(ch.qos.logback.core.status.Status::getMessage).toList());
  }

  @Test
  void informationIsNeverDropped() {
    for (int i = 0; i < 100; i++) log.info("host1 host2 declared DEAD");
    assertEquals(100, lines().size());
  }
}
