package dev.vmha.lab;

import static dev.vmha.timing.TimingRules.max;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.demo.AgentConfig;
import dev.vmha.timing.TimingRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The bounds the lab judges by, all from the documented rules applied to the lab's own host settings
 * (docs/FAILURE-DETECTION.md: {@link TimingRules.Heal} after a heal, {@link TimingRules.Detection} for a power loss, the lease
 * expiry for a failover of leased VMs), so that
 * the lab never invents a bound of its own. Pure.
 *
 * @param settings a lab host's settings, as {@link LabConfig} writes its file
 * @param pekko the agents' Pekko settings (seed-node timeout, join retry)
 */
public record LabBounds(HaSettings settings, Config pekko) {
  /**
   * Linux's TCP_RTO_MAX: a connection whose frames were dropped backs its retransmissions off, doubling from the
   * initial RTO up to this, so the first one after the network heals comes within the cut's length (plus one initial
   * RTO), and never more than this later. Artery's TCP connections resume only then.
   */
  static final Duration TCP_RTO_MAX = Duration.ofSeconds(120);
  /** Linux's initial TCP retransmission timeout (RFC 6298), the first step of the back-off. */
  static final Duration TCP_RTO_INITIAL = Duration.ofSeconds(1);
  /**
   * How much later than real time the master's count of a lease's expiry may end on a loaded machine: it counts its
   * datastore ticks (a fixed-delay timer), each of which comes late by the time it waits for a thread, so
   * {@code expiry} of ticks takes longer. Measured in the lab while other work loaded the machine: 21.46 s of ticks
   * in 22.4-22.5 s (4-5 %, load average 25-39); twice that as room. Slower, never less safe: the holder has stopped its
   * VMs by then all the same.
   */
  static final double TICK_LAG = 0.10;
  /** Starting the process VMs of one failed host (measured in the lab: 0.1-0.2 s for a handful) with room. */
  static final Duration POWER_ONS = Duration.ofSeconds(1);

  /** The bounds of a lab with its two datastores whose host files carry {@code extra} (HOCON, its keys win). */
  public static LabBounds of(String extra) {
    String text = new AgentConfig("host1", "10.0.0.11", LabConfig.CLUSTER_PORT, LabConfig.HTTP_PORT, Path.of("data"),
        List.of("10.0.0.11:" + LabConfig.CLUSTER_PORT), List.of(Path.of("ds1"), Path.of("ds2")), "10.0.0.1", "icmp",
        "in-memory",
        Path.of(LabConfig.CERTS)).render(LabConfig.WATCHDOG + extra);
    return new LabBounds(HaSettings.from(ConfigFactory.parseString(text).withFallback(HaSettings.defaults()).resolve()),
        ConfigFactory.load());
  }

  /** How long Artery's TCP connections may take to carry messages again after a cut that lasted {@code cut}. */
  static Duration transportResume(Duration cut) {
    Duration backoff = cut.compareTo(TCP_RTO_MAX) < 0 ? cut : TCP_RTO_MAX;
    return backoff.plus(TCP_RTO_INITIAL);
  }

  /**
   * After a heal that ends a cut of {@code cut}: the transport resumes, then one cluster with one master
   * ({@link TimingRules.Heal#oneMaster()}); a VM lost in the fault is running again once its host's failure was judged
   * (the master's power-loss budget, the slower one) or the cluster is one again, and one power-on timeout later at
   * the latest.
   */
  public Duration afterHeal(Duration cut) {
    Duration oneMaster = transportResume(cut).plus(settings.healTiming(pekko).oneMaster());
    Duration judged = max(detection().masterPowerLoss(), leaseExpired());
    return max(oneMaster, judged).plus(settings.powerOnTimeout());
  }

  /**
   * A slave's power loss until its VMs run elsewhere: its budget from the last beat plus up to one interval from the
   * power loss to that beat, or its VMs' leases expired if later; then the power-ons.
   */
  public Duration slavePowerLoss() {
    return max(detection().slavePowerLoss().plus(interval()), leaseExpired()).plus(POWER_ONS);
  }

  /** The master's power loss (alone or with a slave) until its VMs run elsewhere, counted as for a slave. */
  public Duration masterPowerLoss() {
    return max(detection().masterPowerLoss().plus(interval()), leaseExpired()).plus(POWER_ONS);
  }

  /**
   * A host whose agent is gone or hung while its address answers ping, its watchdog armed (LeaseRule.agentGone):
   * judged AGENT_UNREACHABLE, its VMs run elsewhere once their leases expired, then the power-ons.
   */
  public Duration agentGone() {
    return max(detection().agentUnreachable().plus(interval()), leaseExpired()).plus(POWER_ONS);
  }

  /**
   * From a host's failure until the master may take its VMs' leases: the last renewal landed up to an interval before
   * the failure, the master sees it in its next datastore round, waits the expiry (which covers the watchdog's
   * timeout, the restart grace: TimingRules.leaseFenceAfter) counted in its ticks ({@link #TICK_LAG}) and acts in the
   * round after.
   */
  public Duration leaseExpired() {
    Duration expiry = settings.leaseTiming().expiry();
    return TimingRules.stretched(expiry, TICK_LAG).plus(TimingRules.rounds(interval(), 3));
  }

  /** The restart grace: how long the watchdog waits for a pet. */
  public Duration watchdogTimeout() {
    return settings.watchdog().timeout();
  }

  public Duration interval() {
    return settings.failureDetectionInterval();
  }

  public Duration hostTimeout() {
    return settings.hostTimeout();
  }

  /** How long an agent takes to exit on SIGTERM ({@link TimingRules#agentStopBound}). */
  public Duration agentStop() {
    return TimingRules.agentStopBound(pekko);
  }

  private TimingRules.Detection detection() {
    return settings.detectionTiming();
  }
}
