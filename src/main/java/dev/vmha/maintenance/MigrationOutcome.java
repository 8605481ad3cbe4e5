package dev.vmha.maintenance;

import dev.vmha.LocalMessage;
import dev.vmha.hypervisor.VmSpec;

/** How one live migration ended, as {@link VmMigrator} reports it to the master. */
public sealed interface MigrationOutcome extends LocalMessage {
  VmSpec vm();

  String from();

  /** The VM runs at {@code to}; its writer at {@code from} stopped first and its lease moved with it. */
  record Moved(VmSpec vm, String from, String to) implements MigrationOutcome {}

  /**
   * The VM did not move: {@code runsAt} is where it runs now ({@code from}: its writer never stopped, or it was
   * started there again), empty when it stopped at {@code from} and started nowhere (it needs a home).
   */
  record NotMoved(VmSpec vm, String from, String to, java.util.Optional<String> runsAt, String reason)
      implements MigrationOutcome {}
}
