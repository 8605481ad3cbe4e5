package dev.vmha.isolation;

import dev.vmha.history.HaEvent;

/** What the {@link FenceMachine} asks its shell to do, in order. */
public sealed interface FenceEffect {
  /** Read this host's datastore view (answered by {@link FenceInput.ViewRead}). */
  record AskView() implements FenceEffect {}

  /** Have the VM manager power off every VM here (answered by {@link FenceInput.Fenced}). */
  record Fence(String reason) implements FenceEffect {}

  /** Have the VM manager lift the fence: VMs may start here again. */
  record Unfence() implements FenceEffect {}

  /** Without datastores: keep this on the host's disk for the next agent (nothing waits for it). */
  record WriteRecord(MajorityRecord record) implements FenceEffect {}

  record Emit(HaEvent event) implements FenceEffect {}
}
