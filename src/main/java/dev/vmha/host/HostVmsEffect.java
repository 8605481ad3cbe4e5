package dev.vmha.host;

import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the {@link HostVmsMachine} asks its shell to do, in order; the hypervisor and lease calls are answered by the
 * matching {@link HostVmsInput}.
 *
 * @param <R> how the shell names whom a power-on, power-off or migration answers
 */
public sealed interface HostVmsEffect<R> {
  /** List the VMs powered on (answered by {@link HostVmsInput.Polled}). */
  record ListVms<R>(long seq) implements HostVmsEffect<R> {}

  /** Poll again at once, after what is already waiting (answered by {@link HostVmsInput.PollDue}). */
  record PollNow<R>() implements HostVmsEffect<R> {}

  /** Take the VM's lease (answered by {@link HostVmsInput.LeaseTaken} or {@link HostVmsInput.LeaseUnanswered}). */
  record TakeLease<R>(HostVmsInput.PowerOn<R> request) implements HostVmsEffect<R> {}

  /** Power the VM on, or start it from its migration image (answered by {@link HostVmsInput.PoweredOn}). */
  record PowerOnVm<R>(HostVmsInput.PowerOn<R> request) implements HostVmsEffect<R> {}

  /** Stop a migrating VM's writer, keeping its state (answered by {@link HostVmsInput.WriterStopped}). */
  record StopWriter<R>(HostVmsInput.MigrateOut<R> request) implements HostVmsEffect<R> {}

  /**
   * Have the lease keeper release a migrated VM's lease, awaited (answered by {@link HostVmsInput.LeaseReleased}):
   * the image is handed over only after.
   */
  record ReleaseLease<R>(HostVmsInput.MigrateOut<R> request, MigrationImage image) implements HostVmsEffect<R> {}

  /**
   * The answer to a migration out: {@code image} once the writer here stopped and the lease is released, else empty
   * with the {@code error}, and {@code stopped} whether the writer here stopped all the same (then it runs nowhere).
   */
  record MigratedOut<R>(R to, String vm, Optional<MigrationImage> image, boolean stopped, String error)
      implements HostVmsEffect<R> {}

  /** An operator's power-off (answered by {@link HostVmsInput.PoweredOff}). */
  record PowerOffVm<R>(HostVmsInput.PowerOff<R> request) implements HostVmsEffect<R> {}

  /** A power-off this host decided on (answered by {@link HostVmsInput.ForcedOff}). */
  record ForceOff<R>(String vm) implements HostVmsEffect<R> {}

  /** The answer to a power-on or power-off. */
  record Reply<R>(R to, String vm, boolean ok, Optional<String> error) implements HostVmsEffect<R> {}

  record Emit<R>(HaEvent event) implements HostVmsEffect<R> {}

  /** A warning for the agent's log (nothing decided). */
  record Warn<R>(String message) implements HostVmsEffect<R> {}

  /** Tell the lease keeper the VMs on or being started here: every other lease is released. */
  record LeasesRunning<R>(Set<String> vms) implements HostVmsEffect<R> {
    public LeasesRunning {
      vms = Set.copyOf(vms);
    }
  }

  /** Publish the host's report, made from poll {@code seq}. */
  record Report<R>(List<VmSpec> poweredOn, boolean fenced, List<StoppedVm> stopped, List<String> starting, long seq)
      implements HostVmsEffect<R> {
    public Report {
      poweredOn = List.copyOf(poweredOn);
      stopped = List.copyOf(stopped);
      starting = List.copyOf(starting);
    }
  }
}
