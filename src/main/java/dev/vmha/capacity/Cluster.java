package dev.vmha.capacity;

import dev.vmha.restart.RestartPriority;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What capacity planning knows of the cluster: its hosts and the VMs that run on them.
 *
 * @param defaultFailoverHost das.defaultfailoverhost, which a failover prefers when it has room
 */
public record Cluster(List<Cluster.Host> hosts, List<Cluster.Vm> vms, Optional<String> defaultFailoverHost) {

  /** UP: runs VMs, takes restarts and may fail; MAINTENANCE and DOWN: neither takes VMs nor counts. */
  public enum HostState { UP, MAINTENANCE, DOWN }

  /**
   * A host: its memory, its free memory now (VMs outside {@link #vms()} taken into account), its CPU in MHz (0: not
   * known, so CPU is not judged) and its state.
   */
  public record Host(String id, long memoryMb, long freeMemoryMb, long cpuMhz, HostState state) {
    public Host {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(state, "state");
      if (memoryMb < 0 || freeMemoryMb < 0 || freeMemoryMb > memoryMb || cpuMhz < 0) {
        throw new IllegalArgumentException("host " + id + ": memory " + memoryMb + " MB, free " + freeMemoryMb
            + " MB, CPU " + cpuMhz + " MHz: need 0 <= free <= memory and CPU >= 0");
      }
    }
  }

  /** A VM running on {@code host}: what it reserves there and how HA restarts it. */
  public record Vm(String name, long memoryMb, long cpuMhz, String host, RestartPriority priority, int order) {
    public Vm {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(priority, "priority");
      if (memoryMb < 1 || cpuMhz < 0 || order < 0) {
        throw new IllegalArgumentException("VM " + name + ": memory " + memoryMb + " MB, CPU " + cpuMhz
            + " MHz, order " + order + ": need memory >= 1, CPU >= 0, order >= 0");
      }
    }

    /** Owed room after a failure: restarted, and not best-effort. */
    public boolean isProtected() {
      return priority.owedRoom();
    }
  }

  public Cluster {
    hosts = List.copyOf(hosts);
    vms = List.copyOf(vms);
    Set<String> ids = new HashSet<>();
    for (Host h : hosts) {
      if (!ids.add(h.id())) throw new IllegalArgumentException("host " + h.id() + " is listed twice");
    }
    Set<String> names = new HashSet<>();
    for (Vm v : vms) {
      if (!names.add(v.name())) throw new IllegalArgumentException("VM " + v.name() + " is listed twice");
      if (!ids.contains(v.host())) throw new IllegalArgumentException("VM " + v.name() + " runs on unknown host " + v.host());
    }
  }

  /** The cluster with {@code vm} running at its host, whose free memory it takes (at most all of it). */
  public Cluster plus(Vm vm) {
    List<Vm> more = new java.util.ArrayList<>(vms);
    more.add(vm);
    List<Host> after = hosts.stream().map(h -> !h.id().equals(vm.host()) ? h
        : new Host(h.id(), h.memoryMb(), Math.max(0, h.freeMemoryMb() - vm.memoryMb()), h.cpuMhz(), h.state())).toList();
    return new Cluster(after, more, defaultFailoverHost);
  }

  public Optional<Host> host(String id) {
    return hosts.stream().filter(h -> h.id().equals(id)).findFirst();
  }
}
