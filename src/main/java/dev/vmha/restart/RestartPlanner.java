package dev.vmha.restart;

import dev.vmha.HostIdOrder;
import dev.vmha.hypervisor.VmSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Decides which homeless VMs start now, where, and why the others wait or are given up (MISSION §3, seed 001).
 *
 * <p>VMs start in groups of equal priority and order: protected priorities highest to lowest, then best-effort;
 * within a priority ascending order. A group starts only when every VM of an earlier group that is being started is
 * ready; earlier VMs that wait for room or a dependency do not hold later groups back, but they are placed first and
 * so keep first claim on capacity. A VM starts only when the VMs it depends on are ready. Each VM goes to the
 * default failover host when that fits it, else to the host with the most free memory (spreading load); running VMs
 * are never moved to make room. Pure and deterministic: the same input gives the same plan.
 */
public final class RestartPlanner {

  /** A VM that needs a home now, lost from the host it ran on. */
  public record Homeless(VmSpec vm, VmProtection protection, String lostFrom) {}

  /** A live host: its free memory and the power-ons it may still take (perHostConcurrentFailoversLimit less in flight). */
  public record HostRoom(String hostId, long freeMemoryMb, int freeStartSlots) {}

  /**
   * @param starting VMs being started now, not yet ready (their ready condition unmet and their ready timeout not passed)
   * @param satisfied VMs running and ready, or whose ready timeout passed
   */
  public record Input(
      List<Homeless> homeless,
      Map<String, VmProtection> starting,
      Set<String> satisfied,
      List<HostRoom> hosts,
      Optional<String> defaultFailoverHost) {
    public Input {
      homeless = List.copyOf(homeless);
      starting = Map.copyOf(starting);
      satisfied = Set.copyOf(satisfied);
      hosts = List.copyOf(hosts);
      if (homeless.stream().map(h -> h.vm().name()).distinct().count() != homeless.size()) {
        throw new IllegalArgumentException("a VM is homeless twice: " + homeless);
      }
      if (hosts.stream().map(HostRoom::hostId).distinct().count() != hosts.size()) {
        throw new IllegalArgumentException("a host is listed twice: " + hosts);
      }
    }
  }


  /** Start the VM at hosts.get(0); the other hosts also fit it, best first, to try if that one refuses. */
  public record Start(VmSpec vm, List<String> hosts, String why) {}

  public record Wait(VmSpec vm, WaitReason reason, String why) {}

  /** Given up by the plan: not restarted (disabled, or best-effort with no room). */
  public record Skip(VmSpec vm, String why) {}

  /** Each list in start order: by group, then VM name. */
  public record Plan(List<Start> starts, List<Wait> waits, List<Skip> skips) {}

  /** Names listed in a reason before "and N more". */
  private static final int NAMES_SHOWN = 5;

  private RestartPlanner() {}

  public static Plan plan(Input in) {
    return new Planning(in).run();
  }

  /** A start group: VMs of one priority and order start together. */
  private record Group(RestartPriority priority, int order) implements Comparable<Group> {
    static Group of(VmProtection p) {
      return new Group(p.priority(), p.order());
    }

    @Override
    public int compareTo(Group o) {
      return priority != o.priority ? priority.compareTo(o.priority) : Integer.compare(order, o.order);
    }

    @Override
    public String toString() {
      return priority.configName() + " order " + order;
    }
  }

  /** Free capacity of one host, taken as VMs are placed. */
  private static final class Room {
    final String id;
    long freeMb;
    int slots;

    Room(HostRoom h) {
      id = h.hostId();
      freeMb = h.freeMemoryMb();
      slots = h.freeStartSlots();
    }
  }

  /** One run of the planner; its state lives only as long as {@link #plan}. */
  private static final class Planning {
    private final Input in;
    private final List<Room> rooms;
    private final List<Start> starts = new ArrayList<>();
    private final List<Wait> waits = new ArrayList<>();
    private final List<Skip> skips = new ArrayList<>();
    private final Map<String, Group> startedNow = new HashMap<>();
    private final Map<String, WaitReason> waitingNow = new HashMap<>();
    private final Set<String> skippedNow = new HashSet<>();
    /** The unmet dependencies of each VM that waits for them; described once the whole plan is known. */
    private final Map<String, List<String>> unmet = new HashMap<>();

    Planning(Input in) {
      this.in = in;
      this.rooms = in.hosts().stream().map(Room::new).toList();
    }

    Plan run() {
      List<Homeless> ordered = in.homeless().stream()
          .sorted(Placement.startOrder((Homeless h) -> h.protection().priority(), h -> h.protection().order(),
              h -> h.vm().name()))
          .toList();
      for (Homeless h : ordered) {
        VmSpec vm = h.vm();
        VmProtection p = h.protection();
        if (!p.priority().restarted()) {
          skip(vm, "restart priority disabled: not protected");
          continue;
        }
        Group g = Group.of(p);
        Map<Group, List<String>> blockers = earlierUnready(g);
        if (!blockers.isEmpty()) {
          defer(vm, WaitReason.EARLIER_GROUP, "start group " + g + " waits until the earlier groups are ready: "
              + blockers.entrySet().stream().map(e -> e.getKey() + ": " + few(e.getValue()))
                  .collect(Collectors.joining("; ")));
          continue;
        }
        List<String> missing = p.dependsOn().stream().filter(d -> !in.satisfied().contains(d)).toList();
        if (!missing.isEmpty()) {
          unmet.put(vm.name(), missing);
          defer(vm, WaitReason.DEPENDENCY, "");
          continue;
        }
        place(vm, g);
      }
      waits.replaceAll(w -> w.reason() == WaitReason.DEPENDENCY
          ? new Wait(w.vm(), w.reason(), dependencyReason(w.vm())) : w);
      return new Plan(List.copyOf(starts), List.copyOf(waits), List.copyOf(skips));
    }

