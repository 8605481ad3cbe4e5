package dev.vmha.cli;

import dev.vmha.api.VmRequest;
import dev.vmha.history.EventLog;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import dev.vmha.config.SettingsException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "vm", description = "Operate on VMs through the master.", subcommands = {VmCommand.PowerOn.class, VmCommand.PowerOff.class})
final class VmCommand extends CommandGroup {
  @Command(name = "power-on", description = "Power a VM on under HA protection.")
  static final class PowerOn implements Callable<Integer> {
    @Parameters(index = "0", description = "VM name.")
    String name;

    @Option(names = "--memory-mb", required = true, description = "Memory the VM needs.")
    long memoryMb;

    @Option(names = "--cpus", defaultValue = "1", description = "vCPUs (default ${DEFAULT-VALUE}).")
    int cpus;

    @Option(names = "--host", description = "Host to power it on at (default: placement chooses).")
    String host;

    @Option(names = "--priority", description = "Restart priority: highest, high, medium, low, lowest, disabled"
        + " (vSphere) or restart, best-effort, unprotected (XenServer). Default: vmha.vms / vmha.vm-defaults.")
    String priority;

    @Option(names = "--order", description = "Start order within its priority, 0 first.")
    Integer order;

    @Option(names = "--ready", description = "When VMs ordered after it may start: resources-allocated or powered-on.")
    String ready;

    @Option(names = "--ready-timeout", description = "Seconds after which VMs ordered after it start anyway.")
    Long readyTimeoutSeconds;

    @Option(names = "--depends-on", split = ",", description = "VMs that must be ready before this one starts.")
    List<String> dependsOn;

    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return send(options, "vm power-on", "/api/v1/vms", EventLog.JSON.writeValueAsString(new VmRequest(name, memoryMb, cpus,
          host, priority, order, ready, readyTimeoutSeconds, dependsOn)));
    }
  }

  @Command(name = "power-off", description = "Power a VM off as an operator: it is unprotected first, so vmha does"
      + " not restart it.")
  static final class PowerOff implements Callable<Integer> {
    @Parameters(index = "0", description = "VM name.")
    String name;

    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return send(options, "vm power-off", "/api/v1/vms/" + name + "/power-off", "{}");
    }
  }

  /**
   * Posts an operation to the first agent that answers and prints the master's answer: exit 0 when it succeeded, 2
   * when a field was wrong (400), 3 when the VM or the agent does not exist (404, no vmha agent), else 1.
   * {@code what}: the command, as the error messages name it ("vm power-on").
   */
  static int send(AgentOptions options, String what, String path, String body) throws InterruptedException {
    AgentOptions.Targets targets;
    try {
      targets = options.targets();
    } catch (SettingsException | IllegalArgumentException e) {
      System.err.println("vmha " + what + ": " + e.getMessage());
      return ExitCode.USAGE;
    }
    AgentOptions.Answer a;
    try {
      a = targets.ask(c -> c.post(path, body));
    } catch (AgentOptions.NoAgent e) {
      System.err.println("vmha " + what + ": " + e.getMessage());
      return ExitCode.NOT_FOUND;
    } catch (IOException e) {
      System.err.println("vmha " + what + ": " + e);
      return ExitCode.FAILED;
    }
    String agent = a.target().agent();
    AgentClient.Reply r = a.reply();
    java.util.Optional<String> refused = a.target().token().refusal(r);
    if (refused.isPresent()) {
      System.err.println("vmha " + what + ": " + agent + ": " + refused.get());
      return ExitCode.FAILED;
    }
    if (!r.fromVmha()) {
      System.err.println("vmha " + what + ": " + agent + " is not a vmha agent (it answered HTTP " + r.status() + ")");
      return ExitCode.NOT_FOUND;
    }
    if (r.status() == 200) {
      System.out.println(r.text());
      return ExitCode.OK;
    }
    System.err.println("vmha " + what + ": " + r.text());
    return switch (r.status()) {
      case 400 -> ExitCode.USAGE;
      case 404 -> ExitCode.NOT_FOUND;
      default -> ExitCode.FAILED;
    };
  }
}
