package dev.vmha.alerts;

import java.time.Instant;

/**
 * Something an operator must look at, raised from a decision: what GET /api/v1/alerts lists and the webhook posts, as
 * JSON. {@code id} counts up per agent process; {@code by} is the agent that took the decision; {@code subject} the
 * host or VM it is about; {@code message} the decision's own text (never a secret: events carry none).
 */
public record Alert(long id, Instant at, String by, Kind kind, Severity severity, String subject, String message) {

  public enum Kind {
    /** The master declared a host DEAD: its VMs are restarted elsewhere. */
    HOST_DEAD,
    /** A host is isolated: declared so by the master, or by itself (its isolation response ran). */
    HOST_ISOLATED,
    /** The master declared a host PARTITIONED: nothing is restarted, the cluster is split. */
    HOST_PARTITIONED,
    /** A protected VM needs a home and will not get one (disabled, best-effort without room, retries exhausted). */
    VM_GIVEN_UP,
    /** A host powered a VM off for safety: lease lost, self-fence, or its watchdog fired. */
    FENCING,
    /** No failover plan exists for the configured host failures: the next failures may leave protected VMs down. */
    OVERCOMMITTED,
    /** A plan exists again after an {@link #OVERCOMMITTED} alert: it is cleared. */
    OVERCOMMIT_CLEARED,
    /** An operator suspended HA's enforcement on a host (emergency disable): its VMs run unfenced. */
    ENFORCEMENT_SUSPENDED,
    /** Enforcement is on again on a host after {@link #ENFORCEMENT_SUSPENDED}. */
    ENFORCEMENT_RESTORED
  }

  /** INFO: a condition alerted before has cleared. */
  public enum Severity { CRITICAL, WARNING, INFO }
}
