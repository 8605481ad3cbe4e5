package dev.vmha.datastore;

import dev.vmha.history.HaEvent;
import java.util.Optional;
import java.util.Set;

/**
 * What the {@link HeartbeatMachine} asks its shell to do, in order.
 *
 * @param <W> how the shell names one who waits for the watchdog's flag to be written
 */
public sealed interface HeartbeatEffect<W> {
  /**
   * One round (answered by {@link HeartbeatInput.RoundDone}): scan every datastore; on those in {@code writeTo}
   * write the heartbeat with {@code counter} and, once it is written, the power-on file if one is known.
   */
  record Round<W>(long counter, Set<String> writeTo, Optional<PowerOnFile> powerOn) implements HeartbeatEffect<W> {
    public Round {
      writeTo = Set.copyOf(writeTo);
    }
  }

  record Emit<W>(HaEvent event) implements HeartbeatEffect<W> {}

  /** Tell {@code waiter} the watchdog's flag is written. */
  record Written<W>(W waiter) implements HeartbeatEffect<W> {}

  /** Tell {@code waiter} the watchdog's flag reaches no master, so the watchdog must not be disarmed. */
  record Unpublished<W>(W waiter) implements HeartbeatEffect<W> {}
}
