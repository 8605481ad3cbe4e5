package dev.vmha.master;

import dev.vmha.LocalMessage;
import dev.vmha.datastore.ProtectedList;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * What the master coordinator tells the election FSM that runs it. Its own type, adapted by the FSM, so that the
 * master does not depend on the election.
 */
public sealed interface MasterNotice extends LocalMessage {

  /** The protected list changed: the FSM sends it with every master heartbeat. */
  record ProtectedListChanged(ProtectedList list) implements MasterNotice {}

  /** Without datastores, the epoch this master proposes: its beats carry it ({@link ListOwnership#propose}). */
  record Proposing(long epoch) implements MasterNotice {}

  /**
   * Without datastores, each interval: the hosts this master counts as heard (itself among them) while they are a
   * strict majority, else none (it restarts nothing then). The FSM sends them with every master heartbeat, so a slave
   * left out knows it and fences itself before its VMs are restarted. {@code outnumbered}: fewer than half of the
   * hosts report to it, so the others may hold a strict majority and restart its VMs (an even split: neither may).
   */
  record Side(Optional<Set<String>> heard, boolean outnumbered) implements MasterNotice {
    public Side {
      heard = heard.map(Set::copyOf);
    }
  }

  /** Every other host has been silent for hostTimeout: the master may be the one that is isolated. */
  record AllHostsSilent(int hosts) implements MasterNotice {}

  /**
   * The master's agent stalled for {@code idle}, past {@link dev.vmha.timing.TimingRules.Detection#masterStall}:
   * another master may have been elected meanwhile, so this one stepped down and acts on nothing more.
   */
  record Stalled(Duration idle) implements MasterNotice {}
}
