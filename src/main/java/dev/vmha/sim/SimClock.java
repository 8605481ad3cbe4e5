package dev.vmha.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Virtual time: one global clock in milliseconds, and each host's own clock, which may run at its own rate (clock
 * drift). A host's clock is continuous: changing its rate changes only how fast it runs from then on. Every
 * duration a host waits is its own; {@link #globalDelay} turns it into the global time it takes.
 */
final class SimClock {
  /** Where every host's clock starts, so instants look like real ones. */
  static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  private static final long EPOCH_MS = EPOCH.toEpochMilli();

  /** A host's clock: its reading {@code base} at global time {@code since}, running at {@code rate}. */
  private record HostClock(long since, double base, double rate) {}

  private long now;
  // looked up for every instant a machine is given; never iterated, so its order cannot reach a trace
  private final Map<String, HostClock> hosts = new HashMap<>();

  long now() {
    return now;
  }

  void advanceTo(long t) {
    if (t < now) throw new IllegalStateException("time runs backwards: " + t + " < " + now);
    now = t;
  }

  void add(String host) {
    hosts.put(host, new HostClock(now, now, 1.0));
  }

  /** The host's clock runs at {@code rate} (1.0: exact) from now on. */
  void rate(String host, double rate) {
    hosts.put(host, new HostClock(now, local(host), rate));
  }

  double rate(String host) {
    return hosts.get(host).rate();
  }

  /** The host's own clock, in ms. */
  double local(String host) {
    HostClock c = hosts.get(host);
    return c.base() + (now - c.since()) * c.rate();
  }

  Instant instant(String host) {
    return Instant.ofEpochMilli(EPOCH_MS + (long) Math.floor(local(host)));
  }

  /** How much global time passes while {@code host}'s clock advances by {@code local}. */
  long globalDelay(String host, Duration local) {
    return (long) Math.ceil(local.toMillis() / hosts.get(host).rate());
  }
}
