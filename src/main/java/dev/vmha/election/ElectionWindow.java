package dev.vmha.election;

import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * When an election may close (seed 000; issue 18 item 9). The window {@code vmha.election.window} closes it unless:
 *
 * <ul>
 *   <li>the receptionist has not yet listed every cluster member, so this host's ballot cannot reach them all: wait
 *       an interval at a time, for one more window at most ({@link TimingRules#electionListingBound});
 *   <li>on a cold start (this agent just joined; no master lost), a host expected to start with it has not sent its
 *       ballot yet: a configured cluster host (the seed nodes are the nodelist, as corosync's {@code nodelist} with
 *       {@code wait_for_all}), a cluster member, or a host whose datastore heartbeat moved since the election began.
 *       Agents started together come up seconds apart on a busy machine; closing at the first window would make the
 *       first one up master and the best-ranked one only follow it (a later host never overthrows a running master).
 *       Wait for their ballots until {@link #coldStartOver} (a host that is down at a cold start delays the first
 *       election that long at most); a host that has not balloted by then is treated like a silent host.
 * </ul>
 *
 * An election after a master loss never waits for the cold-start rule, so failover timings stay
 * {@code hostTimeout + window}. Pure.
 */
public final class ElectionWindow {
  private ElectionWindow() {}

  /** Whether to close the election now, and why. */
  public record Decision(boolean close, String reason) {}

  /**
   * What the election knows when its window would close.
   *
   * @param elapsed since the election began
   * @param sinceAgentStart since this agent started
   */
  public record Facts(
      Duration elapsed, Duration sinceAgentStart, boolean coldStart, int listedPeers, int hostMembers,
      Set<String> awaited) {}

  /** The timings the decision uses. */
  public record Timing(Duration window, Duration hostTimeout, Duration coldStartWait) {}

  /**
   * The hosts a cold start expects to ballot.
   *
   * @param nodelist the configured cluster hosts (the seed nodes, host:port)
   * @param members the ids of the cluster members
   * @param beating the ids of the hosts whose datastore heartbeat moved since the election began
   * @param idByAddress host ids by cluster address (host:port), as the members and the datastores tell them
   * @param unreachable the ids of the members this host's own failure detector does not reach and that it need not
   *     wait for: their ballots cannot come
   */
  public record Expected(
      List<String> nodelist, Set<String> members, Set<String> beating, Map<String, String> idByAddress,
      Set<String> unreachable) {}



  /**
   * Whether a cold-start election has waited long enough for the hosts expected with it: {@code cold-start-wait}
   * since this agent started (the configured hosts were started with it, and a JVM takes seconds to join on a busy
   * machine) and {@code hostTimeout} beyond the window (a host seen starting gets the time a silent host gets).
   */
  public static boolean coldStartOver(Duration elapsed, Duration sinceAgentStart, Timing t) {
    return elapsed.compareTo(TimingRules.coldStartElectionMinimum(t.window(), t.hostTimeout())) >= 0
        && sinceAgentStart.compareTo(t.coldStartWait()) >= 0;
  }

  /**
   * The hosts a cold-start election waits for: the expected ones that sent no ballot, by id where known, else by
   * configured address; never this host, nor the unreachable members it is given.
   */
  public static Set<String> awaited(String self, String selfAddress, Set<String> ballots, Expected e) {
    TreeSet<String> a = new TreeSet<>(e.members());
    a.addAll(e.beating());
    for (String hostPort : e.nodelist()) {
      if (!hostPort.equals(selfAddress)) a.add(e.idByAddress().getOrDefault(hostPort, hostPort));
    }
    a.removeAll(ballots);
    a.removeAll(e.unreachable());
    a.remove(self);
    return a;
  }

  public static Decision decide(Facts f, Timing t) {
    if (f.elapsed().compareTo(t.window()) < 0) return new Decision(false, "the election window is open");
    if (f.listedPeers() < f.hostMembers() && f.elapsed().compareTo(TimingRules.electionListingBound(t.window())) < 0) {
      return new Decision(false, f.listedPeers() + " of " + f.hostMembers() + " members listed: a ballot cannot "
          + "reach the others yet");
    }
    if (!f.coldStart() || f.awaited().isEmpty()) return new Decision(true, "window closed");
    String hosts = String.join(", ", f.awaited());
    if (!coldStartOver(f.elapsed(), f.sinceAgentStart(), t)) {
      return new Decision(false, "cold start: no ballot yet from " + hosts);
    }
    return new Decision(true, "cold start: no ballot from " + hosts + " within " + t.coldStartWait().toMillis()
        + " ms of the agent's start and " + TimingRules.coldStartElectionMinimum(t.window(), t.hostTimeout()).toMillis() + " ms of the election's");
  }
}
