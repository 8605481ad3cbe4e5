package dev.vmha.cli;

import dev.vmha.api.VmRequest;
import dev.vmha.history.EventLog;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "vm", description = "Operate on VMs through the master.", subcommands = {VmCommand.PowerOn.class})
final class VmCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

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

    @Option(names = "--agent", defaultValue = "127.0.0.1:8551", description = "host:port of any agent's HTTP API.")
    String agent;

    @Override
    public Integer call() throws Exception {
      String body = EventLog.JSON.writeValueAsString(new VmRequest(name, memoryMb, cpus, host));
      AgentClient.Reply r;
      try {
        r = new AgentClient(agent).post("/api/vms", body);
      } catch (IOException e) {
        System.err.println("vmha vm power-on: no agent answers at " + agent + " (" + e + ")");
        return 1;
      }
      String message = r.status() == 200 || r.status() == 409 || r.status() == 400
          ? r.json().path("message").asText() : r.body();
      (r.status() == 200 ? System.out : System.err).println(message);
      return r.status() == 200 ? 0 : 1;
    }
  }
}
