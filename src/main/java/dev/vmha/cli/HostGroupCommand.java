package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "host", description = "Operate on one host through the master.",
    subcommands = {HostGroupCommand.Ha.class})
final class HostGroupCommand extends CommandGroup {
  @Command(name = "ha", description = "Enable or disable HA for one host: while disabled, its VMs are not failed over,"
      + " it takes no restarts and runs no isolation response.", subcommands = {Ha.Enable.class, Ha.Disable.class})
  static final class Ha extends CommandGroup {
    @Command(name = "enable", description = "Enable HA for the host.")
    static final class Enable implements Callable<Integer> {
      @Parameters(index = "0", description = "Host id.")
      String host;

      @Mixin AgentOptions options;

      @Override
      public Integer call() throws Exception {
        return OperationPost.send(options, "host ha enable", "/api/v1/hosts/" + host + "/ha/enable", "{}");
      }
    }

    @Command(name = "disable", description = "Disable HA for the host; its VMs keep running.")
    static final class Disable implements Callable<Integer> {
      @Parameters(index = "0", description = "Host id.")
      String host;

      @Mixin AgentOptions options;

      @Override
      public Integer call() throws Exception {
        return OperationPost.send(options, "host ha disable", "/api/v1/hosts/" + host + "/ha/disable", "{}");
      }
    }
  }
}
