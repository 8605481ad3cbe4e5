package dev.vmha.master;

import dev.vmha.LocalMessage;
import dev.vmha.datastore.ProtectedList;

/**
 * What the master coordinator tells the election FSM that runs it. Its own type, adapted by the FSM, so that the
 * master does not depend on the election.
 */
public sealed interface MasterNotice extends LocalMessage {

  /** The protected list changed: the FSM sends it with every master heartbeat. */
  record ProtectedListChanged(ProtectedList list) implements MasterNotice {}

  /** Every other host has been silent for hostTimeout: the master may be the one that is isolated. */
  record AllHostsSilent(int hosts) implements MasterNotice {}
}
