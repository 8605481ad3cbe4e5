package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "host", description = "Operate on one host through the master.",
    subcommands = {HostGroupCommand.Ha.class})
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
}
