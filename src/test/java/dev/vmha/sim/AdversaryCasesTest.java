package dev.vmha.sim;

import static dev.vmha.sim.SimulationCasesTest.run;
import static dev.vmha.sim.SimulationCasesTest.traced;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.IsolationResponse;
import java.time.Duration;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Failure paths built by hand (session 13, helper adversary13) that no random seed had built and that are not fixed
 * yet: each fails when enabled. Once fixed, a case moves to {@link SimulationCasesTest} (two did: the slave of an
 * outnumbered master, and a host whose agent restarts while it cannot hear its master).
 */
class AdversaryCasesTest {
  /**
   * Without datastores an operator's power-off is carried out and answered once the master's own disk holds the list
   * without the VM; a restart waits until a strict majority holds its list, an operator's change does not. Master
   * host5 powers vm1 off at 30 s (stopped at host1, answered "no longer protected" at 30.1 s) and loses power at
   * 30.25 s, before its next beat carries that list; host4 takes over at 42 s with the slaves' replica, which still
   * protects vm1, finds it stopped at host1 and restarts it at 72 s. host5, back at 90 s, follows host4: the
   * operator's power-off is lost for good.
   */
  @Test
  @Disabled("open: an operator's change is answered before a majority holds its list (issue 21 note, session 13)")
  void withoutDatastoresAnOperatorsPowerOffIsNotUndoneWhenTheMasterIsLostBeforeItsNextBeat() {
    Simulation.Result r = run(new Simulation.Setup(7, 5, 10, 120, 0, 30, IsolationResponse.POWER_OFF, 0,
        Duration.ofSeconds(2)), new Fault.OperatorPower(30_000, "vm1", false),
        new Fault.Crash(30_250, 60_000, "host5"));
    assertTrue(traced(r, "host5 event VmPoweredOff: vm1 powered off at host1"), "the operator's power-off was answered");
    assertTrue(!traced(r, "started vm1 for "), "vm1, powered off by an operator, is never restarted");
  }

  /**
   * The power-on side of the same gap: vm1, powered off at 20 s (that list reached every host), is powered on again
   * at 40 s, started at host1 and answered "protected, running at host1" at 40.03 s; master host5 loses power at
   * 40.25 s, before a beat carries the list. host4 takes over at 52 s with the replicas, which do not protect vm1, so
   * when host1 loses power at 75 s vm1 is never restarted. The simulator's liveness check does not see it: it takes
   * the protected VMs from the lists the agents' elections hold, and host5's newer list is only on its disk.
   */
  @Test
  @Disabled("open: an operator's change is answered before a majority holds its list (issue 21 note, session 13)")
  void withoutDatastoresAnOperatorsPowerOnIsNotForgottenWhenTheMasterIsLostBeforeItsNextBeat() {
    Simulation.Result r = run(new Simulation.Setup(7, 5, 10, 120, 0, 30, IsolationResponse.POWER_OFF, 0,
        Duration.ofSeconds(2)), new Fault.OperatorPower(20_000, "vm1", false),
        new Fault.OperatorPower(40_000, "vm1", true), new Fault.Crash(40_250, 60_000, "host5"),
        new Fault.Crash(75_000, 200_000, "host1"));
    assertTrue(traced(r, "host5 event VmProtected: vm1 protected, running at host1"), "the power-on was answered");
    assertTrue(r.trace().stream().anyMatch(l -> l.contains("started vm1 for host4")),
        "vm1, protected by the operator's power-on, is restarted after host1 is lost");
  }
}
