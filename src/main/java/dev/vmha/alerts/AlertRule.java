package dev.vmha.alerts;

import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which decisions are alerts. A verdict on a host alerts once until the host is judged otherwise (a new master that
 * judges the same host again, or a verdict repeated, says nothing new); every given-up VM and every fencing alerts;
 * an overcommitted capacity plan alerts once, and its clearing once, when a plan exists again. Pure, not thread-safe.
 */
public final class AlertRule {
  /** Hosts remembered with their last alerted verdict; more than this many is no cluster vmha runs. */
  static final int MAX_HOSTS = 10_000;

  /** An alert before it is numbered. */
  public record Raised(Alert.Kind kind, Alert.Severity severity, String subject, String message) {}

  private final Map<String, Verdict> alerted = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Verdict> eldest) {
      return size() > MAX_HOSTS;
    }
  };

  /** Whether this agent alerted an overcommit that has not cleared since. */
  private boolean overcommitted;

  public Optional<Raised> on(HaEvent e) {
    if (e instanceof HaEvent.HostJudged j) return verdict(j);
    if (e instanceof HaEvent.CapacityPlanChanged c) return capacity(c);
    if (e instanceof HaEvent.VmNotRestarted n) {
      return raise(Alert.Kind.VM_GIVEN_UP, Alert.Severity.CRITICAL, n.vm(), e);
    }
    if (e instanceof HaEvent.VmLeaseFenced f) return raise(Alert.Kind.FENCING, Alert.Severity.WARNING, f.vm(), e);
    if (e instanceof HaEvent.HostSelfFenced || e instanceof HaEvent.WatchdogFired) {
      return raise(Alert.Kind.FENCING, Alert.Severity.CRITICAL, e.by(), e);
    }
    if (e instanceof HaEvent.IsolationResponseApplied) {
      return raise(Alert.Kind.HOST_ISOLATED, Alert.Severity.CRITICAL, e.by(), e);
    }
    if (e instanceof HaEvent.HostEnforcementChanged c) {
      return c.enforcement().on() ? raise(Alert.Kind.ENFORCEMENT_RESTORED, Alert.Severity.INFO, e.by(), e)
          : raise(Alert.Kind.ENFORCEMENT_SUSPENDED, Alert.Severity.WARNING, e.by(), e);
    }
    return Optional.empty();
  }

  private Optional<Raised> verdict(HaEvent.HostJudged j) {
    Verdict before = j.verdict() == Verdict.ALIVE ? alerted.remove(j.host()) : alerted.put(j.host(), j.verdict());
    if (j.verdict() == Verdict.ALIVE || j.verdict() == before) return Optional.empty();
    return switch (j.verdict()) {
      case DEAD -> raise(Alert.Kind.HOST_DEAD, Alert.Severity.CRITICAL, j.host(), j);
      case ISOLATED -> raise(Alert.Kind.HOST_ISOLATED, Alert.Severity.CRITICAL, j.host(), j);
      case PARTITIONED -> raise(Alert.Kind.HOST_PARTITIONED, Alert.Severity.WARNING, j.host(), j);
      // its VMs are left alone until its agent is back or proved gone: a HOST_DEAD follows if it was the host
      case AGENT_UNREACHABLE, ALIVE -> Optional.empty();
    };
  }

  private Optional<Raised> capacity(HaEvent.CapacityPlanChanged c) {
    if (c.ok() != overcommitted) return Optional.empty(); // ok as before, or overcommitted as before: no news
    overcommitted = !c.ok();
    return c.ok() ? raise(Alert.Kind.OVERCOMMIT_CLEARED, Alert.Severity.INFO, "cluster", c)
        : raise(Alert.Kind.OVERCOMMITTED, Alert.Severity.WARNING, "cluster", c);
  }

  private static Optional<Raised> raise(Alert.Kind kind, Alert.Severity severity, String subject, HaEvent e) {
    return Optional.of(new Raised(kind, severity, subject, e.by() + ": " + e.describe()));
  }
}