    /** VMs of groups before g that are being started, by this plan or earlier, and are not ready yet. */
    private Map<Group, List<String>> earlierUnready(Group g) {
      Map<Group, List<String>> by = new TreeMap<>();
      in.starting().forEach((vm, p) -> {
        if (p.priority().restarted() && Group.of(p).compareTo(g) < 0) {
          by.computeIfAbsent(Group.of(p), k -> new ArrayList<>()).add(vm + " (starting)");
        }
      });
      startedNow.forEach((vm, group) -> {
        if (group.compareTo(g) < 0) by.computeIfAbsent(group, k -> new ArrayList<>()).add(vm + " (started by this plan)");
      });
      by.values().forEach(names -> names.sort(Comparator.naturalOrder()));
      return by;
    }

    private void place(VmSpec vm, Group g) {
      long need = vm.memoryMb();
      List<Room> fit = rooms.stream().filter(r -> Placement.fits(r.freeMb, need)).toList();
      if (fit.isEmpty()) {
        String why = "no live host has room: needs " + need + " MB; " + largestFree() + "; " + takenBefore();
        if (g.priority() == RestartPriority.BEST_EFFORT) skip(vm, "best-effort, tried once: " + why);
        else defer(vm, WaitReason.NO_ROOM, why);
        return;
      }
      Optional<String> preferred = in.defaultFailoverHost();
      List<Room> targets = fit.stream().filter(r -> r.slots > 0)
          .sorted(Placement.targetOrder((Room r) -> preferred.equals(Optional.of(r.id)), r -> r.freeMb,
              Comparator.comparing(r -> r.id, HostIdOrder.INSTANCE)))
          .toList();
      if (targets.isEmpty()) {
        defer(vm, WaitReason.NO_START_SLOT, "fits by memory on " + few(fit.stream().map(r -> r.id).sorted(HostIdOrder.INSTANCE).toList())
            + " but none has a free start slot (das.perHostConcurrentFailoversLimit power-ons in flight)");
        return;
      }
      Room target = targets.get(0);
      String why = "priority " + g + ": " + (preferred.equals(Optional.of(target.id))
          ? "the default failover host " + target.id + " has room (" + target.freeMb + " MB free)"
          : target.id + " has the most free memory (" + target.freeMb + " MB)" + preferredPassedOver(need));
      target.freeMb -= need;
      target.slots--;
      starts.add(new Start(vm, targets.stream().map(r -> r.id).toList(), why));
      startedNow.put(vm.name(), g);
    }

    /** Why the default failover host, if one is set, was not the target. */
    private String preferredPassedOver(long need) {
      return in.defaultFailoverHost().map(d -> rooms.stream().filter(r -> r.id.equals(d)).findFirst()
          .map(r -> r.freeMb < need ? "; the default failover host " + d + " has only " + r.freeMb + " MB free"
              : "; the default failover host " + d + " has no free start slot")
          .orElse("; the default failover host " + d + " is not a live host")).orElse("");
    }

    private String largestFree() {
      return rooms.stream()
          .max(Comparator.comparingLong((Room r) -> r.freeMb).thenComparing(r -> r.id, HostIdOrder.INSTANCE.reversed()))
          .map(r -> "the most free memory left is " + r.freeMb + " MB (" + r.id + ")")
          .orElse("there is no live host");
    }

    private String takenBefore() {
      return starts.isEmpty() ? "no VM of this plan took room before it"
          : "placed before it by this plan: " + few(starts.stream().map(s -> s.vm().name()).toList());
    }

    private String dependencyReason(VmSpec vm) {
      return "waits for " + unmet.get(vm.name()).stream().map(d -> d + " (" + status(d) + ")")
          .collect(Collectors.joining(", ")) + " to be ready";
    }

    private String status(String vm) {
      if (in.starting().containsKey(vm)) return "starting, not ready yet";
      if (startedNow.containsKey(vm)) return "started by this plan";
      WaitReason w = waitingNow.get(vm);
      if (w != null) return "homeless, waiting: " + w.code().replace('-', ' ');
      if (skippedNow.contains(vm)) return "homeless, not restarted";
      return "not running, or unknown to HA";
    }

    private void defer(VmSpec vm, WaitReason kind, String why) {
      waits.add(new Wait(vm, kind, why));
      waitingNow.put(vm.name(), kind);
    }

    private void skip(VmSpec vm, String why) {
      skips.add(new Skip(vm, why));
      skippedNow.add(vm.name());
    }
  }

  private static String few(List<String> names) {
    return names.size() <= NAMES_SHOWN ? String.join(", ", names)
        : String.join(", ", names.subList(0, NAMES_SHOWN)) + " and " + (names.size() - NAMES_SHOWN) + " more";
  }
}
