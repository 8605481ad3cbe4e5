package dev.vmha.lease;

import dev.vmha.datastore.DatastoreView.LeaseObservation;
import dev.vmha.datastore.VmLease;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether a master may send a VM to a new host, judged by the VM's lease alone (seed 001's file lock): when the lease
 * is free, or has stood still for the {@link TimingRules.Lease#expiry()} — by then its holder has powered the VM off
 * itself. A lease the master cannot read says nothing, so nothing starts; nor does a corrupt lease file, until its
 * holder repairs it ({@link #mayRepair}) or an operator removes it. Pure.
 */
public final class LeaseRule {
  private LeaseRule() {}

  /** The verdict: {@code grant} is the expired lease the new host may replace (empty: there was none). */
  public record Decision(boolean mayStart, Optional<VmLease> grant, String why) {}

  public static Decision mayStart(String vm, LeaseObservation o, Duration expiry) {
    if (!o.readable()) {
      return new Decision(false, Optional.empty(), "its lease datastore " + o.datastore()
          + " is not readable by the master: whether " + vm + " still runs somewhere is unknown");
    }
    if (o.corrupt().isPresent()) {
      return new Decision(false, Optional.empty(), "its lease file on " + o.datastore() + " is corrupt ("
          + o.corrupt().get() + "): who holds it is unknown until its holder rewrites it or an operator removes it");
    }
    if (o.lease().isEmpty()) return new Decision(true, Optional.empty(), "its lease is free");
    VmLease l = o.lease().get();
    if (o.stillFor().compareTo(expiry) >= 0) {
      return new Decision(true, o.lease(), "its lease held by " + l.owner() + " expired (not renewed for "
          + o.stillFor().toMillis() + " ms, expiry " + expiry.toMillis() + " ms)");
    }
    return new Decision(false, Optional.empty(), "its lease is held by " + l.owner() + " (renewed "
        + o.stillFor().toMillis() + " ms ago; it expires for others after " + expiry.toMillis()
        + " ms unrenewed): it may still run there");
  }

  /**
   * Whether the holder of a VM's lease may rewrite the lease file it found corrupt, rather than let the renewals fail
   * until it fences a healthy VM: only while it holds the lease here (its own record says so) and its last successful
   * renewal was issued less than {@code fenceAfter} ago. Then nobody can have taken the lease meanwhile: another host
   * takes it only after seeing it stand still for the expiry, which is longer than {@code fenceAfter}, and never while
   * the file is corrupt. A holder past its fence deadline (its VM fenced or being fenced), or an agent that restarted
   * and has not adopted the lease yet, does not know who holds it and leaves the file alone.
   *
   * @param unrenewed how long ago the holder issued its last successful renewal
   */
  public static boolean mayRepair(boolean heldHere, boolean fenced, Duration unrenewed, Duration fenceAfter) {
    return heldHere && !fenced && unrenewed.compareTo(fenceAfter) < 0;
  }

  /** Whether a host's VMs may be restarted although the host may run: {@code why} says why or why not. */
  public record AgentGone(boolean restart, String why) {}

  /**
   * The VMs of a host whose agent is gone while the host answers ping (AGENT_UNREACHABLE: an agent killed with its
   * VMs, or an agent dead or frozen while its VMs run) may be restarted elsewhere — each once its own lease has stood
   * still for the expiry ({@link #mayStart}) — only when the host's watchdog was armed: then a lease unrenewed that
   * long proves the watchdog has stopped the VM ({@link TimingRules.Lease#watchdogStopsBy()}). Without an armed watchdog an
   * expired lease proves nothing (nothing stops the VM of a dead agent) and the VMs wait, as in vSphere.
   *
   * @param leases whether the cluster has lease datastores
   * @param watchdogArmed what the host's power-on file last said
   */
  public static AgentGone agentGone(String host, boolean leases, boolean watchdogArmed) {
    if (!leases) {
      return new AgentGone(false, "without datastores there are no leases: whether the VMs of " + host
          + " still run cannot be known");
    }
    if (!watchdogArmed) {
      return new AgentGone(false, "the watchdog of " + host + " is not armed: its VMs may run on without its agent");
    }
    return new AgentGone(true, "the agent of " + host + " is gone and its watchdog armed: a VM whose lease stands"
        + " still for the expiry has been stopped by it");
  }

  /**
   * Whether the VMs of a host judged DEAD may be restarted elsewhere once their leases expire. Yes, unless its agent
   * stopped cleanly and left them running with its watchdog disarmed (its power-on file says AGENT_STOPPED): then
   * nothing stops them, so an expired lease proves nothing — the host may only be cut off — and they wait for its
   * agent to come back (or an operator), as Proxmox HA freezes the services of a node whose manager was stopped.
   */
  public static AgentGone deadHost(String host, WatchdogFlag flag) {
    if (flag == WatchdogFlag.AGENT_STOPPED) {
      return new AgentGone(false, "its agent was stopped cleanly and left its VMs running with its watchdog disarmed:"
          + " nothing proves they stopped, so they wait for the agent of " + host + " to come back");
    }
    return new AgentGone(true, "host " + host + " is dead");
  }
}
