package dev.vmha.watchdog;

import java.time.Duration;
import java.util.Optional;

/**
 * When the watchdog process fires (pure; time is the process's own monotonic time). Every pet the agent writes carries
 * a token that changes with each pet; the timer restarts whenever the token seen changes, and an armed watchdog whose
 * token has not changed for the timeout fires, once. A pet seen after a firing re-arms it (the agent came back). A
 * watchdog process that starts counts from its first look, so one restarted under a live agent fires no earlier than
 * a full timeout later.
 */
public final class FireRule {
  private FireRule() {}

  /** What the pet file says: its token and whether the agent armed (true) or disarmed (false) the watchdog. */
  public record Pet(String token, boolean armed) {}

  /**
   * @param lastChange when the token last changed
   * @param fired whether it fired since that change
   */
  public record State(Optional<String> token, Duration lastChange, boolean armed, boolean fired) {
    public static State initial(Duration now) {
      return new State(Optional.empty(), now, false, false);
    }
  }

  /** The next state; {@code fire} true exactly once per timeout without a pet. */
  public record Step(State state, boolean fire, Duration unpetted) {}

  public static Step observe(State s, Optional<Pet> pet, Duration now, Duration timeout) {
    State t = s;
    if (pet.isPresent() && !pet.get().token().equals(s.token().orElse(null))) {
      t = new State(Optional.of(pet.get().token()), now, pet.get().armed(), false);
    }
    Duration unpetted = now.minus(t.lastChange());
    if (t.armed() && !t.fired() && unpetted.compareTo(timeout) >= 0) {
      return new Step(new State(t.token(), t.lastChange(), true, true), true, unpetted);
    }
    return new Step(t, false, unpetted);
  }
}
