package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "ha", description = "Enable or disable HA for the whole cluster (kept in the protected list, so it"
    + " survives a master change).", subcommands = {HaCommand.Enable.class, HaCommand.Disable.class})
final class HaCommand extends CommandGroup {
  @Command(name = "enable", description = "Enable HA: VMs whose recovery was held are planned again.")
  static final class Enable implements Callable<Integer> {
    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "ha enable", "/api/v1/cluster/ha/enable", "{}");
    }
  }

  @Command(name = "disable", description = "Disable HA: no failover, no restarts, no isolation response; VMs keep"
      + " running.")
  static final class Disable implements Callable<Integer> {
    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "ha disable", "/api/v1/cluster/ha/disable", "{}");
    }
  }
}
