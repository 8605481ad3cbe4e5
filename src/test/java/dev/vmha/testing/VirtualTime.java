package dev.vmha.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;

/** What every ManualTime actor test needs: its configuration and a clock that reads virtual time. */
public final class VirtualTime {
  private VirtualTime() {}

  /** ManualTime on top of application-test (cluster provider, serialize-messages on). */
  public static Config config() {
    return ManualTime.config()
        // with a frozen scheduler the cluster-leave phase of coordinated shutdown would never end
        .withFallback(ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
            // replies are awaited in real time: generous on a loaded CI machine (virtual time does not move meanwhile)
            + "pekko.actor.testkit.typed.single-expect-default = 15s"))
        .withFallback(ConfigFactory.load("application-test"));
  }

  /** Reads the virtual time of the ManualTime scheduler: events are stamped in virtual milliseconds. */
  public static final class VirtualClock extends Clock {
    private final ExplicitlyTriggeredScheduler scheduler;

    public VirtualClock(ExplicitlyTriggeredScheduler scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(scheduler.currentTimeMs());
    }
  }
}
