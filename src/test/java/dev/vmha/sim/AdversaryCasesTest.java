package dev.vmha.sim;

import static dev.vmha.sim.SimulationCasesTest.at;
import static dev.vmha.sim.SimulationCasesTest.run;
import static dev.vmha.sim.SimulationCasesTest.traced;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Failure paths not fixed yet, built by hand (session 13, helper adversary13) or found by a seed: each fails when
 * enabled. Once fixed, a case moves to {@link SimulationCasesTest} (four did: the slave of an outnumbered master, a
 * host whose agent restarts while it cannot hear its master, and an operator's power-off and power-on answered
 * before a majority held their list).
 */
class AdversaryCasesTest {
  /**
   * Seed 195 without datastores (session 14, found once the liveness check holds operators' answers to account):
   * master host3 froze, host2 was elected with the replica and powered vm2 off, answered once host1 held the list;
   * host3 thawed, its writes from before the freeze landed (two versions no slave held), and it followed host2 and
   * offered them: newer by version, host2 took them and restarted vm2. Lists of two lineages are told apart by
   * version only; an epoch a new master starts must be promised by a majority before it counts (session 14 tried
   * epochs at a majority's reports: seed 54 then lost a power-off, for that epoch's list was held by no majority).
   * {@code SimulationTest} lists seed 195 as known open.
   */
  @Test
  @Disabled("open: a deposed master's lists outrank its successor's by version (issue 21 note, session 14)")
  void withoutDatastoresADeposedMastersUnheldListsDoNotOutrankItsSuccessors() {
    Simulation.Setup setup = Simulation.Setup.of(195, 200);
    Simulation.Result r = run(setup, Simulation.faults(setup).toArray(Fault[]::new));
    assertTrue(traced(r, "host2 answers request 2: vm2 powered off at host2; it is no longer protected"));
    assertFalse(r.trace().stream().anyMatch(l -> l.contains("started vm2 for ")
        && Long.parseLong(l.substring(0, l.indexOf(' '))) > at(r, "host2 answers request 2")), "vm2 stays off");
  }
}
