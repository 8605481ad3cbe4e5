package dev.vmha.watchdog;

import dev.vmha.Failures;
import dev.vmha.LocalMessage;
import dev.vmha.config.WatchdogSettings;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.history.HaEvent;
import dev.vmha.lease.VmLeases;
import dev.vmha.timing.TimingRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The host's watchdog (issue 19), a thin shell over its {@link WatchdogDriver}. Armed once the lease keeper has adopted
 * or released the leases it found at start; petted on every lease round while every lease here was renewed within
 * {@link TimingRules.Lease#petDeadline()} — so a dead or frozen agent, or one that cannot renew its leases, leaves it unpetted
 * and it stops the host's VMs, as sanlock's wdmd does; disarmed (magic close) on a clean agent stop, once the host's
 * power-on files say "disarmed" (only an armed watchdog lets the master restart the VMs of a host whose agent is
 * gone; without datastores they never can, and it is left armed). Every call to the driver is bounded by one interval. Arming, disarming, failing, a pet later than half the
 * timeout and a firing the watchdog recorded are events.
 */
public final class Watchdog {
  public sealed interface Command extends LocalMessage {}

  /** A lease round: pets (or arms) when the renewals allow it. */
  public record LeasesRenewed(VmLeases.Renewal renewal) implements Command {}

  /** A clean agent stop: publish "disarmed", then disarm; replies with the final status. */
  public record Stop(ActorRef<Status> replyTo) implements Command {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  public enum Phase {
    /** Not armed yet: the first lease round is not over. */
    WAITING,
    ARMED,
    /** Arming or petting failed (no watchdog process, a device error): tried again every lease round. */
    FAILED,
    DISARMED,
    /** Stopped petting at a clean stop whose "disarmed" did not reach the datastores, or without any: it fires. */
    LEFT_ARMED,
    /** vmha.watchdog.type = none. */
    NONE
  }

  /** What status shows: {@code detail} says why, and warns where double runs are possible. */
  public record Status(WatchdogSettings.Type type, Phase phase, Duration timeout, String detail) implements LocalMessage {}

  private enum Call { ARM, PET }

  private record Answered(Call call, Optional<Firing> firing, Throwable error) implements Command {}

  private record Published(boolean ok) implements Command {}

  private record Disarmed(Throwable error) implements Command {}

  /**
   * @param lastPet when the last pet was answered, to tell near-misses
   * @param busy a driver call is in flight: one at a time
   * @param withheld pets are withheld because the leases are not renewed
   * @param stopping who asked for a clean stop
   */
  private record State(Phase phase, String detail, Optional<Instant> lastPet, boolean busy, boolean withheld,
      Optional<ActorRef<Status>> stopping) {
    State phase(Phase p, String d) {
      return new State(p, d, lastPet, busy, withheld, stopping);
    }

    State busy(boolean b) {
      return new State(phase, detail, lastPet, b, withheld, stopping);
    }
  }

  static final String NONE_WARNING = "no watchdog (vmha.watchdog.type = none): an agent that dies or freezes leaves its"
      + " VMs running, and they may then run twice";

  private Watchdog() {}

  /**
   * @param publish tells the datastore heartbeat what the power-on file says of the watchdog; for anything but armed
   *     the stage completes true once written to the host's heartbeat datastores
   */
  public static Behavior<Command> create(
      String hostId, WatchdogDriver driver, Duration timeout, TimingRules.Lease timing,
      Function<WatchdogFlag, CompletionStage<Boolean>> publish, Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> {
      Shell sh = new Shell(ctx, hostId, driver, timeout, timing, publish, events, clock);
      if (driver.type() == WatchdogSettings.Type.NONE) {
        ctx.getLog().warn("{}: {}", hostId, NONE_WARNING);
        return sh.running(new State(Phase.NONE, NONE_WARNING, Optional.empty(), false, false, Optional.empty()));
      }
      return sh.running(new State(Phase.WAITING, "waiting for the first lease round", Optional.empty(), false, false,
          Optional.empty()));
    });
  }

  private record Shell(
      ActorContext<Command> ctx, String hostId, WatchdogDriver driver, Duration timeout, TimingRules.Lease timing,
      Function<WatchdogFlag, CompletionStage<Boolean>> publish, Consumer<HaEvent> events, Clock clock) {

    Behavior<Command> running(State s) {
      return Behaviors.receive(Command.class)
          .onMessage(LeasesRenewed.class, r -> running(onRenewal(s, r.renewal())))
          .onMessage(Answered.class, a -> running(onAnswer(s.busy(false), a)))
          .onMessage(Stop.class, st -> running(onStop(s, st.replyTo())))
          .onMessage(Published.class, p -> running(onPublished(s, p.ok())))
          .onMessage(Disarmed.class, d -> running(onDisarmed(s, d.error())))
          .onMessage(GetStatus.class, g -> {
            g.replyTo().tell(status(s));
            return Behaviors.same();
          })
          .build();
    }

    private Status status(State s) {
      return new Status(driver.type(), s.phase(), timeout, s.detail());
    }

    private State onRenewal(State s, VmLeases.Renewal r) {
      boolean live = s.phase() == Phase.WAITING || s.phase() == Phase.ARMED || s.phase() == Phase.FAILED;
      if (!live || s.busy()) return s;
      // with enforcement suspended by an operator the leases may stall: the host must not be reset for it
      if (r.enforcement().on() && !timing.mayPet(r.longestUnrenewed())) {
        if (!s.withheld() && s.phase() == Phase.ARMED) {
          ctx.getLog().warn("{}: watchdog not petted: a lease here has not been renewed for {} ms (pet deadline {} ms);"
              + " it fires {} ms after the last pet unless a renewal succeeds", hostId, r.longestUnrenewed().toMillis(),
              timing.petDeadline().toMillis(), timeout.toMillis());
        }
        return new State(s.phase(), s.detail(), s.lastPet(), false, true, s.stopping());
      }
      if (s.phase() == Phase.WAITING && !r.settled()) return s;
      Call call = s.phase() == Phase.ARMED ? Call.PET : Call.ARM;
      CompletionStage<Optional<Firing>> c = call == Call.PET ? driver.pet() : driver.arm();
      ctx.pipeToSelf(bounded(c), (f, err) -> new Answered(call, f == null ? Optional.empty() : f, err));
      return new State(s.phase(), s.detail(), s.lastPet(), true, false, s.stopping());
    }

    /** Every driver call ends within an interval: the lease timing counts a pet as landed within one. */
    private <T> CompletionStage<T> bounded(CompletionStage<T> c) {
      return c.toCompletableFuture().orTimeout(timing.renewInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private State onAnswer(State s, Answered a) {
      Instant now = clock.instant();
      a.firing().ifPresent(f -> events.accept(new HaEvent.WatchdogFired(f.at(), hostId, driver.type(), f.stopped(),
          f.reason())));
      if (s.phase() != Phase.WAITING && s.phase() != Phase.ARMED && s.phase() != Phase.FAILED) return s;
      if (a.error() instanceof TimeoutException || a.error() != null && a.error().getCause() instanceof TimeoutException) {
        // a slow pet (a loaded host) may still land: only missed pets make it fire, and a late one is a near-miss
        ctx.getLog().warn("{}: watchdog {} not confirmed within {} ms", hostId, a.call().name().toLowerCase(),
            timing.renewInterval().toMillis());
        return s;
      }
      if (a.error() != null) {
        String why = (a.call() == Call.ARM ? "cannot arm: " : "cannot pet: ") + Failures.rootMessage(a.error());
        if (s.phase() != Phase.FAILED || !s.detail().equals(why)) {
          events.accept(new HaEvent.WatchdogFailed(now, hostId, driver.type(), why));
          publish.apply(WatchdogFlag.NOT_ARMED);
        }
        return s.phase(Phase.FAILED, why + " (tried again every lease round; while it fails, a dead agent's VMs are"
            + " not restarted elsewhere)");
      }
      if (a.call() == Call.ARM) {
        events.accept(new HaEvent.WatchdogArmed(now, hostId, driver.type(), timeout));
        publish.apply(WatchdogFlag.ARMED);
        return new State(Phase.ARMED, "armed: fires " + timeout.toMillis() + " ms after the last pet", Optional.of(now),
            false, false, s.stopping());
      }
      Duration gap = s.lastPet().map(l -> Duration.between(l, now)).orElse(Duration.ZERO);
      if (gap.compareTo(TimingRules.watchdogNearMiss(timeout)) > 0) {
        events.accept(new HaEvent.WatchdogNearMiss(now, hostId, gap, timeout));
      }
      return new State(Phase.ARMED, s.detail(), Optional.of(now), false, false, s.stopping());
    }

    private State onStop(State s, ActorRef<Status> replyTo) {
      if (s.phase() == Phase.NONE || s.phase() == Phase.DISARMED || s.phase() == Phase.LEFT_ARMED) {
        replyTo.tell(status(s));
        return s;
      }
      // the master must read "disarmed" before the watchdog stops counting: an expired lease then proves nothing
      ctx.pipeToSelf(publish.apply(WatchdogFlag.AGENT_STOPPED).toCompletableFuture()
              .orTimeout(TimingRules.disarmPublishBound(timing.renewInterval()).toMillis(), TimeUnit.MILLISECONDS),
          (ok, err) -> new Published(err == null && ok));
      return new State(s.phase(), s.detail(), s.lastPet(), s.busy(), s.withheld(), Optional.of(replyTo));
    }

    private State onPublished(State s, boolean ok) {
      if (!ok) {
        State left = s.phase(Phase.LEFT_ARMED, "left armed at the agent's stop: \"disarmed\" did not reach the"
            + " datastores (or there are none to tell the master), so the watchdog fires and stops the VMs (the master"
            + " may restart them)");
        ctx.getLog().warn("{}: {}", hostId, left.detail());
        s.stopping().ifPresent(r -> r.tell(status(left)));
        return left;
      }
      ctx.pipeToSelf(bounded(driver.disarm()), (x, err) -> new Disarmed(err));
      return s.phase(Phase.DISARMED, "disarming at the agent's stop");
    }

    private State onDisarmed(State s, Throwable error) {
      String why = error == null ? "the agent stops cleanly" : "the agent stops; disarming failed: "
          + Failures.rootMessage(error);
      events.accept(new HaEvent.WatchdogDisarmed(clock.instant(), hostId, driver.type(), why));
      State d = s.phase(Phase.DISARMED, "disarmed: " + why);
      s.stopping().ifPresent(r -> r.tell(status(d)));
      return d;
    }
  }
}
