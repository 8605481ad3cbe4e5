package dev.vmha.election;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * When an election may close (seed 000; issue 18 item 9). The window {@code vmha.election.window} closes it unless:
 *
 * <ul>
 *   <li>the receptionist has not yet listed every cluster member, so this host's ballot cannot reach them all: wait
 *       an interval at a time, for one more window at most ({@link #listingBound});
 *   <li>on a cold start (this agent just joined; no master lost), a host known to be starting has not sent its
 *       ballot yet — its datastore heartbeat moved since the election began, or it is already a cluster member.
 *       Agents started together come up over a few seconds on a busy machine; closing at the first window would
 *       make the first one up master and the best-ranked one only follow it (a later host never overthrows a running
 *       master). Wait for their ballots, for {@code hostTimeout} beyond the window at most ({@link #coldStartBound}):
 *       a host whose agent runs but which has not balloted by then is treated like a silent host.
 * </ul>
 *
 * An election after a master loss never waits for the cold-start rule, so failover timings stay
 * {@code hostTimeout + window}. Pure.
 */
public final class ElectionWindow {
  private ElectionWindow() {}

  /** Whether to close the election now, and why. */
  public record Decision(boolean close, String reason) {}

  /** What the election knows when its window would close. */
  public record Facts(
      Duration elapsed, boolean coldStart, int listedPeers, int hostMembers, Set<String> awaited) {}

  /** The latest an election waits for the receptionist's listing: two windows from its start. */
  public static Duration listingBound(Duration window) {
    return window.multipliedBy(2);
  }

  /** The latest a cold-start election waits for the ballots of the hosts starting with it: window + hostTimeout. */
  public static Duration coldStartBound(Duration window, Duration hostTimeout) {
    return window.plus(hostTimeout);
  }

  /**
   * The hosts a cold-start election waits for: those starting (heartbeat moved on a datastore since the election
   * began) or already members, that have sent no ballot; never this host.
   */
  public static Set<String> awaited(String self, Set<String> ballots, Set<String> members, Set<String> beating) {
    TreeSet<String> a = new TreeSet<>(members);
    a.addAll(beating);
    a.removeAll(ballots);
    a.remove(self);
    return a;
  }

  public static Decision decide(Facts f, Duration window, Duration hostTimeout) {
    if (f.elapsed().compareTo(window) < 0) return new Decision(false, "the election window is open");
    if (f.listedPeers() < f.hostMembers() && f.elapsed().compareTo(listingBound(window)) < 0) {
      return new Decision(false, f.listedPeers() + " of " + f.hostMembers() + " members listed: a ballot cannot "
          + "reach the others yet");
    }
    if (f.coldStart() && !f.awaited().isEmpty() && f.elapsed().compareTo(coldStartBound(window, hostTimeout)) < 0) {
      return new Decision(false, "cold start: no ballot yet from " + String.join(", ", f.awaited()));
    }
    if (f.coldStart() && !f.awaited().isEmpty()) {
      return new Decision(true, "cold start: no ballot from " + String.join(", ", f.awaited()) + " within "
          + coldStartBound(window, hostTimeout).toMillis() + " ms");
    }
    return new Decision(true, "window closed");
  }
}
