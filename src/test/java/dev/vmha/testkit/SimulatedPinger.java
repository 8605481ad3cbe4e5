package dev.vmha.testkit;

import dev.vmha.ping.PingTarget;
import dev.vmha.ping.Pinger;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;

/**
 * The simulated ping boundary of a test cluster: a host's management address answers iff the test says that host
 * is powered (and, for network-fault tests, the link from the pinging host to it is up).
 *
 * <p>All test hosts bind 127.0.0.1, so targets are told apart by {@link PingTarget#tcpPort()}: each host is
 * registered under the distinct (fake) {@code vmha.host.http-port} it reports as its management port. A target that
 * is not a registered host (an isolation address, pinged with port 0) answers iff other targets answer
 * ({@link #setOtherTargetsAnswer}, default true, as 127.0.0.1 does) and the link to it is up.
 *
 * <p>An answer comes at once; silence takes the full ping timeout, as an ICMP echo that gets no reply does.
 * Thread-safe: the hosts' masters ping from their own dispatchers while the test flips the switches.
 */
public final class SimulatedPinger implements Pinger {
  private final Map<Integer, String> hostByPort = new ConcurrentHashMap<>();
  private final Set<String> powered = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicLong> pingsOf = new ConcurrentHashMap<>();
  private volatile BiPredicate<String, String> linkUp = (from, to) -> true;
  private volatile boolean otherTargetsAnswer = true;

  /** Registers a host under its management port, powered on. */
  public void register(String hostId, int managementPort) {
    String before = hostByPort.putIfAbsent(managementPort, hostId);
    if (before != null && !before.equals(hostId)) {
      throw new IllegalArgumentException("management port " + managementPort + " is already " + before + "'s");
    }
    powered.add(hostId);
  }

  /** Whether the host's machine is on: a powered host answers ping even when its agent is dead. */
  public void setPowered(String hostId, boolean on) {
    requireKnown(hostId);
    if (on) powered.add(hostId);
    else powered.remove(hostId);
  }

  public boolean isPowered(String hostId) {
    return powered.contains(hostId);
  }

  /**
   * Which links carry pings, as (pinging host, target) → up, where the target is the pinged host's id, or the
   * address of any other target (an isolation address); the pinging host is null for pings sent through this object
   * itself rather than through {@link #from}. Default: every link is up.
   */
  public void setLinkUp(BiPredicate<String, String> up) {
    this.linkUp = Objects.requireNonNull(up);
  }

  public void setOtherTargetsAnswer(boolean answer) {
    this.otherTargetsAnswer = answer;
  }

  /** How many pings the host's management address received (answered or not). */
  public long pingsOf(String hostId) {
    AtomicLong n = pingsOf.get(hostId);
    return n == null ? 0 : n.get();
  }

  /** The pinger a host's drivers use: the same switches, with the pinging host known for the link check. */
  public Pinger from(String sourceHostId) {
    return (target, timeout) -> ping(sourceHostId, target, timeout);
  }

  @Override
  public CompletionStage<Boolean> ping(PingTarget target, Duration timeout) {
    return ping(null, target, timeout);
  }

  /** Whether the target would answer a ping from {@code sourceHostId} right now. */
  public boolean answers(String sourceHostId, PingTarget target) {
    String host = hostByPort.get(target.tcpPort());
    if (host == null) return otherTargetsAnswer && linkUp.test(sourceHostId, target.address());
    return powered.contains(host) && linkUp.test(sourceHostId, host);
  }

  private CompletionStage<Boolean> ping(String source, PingTarget target, Duration timeout) {
    String host = hostByPort.get(target.tcpPort());
    if (host != null) pingsOf.computeIfAbsent(host, h -> new AtomicLong()).incrementAndGet();
    if (answers(source, target)) return CompletableFuture.completedFuture(true);
    return CompletableFuture.supplyAsync(() -> false,
        CompletableFuture.delayedExecutor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS));
  }

  private void requireKnown(String hostId) {
    if (!hostByPort.containsValue(hostId)) throw new IllegalArgumentException("unknown host " + hostId);
  }
}
