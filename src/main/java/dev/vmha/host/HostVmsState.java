package dev.vmha.host;

import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The host's VMs as the {@link HostVmsMachine} keeps them.
 *
 * @param fenced why this host refuses to run VMs, while it is fenced
 * @param polls polls issued so far; a VM stays "starting" until a poll issued after its power-on reports
 * @param seen the VMs the last poll found on
 * @param stopping VMs this host is stopping itself, and why (reported as stopped once off)
 * @param operatorOff VMs an operator powered off through vmha: never reported as stopped
 * @param stopped VMs that stopped here without an operator, reported until powered on here again
 * @param forced VMs this host must power off (lost lease, started while fenced), until a poll shows them off:
 *     a power-off that fails or hangs is tried again at every poll, and true if one is in flight
 * @param migrated VMs migrated away, and the polls issued by then: such a poll may still list them, later ones not
 * @param thawed after a stall past the bound, until a poll issued after it answers: power-ons are refused
 */
public record HostVmsState(
    Optional<String> fenced, long polls, Map<String, Starting> starting, Map<String, VmSpec> seen,
    Map<String, String> stopping, Set<String> operatorOff, Map<String, StoppedVm> stopped,
    Map<String, Boolean> forced, Map<String, Long> migrated, Optional<Thawed> thawed) {
  public HostVmsState {
    starting = Map.copyOf(starting);
    seen = Map.copyOf(seen);
    stopping = Map.copyOf(stopping);
    operatorOff = Set.copyOf(operatorOff);
    stopped = Map.copyOf(stopped);
    forced = Map.copyOf(forced);
    migrated = Map.copyOf(migrated);
  }

  /** Where a VM is being started: {@code doneAtPoll} is the poll count when its power-on finished, empty until then. */
  public record Starting(VmSpec vm, Optional<Long> doneAtPoll) {}

  /**
   * The agent stalled for {@code idle}; {@code polls} were issued by the time it thawed: what is queued behind the
   * stall is answered before a poll issued after it (its answer comes after them).
   */
  public record Thawed(Duration idle, long polls) {}

  /** An agent just started: nothing known. */
  public static HostVmsState initial() {
    return new HostVmsState(Optional.empty(), 0, Map.of(), Map.of(), Map.of(), Set.of(), Map.of(), Map.of(), Map.of(),
        Optional.empty());
  }

  HostVmsState fenced(Optional<String> f) {
    return new HostVmsState(f, polls, starting, seen, stopping, operatorOff, stopped, forced, migrated, thawed);
  }

  HostVmsState starting(Map<String, Starting> s) {
    return new HostVmsState(fenced, polls, s, seen, stopping, operatorOff, stopped, forced, migrated, thawed);
  }

  HostVmsState stopping(Map<String, String> s, Set<String> off) {
    return new HostVmsState(fenced, polls, starting, seen, s, off, stopped, forced, migrated, thawed);
  }

  HostVmsState polled(long p) {
    return new HostVmsState(fenced, p, starting, seen, stopping, operatorOff, stopped, forced, migrated, thawed);
  }

  HostVmsState forced(Map<String, Boolean> f) {
    return new HostVmsState(fenced, polls, starting, seen, stopping, operatorOff, stopped, f, migrated, thawed);
  }

  HostVmsState migrated(Map<String, Long> m) {
    return new HostVmsState(fenced, polls, starting, seen, stopping, operatorOff, stopped, forced, m, thawed);
  }

  HostVmsState thawed(Optional<Thawed> t) {
    return new HostVmsState(fenced, polls, starting, seen, stopping, operatorOff, stopped, forced, migrated, t);
  }

  /** Marks VMs as being stopped by this host for a reason; they are reported once off. */
  HostVmsState stoppingAll(Iterable<String> vms, String why) {
    Map<String, String> s = new HashMap<>(stopping);
    for (String vm : vms) s.putIfAbsent(vm, why);
    return stopping(s, operatorOff);
  }
}
