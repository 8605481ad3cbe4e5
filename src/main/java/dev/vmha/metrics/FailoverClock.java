package dev.vmha.metrics;

import dev.vmha.classify.Verdict;
import dev.vmha.history.HaEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A failover's duration, from the events alone: from the verdict that a host is DEAD or ISOLATED to each of its VMs
 * running again elsewhere. A VM restarted for another reason (stopped in its guest) is not a failover. Pure, not
 * thread-safe; the times are the deciding master's ({@link HaEvent#at()}), so both ends come from one clock.
 */
final class FailoverClock {
  /** Bounds what is remembered: a verdict or a VM whose restart never ends must not grow memory forever. */
  static final int MAX_TRACKED = 10_000;

  private final Map<String, Instant> declared = bounded();
  private final Map<String, Instant> restarting = bounded();

  /** The failover this event ends, if it ends one. */
  Optional<Duration> on(HaEvent e) {
    if (e instanceof HaEvent.HostJudged j) {
      if (j.verdict() == Verdict.DEAD || j.verdict() == Verdict.ISOLATED) {
        declared.putIfAbsent(j.host(), j.at());
      } else if (j.verdict() == Verdict.ALIVE) {
        declared.remove(j.host());
      }
    } else if (e instanceof HaEvent.VmRestartPlanned p) {
      // a VM planned again after a failed attempt keeps the time its host was declared
      Instant since = declared.get(p.failedHost());
      if (since != null) restarting.putIfAbsent(p.vm(), since);
    } else if (e instanceof HaEvent.VmRestarted r) {
      Instant since = restarting.remove(r.vm());
      if (since != null) return Optional.of(Duration.between(since, r.at()));
    } else if (e instanceof HaEvent.VmNotRestarted n) {
      restarting.remove(n.vm());
    } else if (e instanceof HaEvent.VmPoweredOff o) {
      restarting.remove(o.vm());
    }
    return Optional.empty();
  }

  private static <V> Map<String, V> bounded() {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > MAX_TRACKED;
      }
    };
  }
}
