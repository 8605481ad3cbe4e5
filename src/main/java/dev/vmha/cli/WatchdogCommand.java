package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.WatchdogSettings;
import dev.vmha.hypervisor.ProcessHypervisor;
import dev.vmha.timing.TimingRules;
import dev.vmha.watchdog.WatchdogProcess;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;

@Command(name = "watchdog", description = "Run a host's watchdog process (vmha.watchdog.type = process) until it is"
    + " killed: it kills the host's VM processes when the agent stops petting it.")
final class WatchdogCommand extends HostCommand {
  @Override
  String name() {
    return "watchdog";
  }

  @Override
  Integer run(HaSettings s) throws Exception {
    CliLogging.host(s.hostId());
    if (s.watchdog().type() != WatchdogSettings.Type.PROCESS) {
      System.err.println("vmha watchdog: vmha.watchdog.type is \"" + s.watchdog().type().name().toLowerCase()
          + "\" in " + config + ": the watchdog process runs with \"process\"");
      return ExitCode.USAGE;
    }
    // the VMs as the agent's process hypervisor records them: each pid checked against its start time
    ProcessHypervisor vms = new ProcessHypervisor(s.hostId(), s.dataDir().resolve("vms"), s.diskDir(),
        s.leaseTiming().powerOffMax(), Executors.newCachedThreadPool());
    Duration check = TimingRules.watchdogCheckPeriod(s.failureDetectionInterval(), s.watchdog().timeout());
    try (WatchdogProcess w = new WatchdogProcess(s.hostId(), s.dataDir(), s.watchdog().timeout(), check, vms,
        Clock.systemUTC(), System::nanoTime).start()) {
      new CountDownLatch(1).await(); // until killed
    } catch (IllegalStateException e) {
      System.err.println("vmha watchdog: " + e.getMessage());
      return ExitCode.FAILED;
    }
    return ExitCode.OK;
  }
}
