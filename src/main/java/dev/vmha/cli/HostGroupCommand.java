package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "host", description = "Operate on one host through the master.",
    subcommands = {HostGroupCommand.Ha.class, HostGroupCommand.Maintenance.class})
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
