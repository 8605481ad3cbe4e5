package dev.vmha.watchdog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FireRuleTest {
  private static final Duration W = Duration.ofSeconds(5);

  private static FireRule.Step at(FireRule.State s, Optional<FireRule.Pet> pet, long seconds) {
    return FireRule.observe(s, pet, Duration.ofSeconds(seconds), W);
  }

  @Test
  void anArmedWatchdogFiresOnceWhenNoNewPetCameForItsTimeoutAndANewPetReArmsIt() {
    Optional<FireRule.Pet> p1 = Optional.of(new FireRule.Pet("a-1", true));
    FireRule.Step s = at(FireRule.State.initial(Duration.ZERO), p1, 0);
    s = at(s.state(), p1, 4);
    assertFalse(s.fire(), "4 s: not yet");
    s = at(s.state(), Optional.of(new FireRule.Pet("a-2", true)), 4);
    s = at(s.state(), Optional.of(new FireRule.Pet("a-2", true)), 8);
    assertFalse(s.fire(), "the timer restarted at the new pet");
    s = at(s.state(), Optional.of(new FireRule.Pet("a-2", true)), 9);
    assertTrue(s.fire(), "5 s after the last pet");
    s = at(s.state(), Optional.of(new FireRule.Pet("a-2", true)), 30);
    assertFalse(s.fire(), "once");
    s = at(s.state(), Optional.of(new FireRule.Pet("b-1", true)), 31);
    s = at(s.state(), Optional.of(new FireRule.Pet("b-1", true)), 36);
    assertTrue(s.fire(), "a restarted agent's pets re-arm it");
  }

  @Test
  void aDisarmedOrNeverArmedWatchdogNeverFires() {
    FireRule.Step s = at(FireRule.State.initial(Duration.ZERO), Optional.empty(), 100);
    assertFalse(s.fire(), "no pet file");
    s = at(s.state(), Optional.of(new FireRule.Pet("a-1", true)), 100);
    s = at(s.state(), Optional.of(new FireRule.Pet("a-2", false)), 101);
    assertFalse(at(s.state(), Optional.of(new FireRule.Pet("a-2", false)), 200).fire(), "magic close");
  }

  /** A watchdog process started under an armed pet file counts from its first look, not from the file's age. */
  @Test
  void aWatchdogStartedUnderAnArmedAgentCountsFromItsFirstLook() {
    Optional<FireRule.Pet> old = Optional.of(new FireRule.Pet("a-7", true));
    FireRule.Step s = at(FireRule.State.initial(Duration.ofSeconds(50)), old, 50);
    assertFalse(at(s.state(), old, 54).fire());
    assertTrue(at(s.state(), old, 55).fire());
  }
}
