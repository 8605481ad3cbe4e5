package dev.vmha.lab;

import dev.vmha.demo.DiskCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The lab's judge. The physical truth is the VM disk files: two runs of one VM whose writes overlap in time are two
 * writers. The agents' status says the rest: one master per connected component, every protected VM running once.
 * Pure: the lab reads the files and statuses, the judge only decides.
 */
public final class Judge {
  /** What one agent answered on /api/v1/status; {@code vmsAt} is its master's view: VMs per host judged ALIVE. */
  public record View(String host, String role, String master, Map<String, List<String>> vmsAt) {}

  private Judge() {}

  /** Every VM written by two hosts (or two runs) at once since {@code sinceMicros}. */
  public static List<String> twoWriters(Map<String, List<String>> disks, long sinceMicros) {
    List<String> v = new ArrayList<>();
    disks.forEach((vm, lines) -> {
      DiskCheck.Result r = DiskCheck.check(since(lines, sinceMicros));
      for (String o : r.overlaps()) v.add(vm + ": two writers: " + o);
    });
    return v;
  }

  /** Runs of the VM that wrote within {@code freshMicros} before {@code nowMicros}: the copies running now. */
  public static List<DiskCheck.Incarnation> runningNow(List<String> lines, long nowMicros, long freshMicros) {
    return DiskCheck.check(since(lines, nowMicros - freshMicros)).incarnations();
  }

  /** Every expected VM runs exactly once now, by its disk. */
  public static List<String> runningOnce(Set<String> vms, Map<String, List<String>> disks, long nowMicros,
      long freshMicros) {
    List<String> v = new ArrayList<>();
    for (String vm : vms) {
      List<DiskCheck.Incarnation> now = runningNow(disks.getOrDefault(vm, List.of()), nowMicros, freshMicros);
      if (now.size() != 1) {
        v.add(vm + ": runs " + now.size() + " times (" + now.stream().map(DiskCheck.Incarnation::host).toList() + ")");
      }
    }
    return v;
  }

  /** Every expected VM runs exactly once by the masters' views (no disk files: the in-memory hypervisor). */
  public static List<String> reportedOnce(Set<String> vms, List<View> views) {
    Map<String, Set<String>> at = new TreeMap<>();
    for (View w : views) {
      if (!"MASTER".equals(w.role())) continue;
      w.vmsAt().forEach((host, list) -> list.forEach(vm -> at.computeIfAbsent(vm, k -> new TreeSet<>()).add(host)));
    }
    List<String> v = new ArrayList<>();
    at.forEach((vm, hosts) -> {
      if (hosts.size() > 1) v.add(vm + ": reported running on " + hosts + " at once");
    });
    for (String vm : vms) if (!at.containsKey(vm)) v.add(vm + ": reported running nowhere");
    return v;
  }

  /**
   * One master per connected component: in each group of hosts that can talk (live agents only), exactly one says
   * it is master and every other follows it.
   */
  public static List<String> oneMasterPerComponent(List<Set<String>> components, Map<String, View> views) {
    List<String> v = new ArrayList<>();
    for (Set<String> c : components) {
      Set<String> masters = new TreeSet<>();
      Set<String> followed = new TreeSet<>();
      for (String h : c) {
        View w = views.get(h);
        if (w == null) {
          v.add(h + ": no status");
          continue;
        }
        if ("MASTER".equals(w.role())) masters.add(h);
        followed.add(w.master() == null ? "none" : w.master());
      }
      if (masters.size() != 1 || followed.size() != 1 || !followed.equals(masters)) {
        v.add("component " + c + ": masters " + masters + ", hosts follow " + followed);
      }
    }
    return v;
  }

  private static List<String> since(List<String> lines, long sinceMicros) {
    if (sinceMicros <= 0) return lines;
    return lines.stream().filter(l -> {
      String[] f = l.trim().split(" ");
      try {
        return f.length == 3 && Long.parseLong(f[2]) >= sinceMicros;
      } catch (NumberFormatException e) {
        return true; // DiskCheck reports it as a bad line
      }
    }).toList();
  }
}
