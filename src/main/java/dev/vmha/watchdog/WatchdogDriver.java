package dev.vmha.watchdog;

import dev.vmha.config.WatchdogSettings;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The host's watchdog, an I/O boundary: armed once, petted every interval, disarmed on a clean stop. When it is not
 * petted for its timeout it stops every VM of the host, whatever the agent is doing. Every call may block on I/O and
 * is bounded by its caller ({@link Watchdog}).
 */
public interface WatchdogDriver {
  WatchdogSettings.Type type();

  /** Starts the timer (or continues one a previous agent left running); completes with a firing not yet reported. */
  CompletionStage<Optional<Firing>> arm();

  /** Restarts the timer; completes with a firing not yet reported (the watchdog fired while this agent was frozen). */
  CompletionStage<Optional<Firing>> pet();

  /** Stops the timer for good (the Linux API's magic close): a planned agent stop must not stop the VMs. */
  CompletionStage<Void> disarm();

  /** No watchdog (vmha.watchdog.type = none): nothing stops a dead agent's VMs. */
  WatchdogDriver NONE = new WatchdogDriver() {
    @Override
    public WatchdogSettings.Type type() {
      return WatchdogSettings.Type.NONE;
    }

    @Override
    public CompletionStage<Optional<Firing>> arm() {
      return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public CompletionStage<Optional<Firing>> pet() {
      return arm();
    }

    @Override
    public CompletionStage<Void> disarm() {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
  };
}
