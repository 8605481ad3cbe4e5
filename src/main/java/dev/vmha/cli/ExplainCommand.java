package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.history.HostExplainer;
import dev.vmha.history.Timeline;
import dev.vmha.history.VmExplainer;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", description = "Explain from the persisted history why something is as it is.",
    subcommands = {ExplainCommand.Vm.class, ExplainCommand.Host.class})
final class ExplainCommand extends CommandGroup {
  /**
   * One explanation: from every host's history files ({@code --config}, else the local cluster's), or with
   * {@code --agent} as that agent explains it from its own journals (GET /api/v1/.../explain, token from VMHA_TOKEN or
   * VMHA_TOKEN_FILE). Exit 3 when no event mentions the subject.
   */
  abstract static class Explaining implements Callable<Integer> {
    @Mixin HistorySource source;

    @Option(names = "--agent", description = "host:port of an agent's HTTP API: ask it instead of reading the history"
        + " files (it explains from its own journals).")
    String agent;

    @Option(names = "--json", description = "The verdict and the cited events as one JSON object.")
    boolean json;

    /** The environment the token is looked up in (tests replace it). */
    java.util.Map<String, String> env = System.getenv();

    /** "vm" or "host". */
    abstract String kind();

    abstract String subject();

    /** The explanation's lines and whether any event was cited, from the merged history. */
    abstract Explained explain(List<HaEvent> merged, ZoneId zone) throws Exception;

    /** The lines of an explanation the agent answered as JSON. */
    abstract List<String> lines(String body, ZoneId zone) throws Exception;

    record Explained(String json, List<String> lines, boolean cited) {}

    @Override
    public Integer call() throws Exception {
      ZoneId zone = ZoneId.systemDefault();
      String name = "explain " + kind();
      if (agent != null) {
        AgentOptions.Targets targets;
        String path;
        try {
          path = "/api/v1/" + kind() + "s/" + ViewCommand.segment(kind(), subject()) + "/explain";
          targets = new AgentOptions.Targets(List.of(AgentOptions.Target.of(agent,
              ClientToken.resolve(env, Optional.empty()))), List.of(), "");
        } catch (IllegalArgumentException e) {
          System.err.println("vmha " + name + ": " + e.getMessage());
          return ExitCode.USAGE;
        }
        ApiRead.Result r = ApiRead.get(targets, path);
        if (r instanceof ApiRead.Failed f) {
          System.err.println("vmha " + name + ": " + f.message());
          return f.exit();
        }
        String body = ((ApiRead.Got) r).body();
        if (json) {
          System.out.println(body);
        } else {
          lines(body, zone).forEach(System.out::println);
        }
        return ExitCode.OK;
      }
      List<HaSettings> hosts;
      try {
        hosts = source.hosts();
      } catch (SettingsException e) {
        System.err.println("vmha " + name + ": " + e.getMessage());
        return ExitCode.USAGE;
      }
      HistorySource.Journals journals = HistorySource.read(name, hosts);
      if (journals.events().isEmpty()) return ExitCode.NOT_FOUND;
      Explained x = explain(Timeline.merge(journals.events(), Timeline.Filter.ALL), zone);
      if (json) {
        System.out.println(x.json());
      } else {
        x.lines().forEach(System.out::println);
        // the story may begin before what the journals still hold
        if (!journals.compacted().isEmpty()) System.out.println("(" + String.join("; ", journals.compacted()) + ")");
      }
      // no event mentions it: not something this cluster knows
      return x.cited() ? ExitCode.OK : ExitCode.NOT_FOUND;
    }
  }

  @Command(name = "vm", description = "Where a VM is and how it got there, or why it was not restarted, citing the"
      + " events.")
  static final class Vm extends Explaining {
    @Parameters(paramLabel = "VM", description = "The VM's name.")
    String vm;

    @Override
    String kind() {
      return "vm";
    }

    @Override
    String subject() {
      return vm;
    }

    @Override
    Explained explain(List<HaEvent> merged, ZoneId zone) throws Exception {
      VmExplainer.Explanation x = VmExplainer.explain(merged, vm, zone);
      return new Explained(EventLog.JSON.writeValueAsString(x), VmExplainer.format(x, zone), !x.cited().isEmpty());
    }

    @Override
    List<String> lines(String body, ZoneId zone) throws Exception {
      return VmExplainer.format(EventLog.JSON.readValue(body, VmExplainer.Explanation.class), zone);
    }
  }

  @Command(name = "host", description = "What was last decided about a host and what it last did, citing the events.")
  static final class Host extends Explaining {
    @Parameters(paramLabel = "HOST", description = "The host's id.")
    String host;

    @Override
    String kind() {
      return "host";
    }

    @Override
    String subject() {
      return host;
    }

    @Override
    Explained explain(List<HaEvent> merged, ZoneId zone) throws Exception {
      HostExplainer.Explanation x = HostExplainer.explain(merged, host, zone);
      return new Explained(EventLog.JSON.writeValueAsString(x), HostExplainer.format(x, zone), !x.cited().isEmpty());
    }

    @Override
    List<String> lines(String body, ZoneId zone) throws Exception {
      return HostExplainer.format(EventLog.JSON.readValue(body, HostExplainer.Explanation.class), zone);
    }
  }
}
