package dev.vmha.host;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Address;

/**
 * What an agent's run loop carries from one actor system to the next: the cluster that removed the last one, or why
 * there must be no next one (another agent of this host id is a member, {@link DuplicateMemberWatch}). A
 * removed agent's next incarnation must join that cluster, which still runs, and never found a second one — as the
 * first configured seed would when the other seeds are cut off or restarting with it (issue 18, lab
 * partition-heal-no-datastores). Thread-safe: written by the stopping system, read by the run loop's next start.
 */
public final class Incarnations {
  private final AtomicReference<List<Address>> removedBy = new AtomicReference<>(List.of());
  private final AtomicReference<Optional<String>> refused = new AtomicReference<>(Optional.empty());

  /** The stopping incarnation must not be followed by another: why (another agent of this host id runs). */
  void refuse(String why) {
    refused.set(Optional.of(why));
  }

  /** Why the agent must not start again, if it must not: its run loop ends with this error. */
  public Optional<String> refused() {
    return refused.get();
  }

  /** The stopping incarnation was removed: these are the members of the cluster that removed it. */
  void removedBy(List<Address> members) {
    removedBy.set(List.copyOf(members));
  }

  /** For the next incarnation, once: the members of the cluster that removed the last one; empty after a cold start. */
  List<Address> takeRemovedBy() {
    return removedBy.getAndSet(List.of());
  }
}
