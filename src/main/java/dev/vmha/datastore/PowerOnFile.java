package dev.vmha.datastore;

import dev.vmha.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The content of {@code host-<id>-poweron}: the VMs powered on at that host and the flag the host raises when it
 * declares itself isolated. Then {@code vms} are the VMs it stopped by its isolation response. {@code watchdogArmed}:
 * the host's watchdog is armed, so its VMs stop when its agent stops renewing their leases. {@code agentStopped}: its
 * agent stopped cleanly and disarmed the watchdog, leaving {@code vms} running with nothing to stop them.
 */
public record PowerOnFile(
    String hostId, boolean isolated, List<VmSpec> vms, boolean watchdogArmed, boolean agentStopped) {
  static final String KIND = "poweron";

  public PowerOnFile {
    vms = List.copyOf(vms);
  }

  /** Without an armed watchdog. */
  public PowerOnFile(String hostId, boolean isolated, List<VmSpec> vms) {
    this(hostId, isolated, vms, WatchdogFlag.NOT_ARMED);
  }

  public PowerOnFile(String hostId, boolean isolated, List<VmSpec> vms, WatchdogFlag watchdog) {
    this(hostId, isolated, vms, watchdog == WatchdogFlag.ARMED, watchdog == WatchdogFlag.AGENT_STOPPED);
  }

  public WatchdogFlag watchdog() {
    return watchdogArmed ? WatchdogFlag.ARMED : agentStopped ? WatchdogFlag.AGENT_STOPPED : WatchdogFlag.NOT_ARMED;
  }

  String encode() {
    return StateFile.encode(KIND, this);
  }

  /** Reads a power-on file's text (also for the lab's judge); a corrupt one throws. */
  public static PowerOnFile decode(Path file, String text) throws CorruptStateFileException {
    return StateFile.decode(file, KIND, text, PowerOnFile.class, LegacyStateFile::powerOn);
  }
}
