package dev.vmha.host;

import dev.vmha.datastore.VmLease;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the {@link HostVmsMachine} is told, each at the wall time {@code at} it happened (it stamps the events).
 *
 * @param <R> how the shell names whom a power-on, power-off or migration answers (an actor reference in the agent)
 */
public sealed interface HostVmsInput<R> {
  Instant at();

  /** The poll interval passed, or a VM changed here and should be reported at once. */
  record PollDue<R>(Instant at) implements HostVmsInput<R> {}

  /** The hypervisor answered poll {@code seq}: the VMs powered on. */
  record Polled<R>(Instant at, long seq, List<VmSpec> vms) implements HostVmsInput<R> {
    public Polled {
      vms = List.copyOf(vms);
    }
  }

  record PollFailed<R>(Instant at, long seq, String why) implements HostVmsInput<R> {}

  /**
   * The master asks to power a VM on here; {@code grant} is the expired lease it judged this host may replace;
   * {@code image}: a VM migrated in, started from its source's state (its lease is taken first all the same).
   */
  record PowerOn<R>(Instant at, VmSpec vm, Optional<VmLease> grant, Optional<MigrationImage> image, R replyTo)
      implements HostVmsInput<R> {
    /** A power-on from nothing. */
    public PowerOn(Instant at, VmSpec vm, Optional<VmLease> grant, R replyTo) {
      this(at, vm, grant, Optional.empty(), replyTo);
    }
  }

  /** Migrate a VM out of this host: its writer stops (keeping its state), then its lease is released. */
  record MigrateOut<R>(Instant at, String vm, R replyTo) implements HostVmsInput<R> {}

  /** A {@link HostVmsEffect.StopWriter} completed: the VM's state to hand over, or why its writer did not stop. */
  record WriterStopped<R>(Instant at, MigrateOut<R> request, Optional<MigrationImage> image, Optional<String> failure)
      implements HostVmsInput<R> {}

  /** The lease keeper answered a {@link HostVmsEffect.ReleaseLease} (or did not in time: {@code failure}). */
  record LeaseReleased<R>(Instant at, MigrateOut<R> request, MigrationImage image, Optional<String> failure)
      implements HostVmsInput<R> {}

  /** The lease keeper answered a {@link HostVmsEffect.TakeLease}. */
  record LeaseTaken<R>(Instant at, PowerOn<R> request, boolean ok, String reason) implements HostVmsInput<R> {}

  /** The lease keeper did not answer a {@link HostVmsEffect.TakeLease} in time. */
  record LeaseUnanswered<R>(Instant at, PowerOn<R> request, String why) implements HostVmsInput<R> {}

  /** A {@link HostVmsEffect.PowerOnVm} completed, or failed. */
  record PoweredOn<R>(Instant at, PowerOn<R> request, Optional<String> failure) implements HostVmsInput<R> {}

  /** An operator's power-off through vmha: the VM is not restarted anywhere. */
  record PowerOff<R>(Instant at, String vm, R replyTo) implements HostVmsInput<R> {}

  /** A {@link HostVmsEffect.PowerOffVm} completed, or failed. */
  record PoweredOff<R>(Instant at, PowerOff<R> request, Optional<String> failure) implements HostVmsInput<R> {}

  /** The lease keeper lost a VM's lease here: it must be powered off. */
  record LeaseLost<R>(Instant at, String vm, String reason) implements HostVmsInput<R> {}

  /** A {@link HostVmsEffect.ForceOff} completed, or failed. */
  record ForcedOff<R>(Instant at, String vm, Optional<String> failure) implements HostVmsInput<R> {}

  /** The isolation response is being applied to the VMs here. */
  record Isolating<R>(Instant at) implements HostVmsInput<R> {}

  /** This host fences itself: every VM here is being powered off, and power-ons are refused. */
  record Fencing<R>(Instant at, String reason) implements HostVmsInput<R> {}

  record Unfence<R>(Instant at) implements HostVmsInput<R> {}

  /**
   * The shell did nothing for {@code idle} (its agent stalled: {@link dev.vmha.timing.StallWatch}), told before the
   * input that follows; past {@code staleAfter} ({@link dev.vmha.timing.TimingRules.Detection#slaveStall}) the
   * power-ons queued behind the stall are stale.
   */
  record Stalled<R>(Instant at, Duration idle, Duration staleAfter) implements HostVmsInput<R> {}
}
