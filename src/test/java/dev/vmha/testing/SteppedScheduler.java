package dev.vmha.testing;

import com.typesafe.config.Config;
import java.util.concurrent.ThreadFactory;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import scala.concurrent.ExecutionContext$;
import scala.concurrent.duration.FiniteDuration;

/**
 * ManualTime's scheduler without its nap: Pekko's {@code timePasses} sleeps 100 ms of real time before it runs the due
 * tasks ("to give dispatchers time to clear"), which made a test's every virtual step cost 100 ms (ElectionFsmTest's
 * 170 steps took 17 s). The tests that use it never rely on that sleep: each awaits what a step must have delivered (a
 * reply, a probe's message) before the next step, which a sleep would not guarantee on a loaded machine anyway.
 * Time moves exactly as with the original: the due tasks run in order on the calling thread, the clock ends at the
 * new time.
 */
public final class SteppedScheduler extends ExplicitlyTriggeredScheduler {

  public SteppedScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {
    super(config, log, threadFactory);
  }

  @Override
  public void timePasses(FiniteDuration amount) {
    long to = currentTimeMs() + amount.toMillis();
    // a no-op due at the new time: executeTasks leaves the clock at the last task it ran, so the clock ends there
    scheduleOnce(amount, () -> { }, ExecutionContext$.MODULE$.fromExecutor(Runnable::run));
    executeTasks(to);
  }
}
