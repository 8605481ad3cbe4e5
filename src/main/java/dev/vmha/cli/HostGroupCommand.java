package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "host", description = "Operate on one host through the master (emergency-disable and -enable: at"
    + " that host's own agent).", subcommands = {HostGroupCommand.Ha.class, HostGroupCommand.Maintenance.class,
        HostGroupCommand.EmergencyDisable.class, HostGroupCommand.EmergencyEnable.class})
final class HostGroupCommand extends CommandGroup {
  @Command(name = "ha", description = "Enable or disable HA for one host: while disabled, its VMs are not failed over,"
      + " it takes no restarts and runs no isolation response; its VMs keep running.")
  static final class Ha implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "enable|disable", description = "enable or disable.")
    HaCommand.Switch to;

    @Parameters(index = "1", description = "Host id.")
    String host;

    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "host ha " + to.route(), "/api/v1/hosts/" + host + "/ha/" + to.route(), "{}");
    }
  }

  @Command(name = "maintenance", description = "Maintenance mode: a host entering it has its VMs live-migrated to"
      + " other hosts, one at a time; once empty it takes no VMs and its failure triggers no failover.",
      subcommands = {Enter.class, Exit.class})
  static final class Maintenance extends CommandGroup {}

  /** Enters or exits maintenance mode for a host, through the master. */
  abstract static class Change implements Callable<Integer> {
    @Parameters(index = "0", description = "Host id.")
    String host;

    @Mixin AgentOptions options;

    abstract boolean enter();

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "host maintenance " + (enter() ? "enter" : "exit"),
          "/api/v1/hosts/" + host + "/maintenance", "{\"enter\": " + enter() + "}");
    }
  }

  /** Tells one host's own agent (never another: the host may reach no master) to stop or resume enforcing HA. */
  abstract static class Enforcement implements Callable<Integer> {
    @Mixin AgentOptions options;

    abstract String verb();

    abstract String route();

    @Override
    public Integer call() throws Exception {
      if (options.agent == null && options.config == null) {
        System.err.println("vmha host " + verb() + ": name the host's own agent with --config <its file> or --agent"
            + " host:port (it acts on that host only)");
        return ExitCode.USAGE;
      }
      return OperationPost.send(options, "host " + verb(), route(), "{}");
    }
  }

  @Command(name = "emergency-disable", description = "Emergency (seed 001, like xe host-emergency-ha-disable): the"
      + " host whose agent is named stops fencing itself and applies no isolation response, keeping its VMs running"
      + " while it cannot reach the state files. Allowed only while the protected list it holds shows HA disabled for"
      + " it (./vmha host ha disable H first), else with --force. Admin token; recorded with who asked.")
  static final class EmergencyDisable extends Enforcement {
    @Option(names = "--force", description = "Even though the list it holds does not show HA disabled for it: only"
        + " once you made sure no master runs (every other agent down or with HA disabled), or its VMs may run twice.")
    boolean force;

    @Override
    String verb() {
      return "emergency-disable";
    }

    @Override
    String route() {
      return "/api/v1/local/emergency/ha-disable" + (force ? "?force=true" : "");
    }
  }

  @Command(name = "emergency-enable", description = "Undo emergency-disable: the host enforces HA on itself again.")
  static final class EmergencyEnable extends Enforcement {
    @Override
    String verb() {
      return "emergency-enable";
    }

    @Override
    String route() {
      return "/api/v1/local/emergency/ha-enable";
    }
  }

  @Command(name = "enter", description = "Put a host into maintenance mode (VMs that fit nowhere keep running there;"
      + " `vmha status` shows why the host is still entering).")
  static final class Enter extends Change {
    @Override
    boolean enter() {
      return true;
    }
  }

  @Command(name = "exit", description = "Take a host out of maintenance mode: it takes VMs again.")
  static final class Exit extends Change {
    @Override
    boolean enter() {
      return false;
    }
  }
}
