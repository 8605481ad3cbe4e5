package dev.vmha.sim;

import static dev.vmha.sim.SimulationCasesTest.run;
import static dev.vmha.sim.SimulationCasesTest.traced;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.IsolationResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Failure paths built by hand (session 13, helper adversary13) that no random seed had built and that are not fixed
 * yet: each fails when enabled. Once fixed, a case moves to {@link SimulationCasesTest} (two did: the slave of an
 * outnumbered master, and a host whose agent restarts while it cannot hear its master).
 */
class AdversaryCasesTest {
  /**
   * Without datastores an operator's power-off was carried out and answered once the master's own disk held the list
   * without the VM; a restart waited until a strict majority held its list, an operator's change did not. Master
   * host5 powers vm1 off at 30 s and loses power at 30.25 s, before its next beat carries that list; host4 took over
   * at 42 s with the slaves' replica, which still protects vm1, found it stopped at host1 and restarted it at 72 s:
   * the operator's power-off was lost for good. Now the power-off waits for a majority to hold its list: vm1 runs on
   * at host1, protected, and the operator is not told it was powered off.
   */
  @Test
  void withoutDatastoresAnOperatorsPowerOffIsNotUndoneWhenTheMasterIsLostBeforeItsNextBeat() {
    Simulation.Result r = run(new Simulation.Setup(7, 5, 10, 120, 0, 30, IsolationResponse.POWER_OFF, 0,
        Duration.ofSeconds(2)), new Fault.OperatorPower(30_000, "vm1", false),
        new Fault.Crash(30_250, 60_000, "host5"));
    assertFalse(traced(r, "event VmPoweredOff: vm1"), "no master told the operator vm1 was powered off");
    assertFalse(traced(r, "started vm1 for "), "vm1 was never stopped, so never restarted");
  }

  /**
   * The power-on side of the same gap: vm1, powered off at 20 s (that list reached every host), is powered on again
   * at 40 s; it was started at host1 and answered "protected, running at host1" at 40.03 s; master host5 loses power
   * at 40.25 s, before a beat carries the list. host4 took over at 52 s with the replicas, which do not protect vm1,
   * so when host1 lost power at 75 s vm1 was never restarted. Now the power-on waits for a majority to hold its list:
   * vm1 is neither started nor answered as protected.
   */
  @Test
  void withoutDatastoresAnOperatorsPowerOnIsNotForgottenWhenTheMasterIsLostBeforeItsNextBeat() {
    Simulation.Result r = run(new Simulation.Setup(7, 5, 10, 120, 0, 30, IsolationResponse.POWER_OFF, 0,
        Duration.ofSeconds(2)), new Fault.OperatorPower(20_000, "vm1", false),
        new Fault.OperatorPower(40_000, "vm1", true), new Fault.Crash(40_250, 60_000, "host5"),
        new Fault.Crash(75_000, 200_000, "host1"));
    assertTrue(traced(r, "host5 event VmPoweredOff: vm1"), "the first power-off was carried out");
    assertFalse(traced(r, "event VmProtected: vm1"), "no master told the operator vm1 was protected");
    assertFalse(traced(r, "started vm1 for "), "vm1 was never started: no host's loss can forget it");
  }
}
