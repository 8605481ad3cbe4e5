package dev.vmha.timing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * What a machine's shell observes of its own stalls: the time between two of its inputs on a monotonic clock
 * ({@code System.nanoTime} in the agent, the simulated clock in the simulation). Every shell gets a tick at least
 * every interval, so a longer gap ({@link TimingRules#stallGap}) means the agent stalled — a long
 * GC pause, SIGSTOP, a frozen host — and its mailbox holds what came meanwhile. The shell tells its machine before
 * the input that follows; the machine decides what the stall means ({@link TimingRules.Detection#masterStall}).
 */
public final class StallWatch {
  private final LongSupplier nanos;
  private final long missedTick;
  private long last;

  public StallWatch(Duration interval, LongSupplier nanos) {
    this.nanos = nanos;
    this.missedTick = TimingRules.stallGap(interval).toNanos();
    this.last = nanos.getAsLong();
  }

  /** Called before each input: how long the shell did nothing since the previous one, when it missed a tick. */
  public Optional<Duration> idle() {
    long now = nanos.getAsLong();
    long gap = now - last;
    last = now;
    return gap > missedTick ? Optional.of(Duration.ofNanos(gap)) : Optional.empty();
  }
}
