package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "emergency", description = "Emergency actions on the election (seed 001; admin token). Each is"
    + " recorded with who asked.", subcommands = {EmergencyCommand.ForceMaster.class, EmergencyCommand.Reset.class})
final class EmergencyCommand extends CommandGroup {
  @Command(name = "force-master", description = "Make a host that hears no master the master at once (like"
      + " xe pool-emergency-transition-to-master). It restarts VMs only while it holds the protected-list lock and"
      + " their leases have expired; a better-ranked master it hears still takes over. Best sent to that host's"
      + " agent (--agent); another agent passes it on through the cluster.")
  static final class ForceMaster implements Callable<Integer> {
    @Parameters(index = "0", description = "Host id.")
    String host;

    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "emergency force-master", "/api/v1/emergency/force-master/" + host, "{}");
    }
  }

  @Command(name = "reset-election", description = "Every host leaves its role (a master stops its coordinator"
      + " first) and the cluster elects anew.")
  static final class Reset implements Callable<Integer> {
    @Mixin AgentOptions options;

    @Override
    public Integer call() throws Exception {
      return OperationPost.send(options, "emergency reset-election", "/api/v1/emergency/reset-election", "{}");
    }
  }
}
