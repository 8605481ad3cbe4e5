package dev.vmha.restart;

import dev.vmha.LocalMessage;
import dev.vmha.hypervisor.VmSpec;

/** How one restart attempt ended, as {@link VmRestarter} reports it to the master. */
public sealed interface RestartOutcome extends LocalMessage {
  VmSpec vm();

  /** The VM runs at {@code host}. */
  record Started(VmSpec vm, String host) implements RestartOutcome {}

  /** Every candidate host refused (or there was none): {@code reason} says why. */
  record Refused(VmSpec vm, String reason) implements RestartOutcome {}

  /** {@code host} did not answer in time: it may run the VM, so nothing else starts it until that host shows. */
  record Unanswered(VmSpec vm, String host, String reason) implements RestartOutcome {}
}
