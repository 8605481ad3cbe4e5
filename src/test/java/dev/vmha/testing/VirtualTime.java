package dev.vmha.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;

/** What every ManualTime actor test needs: its configuration and a clock that reads virtual time. */
public final class VirtualTime {
  private VirtualTime() {}

  /** ManualTime (stepped without its sleep: {@link SteppedScheduler}) on top of application-test. */
  public static Config config() {
    return ConfigFactory.parseString("pekko.scheduler.implementation = \"" + SteppedScheduler.class.getName() + "\"")
        .withFallback(ManualTime.config())
        // with a frozen scheduler the cluster-leave phase of coordinated shutdown would never end
        .withFallback(ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
            // replies are awaited in real time: generous on a loaded CI machine (virtual time does not move meanwhile)
            + "pekko.actor.testkit.typed.single-expect-default = 15s"))
        .withFallback(ConfigFactory.load("application-test"));
  }

  /**
   * Makes the test kit's system a one-node cluster and waits until it is Up. The leader moves the node from Joining
   * to Up on its periodic tick, which only runs when virtual time passes, so time passes a step at a time.
   */
  public static void joinSelf(ActorTestKit kit, ManualTime time, Duration step) {
    Cluster cluster = Cluster.get(kit.system());
    TestProbe<SelfUp> up = kit.createTestProbe();
    cluster.subscriptions().tell(Subscribe.create(up.ref(), SelfUp.class));
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    for (int i = 0; i < 300 && cluster.selfMember().status() != MemberStatus.up(); i++) time.timePasses(step);
    up.expectMessageClass(SelfUp.class);
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
