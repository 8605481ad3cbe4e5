package dev.vmha.cli;

import dev.vmha.api.VmRequest;
import dev.vmha.history.EventLog;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import com.fasterxml.jackson.core.JsonProcessingException;

@Command(name = "vm", description = "Operate on VMs through the master.", subcommands = {VmCommand.PowerOn.class, VmCommand.PowerOff.class, VmCommand.Retry.class,
    VmCommand.Protect.class, VmCommand.Unprotect.class, VmCommand.Set.class, VmCommand.Move.class})
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

    @Option(names = "--isolation-response", description = "What its host does with it when isolated: power-off,"
        + " shutdown or leave-powered-on (overrides the configured response).")
    String isolationResponse;

    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "vm power-on", "/api/v1/vms", EventLog.JSON.writeValueAsString(new VmRequest(name, memoryMb, cpus,
          host, priority, order, ready, readyTimeoutSeconds, dependsOn, isolationResponse)));
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
      return OperationPost.send(options, "vm power-off", "/api/v1/vms/" + name + "/power-off", "{}");
    }
  }

  /** A command on one VM, posted to {@code /api/v1/vms/<name>/<route>}. */
  abstract static class OnVm implements Callable<Integer> {
    @Parameters(index = "0", description = "VM name.")
    String name;

    @Mixin AgentOptions options;

    @Spec CommandSpec spec;

    /** The last segment of the route: what is done to the VM. */
    private final String route;

    OnVm(String route) {
      this.route = route;
    }

    String route() {
      return route;
    }

    String body() throws JsonProcessingException {
      return "{}";
    }

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, spec.qualifiedName().substring("vmha ".length()),
          "/api/v1/vms/" + name + "/" + route(), body());
    }
  }

  /** A command on one VM that carries a protection change. */
  abstract static class Protecting extends OnVm {
    @Mixin ProtectionOptions protection;

    Protecting(String route) {
      super(route);
    }

    @Override
    String body() throws JsonProcessingException {
      return protection.body();
    }
  }

  @Command(name = "retry", description = "Retry a VM HA gave up (or one waiting for its next retry), like pcs resource"
      + " cleanup: its failed attempts are reset and it is planned again.")
  static final class Retry extends OnVm {
    Retry() {
      super("retry");
    }
  }

  @Command(name = "protect", description = "Protect a VM that runs at a live host: HA restarts it from now on, with its"
      + " configured protection and these options over it.")
  static final class Protect extends Protecting {
    Protect() {
      super("protect");
    }
  }

  @Command(name = "unprotect", description = "Unprotect a VM: HA no longer restarts it; it keeps running.")
  static final class Unprotect extends OnVm {
    Unprotect() {
      super("unprotect");
    }
  }

  @Command(name = "set", description = "Change how a protected VM is restarted (at least one option), e.g."
      + " vm set app1 --priority high --order 2 --after db1.")
  static final class Set extends Protecting {
    Set() {
      super("protection");
    }
  }

  @Command(name = "move", description = "Live-migrate a running VM to a host (one migration at a time; the host must"
      + " take VMs and have room). Answered when the migration ends.")
  static final class Move extends OnVm {
    @Option(names = "--to", required = true, description = "Host id to move it to.")
    String to;

    Move() {
      super("move-to");
    }

    @Override
    String route() {
      return "move-to/" + to;
    }
  }
}
