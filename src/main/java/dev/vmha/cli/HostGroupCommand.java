package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "host", description = "Operate on hosts through the master.",
    subcommands = {HostGroupCommand.Maintenance.class})
final class HostGroupCommand extends CommandGroup {

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
      return VmCommand.send(options, "host maintenance " + (enter() ? "enter" : "exit"),
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
