package dev.vmha.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "ha", description = "Enable or disable HA for the whole cluster (kept in the protected list, so it"
    + " survives a master change). Disabled: no failover, no restarts, no isolation response; VMs keep running."
    + " Enabling plans the VMs whose recovery was held.")
final class HaCommand implements Callable<Integer> {
  /** What {@code ha} and {@code host ha} set. */
  enum Switch {
    ENABLE, DISABLE;

    String route() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @Parameters(index = "0", paramLabel = "enable|disable", description = "enable or disable.")
  Switch to;

  @Mixin AgentOptions options;

  @Override
  public Integer call() throws Exception {
    return OperationPost.send(options, "ha " + to.route(), "/api/v1/cluster/ha/" + to.route(), "{}");
  }
}
