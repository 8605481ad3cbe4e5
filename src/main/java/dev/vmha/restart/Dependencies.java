package dev.vmha.restart;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cycles and names of no protected VM in VM-to-VM dependencies; used at configuration time and when a VM is protected
 * at run time.
 */
public final class Dependencies {

  private Dependencies() {}

  /**
   * A dependency cycle as [a, b, c, a] (a depends on b, b on c, c on a; a self dependency is [a, a]), or empty.
   * VMs named only as dependencies have none of their own. Deterministic: VMs are visited in name order.
   */
  public static Optional<List<String>> findCycle(Map<String, List<String>> dependsOn) {
    Set<String> done = new HashSet<>();
    for (String vm : new TreeSet<>(dependsOn.keySet())) {
      Optional<List<String>> cycle = visit(vm, dependsOn, new ArrayList<>(), done);
      if (cycle.isPresent()) return cycle;
    }
    return Optional.empty();
  }

  /** The dependencies that name none of {@code known} (in their order): a VM waiting for one would wait forever. */
  public static List<String> unknown(List<String> dependsOn, Set<String> known) {
    return dependsOn.stream().filter(d -> !known.contains(d)).toList();
  }

  /** Depth first; {@code path} holds the VMs being visited, so meeting one of them again closes a cycle. */
  private static Optional<List<String>> visit(
      String vm, Map<String, List<String>> dependsOn, List<String> path, Set<String> done) {
    int at = path.indexOf(vm);
    if (at >= 0) {
      List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
      cycle.add(vm);
      return Optional.of(List.copyOf(cycle));
    }
    if (!done.add(vm)) return Optional.empty();
    path.add(vm);
    for (String dep : dependsOn.getOrDefault(vm, List.of())) {
      Optional<List<String>> cycle = visit(dep, dependsOn, path, done);
      if (cycle.isPresent()) return cycle;
    }
    path.remove(path.size() - 1);
    return Optional.empty();
  }
}
