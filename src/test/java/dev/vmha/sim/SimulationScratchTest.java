package dev.vmha.sim;

import org.junit.jupiter.api.Test;
import java.util.List;
import java.util.stream.LongStream;

class SimulationScratchTest {
  @Test
  void scratch() {
    long seed = Long.getLong("seed", 0);
    if (seed == 0) {
      String list = System.getProperty("seeds", "");
      (list.isEmpty() ? LongStream.rangeClosed(1, Long.getLong("n", 100)) : java.util.Arrays.stream(list.split(",")).mapToLong(Long::parseLong)).parallel().mapToObj(x -> Simulation.run(Simulation.Setup.of(x, 200))).filter(r -> !r.ok()).forEach(r -> {
        Simulation.Result m = Simulation.shrink(r);
        System.out.println("FAIL " + m.summary() + " " + m.faults());
      });
      return;
    }
    Simulation.Result x = Simulation.run(Simulation.Setup.of(seed, 200));
    System.out.println(x.summary());
    if (x.ok()) return;
    Simulation.Result min = Simulation.shrink(x);
    System.out.println(min.summary());
    min.faults().forEach(System.out::println);
    String vm = System.getProperty("vm", "vm6");
    min.trace().stream().filter(l -> l.contains(" event ") || l.contains("ping") || l.contains("VIOL") || l.contains(vm) || l.contains("fault") || l.contains("heal") || l.contains("power") || l.contains("agent")).filter(l -> !l.contains("power-on answer") ).forEach(System.out::println);
  }
}
