package dev.vmha.isolation;

import java.util.Set;
import java.util.TreeSet;

/**
 * Who counts toward a majority where no heartbeat datastore is shared (MISSION §6, issue 18 item 3). Two sides of a
 * partition must never both hold one, so:
 * <ul>
 *   <li>the <b>numerator</b> counts only hosts this side proves it hears now (the caller says which: the master counts
 *       the hosts whose beats it received within hostTimeout and that Pekko does not call unreachable; a host's
 *       self-fence counts the members Pekko reaches), and only those in the denominator;
 *   <li>the <b>denominator</b> is every host known to the cluster: every host this agent has seen as a member or heard
 *       beat since it started (the master also counts the hosts its protected list places VMs on). It only grows. Downing or removing a
 *       member never shrinks it, so a side that removed the other side's members cannot thereby become a majority.
 * </ul>
 * This host always counts itself in both. Pure.
 */
public final class MajorityRule {
  private MajorityRule() {}

  /** {@code heard} of {@code known} hosts. */
  public record Count(int heard, int known) {
    /** More than half of the known hosts are heard: this side may restart VMs and lift its fence. */
    public boolean majority() {
      return FencingRule.majority(heard, known);
    }

    /** Fewer than half: this side fences itself. */
    public boolean minority() {
      return FencingRule.minority(heard, known);
    }

    public String describe() {
      return "this side holds " + heard + " of " + known + " hosts";
    }
  }

  /** The count for {@code self}, hearing {@code heard} of the {@code known} hosts. */
  public static Count count(String self, Set<String> known, Set<String> heard) {
    Set<String> all = new TreeSet<>(known);
    all.add(self);
    Set<String> h = new TreeSet<>(heard);
    h.retainAll(all);
    h.add(self);
    return new Count(h.size(), all.size());
  }
}
