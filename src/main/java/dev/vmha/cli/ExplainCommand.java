package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.history.Explained;
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
   * VMHA_TOKEN_FILE). Exit 3 when no event mentions the subject. {@code X}: the explainer's answer.
   */
  abstract static class Explaining<X extends Explained> implements Callable<Integer> {
    @Mixin HistorySource source;

    @Parameters(paramLabel = "NAME", description = "The VM's name or the host's id.")
    String subject;

    @Option(names = "--agent", description = "host:port of an agent's HTTP API: ask it instead of reading the history"
        + " files (it explains from its own journals).")
    String agent;

    @Option(names = "--json", description = "The verdict and the cited events as one JSON object.")
    boolean json;

    /** The environment the token is looked up in (tests replace it). */
    java.util.Map<String, String> env = System.getenv();

    /** How the subject is explained from the merged history. */
    interface Explainer<X> {
      X explain(List<HaEvent> merged, String subject, ZoneId zone);
    }

    private final Explainer<X> explainer;

    Explaining(Explainer<X> explainer) {
      this.explainer = explainer;
    }

    @Override
    public Integer call() throws Exception {
      ZoneId zone = ZoneId.systemDefault();
      String kind = getClass().getAnnotation(Command.class).name();
      String name = "explain " + kind;
      if (agent != null) {
        AgentOptions.Targets targets;
        String path;
        try {
          path = "/api/v1/" + kind + "s/" + ViewCommand.segment(kind, subject) + "/explain";
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
          fromAgent(body).lines(zone).forEach(System.out::println);
          // how far back the other hosts' decisions reach in the agent's answer
          String sources = EventLog.JSON.readTree(body).path("sources").asText();
          if (!sources.isEmpty()) System.out.println("(" + sources + ")");
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
      X x = explainer.explain(Timeline.merge(journals.events(), Timeline.Filter.ALL), subject, zone);
      if (json) {
        System.out.println(EventLog.JSON.writeValueAsString(x));
      } else {
        x.lines(zone).forEach(System.out::println);
        // the story may begin before what the journals still hold
        if (!journals.compacted().isEmpty()) System.out.println("(" + String.join("; ", journals.compacted()) + ")");
      }
      // no event mentions it: not something this cluster knows
      return x.cited().isEmpty() ? ExitCode.NOT_FOUND : ExitCode.OK;
    }
  }

  /** An agent's explain answer: its verdict, and the events its citations carry (each an EventView's {@code event}). */
  private static Explained fromAgent(String body) throws java.io.IOException {
    com.fasterxml.jackson.databind.JsonNode tree = EventLog.JSON.readTree(body);
    List<HaEvent> cited = new java.util.ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode c : tree.path("cited")) {
      cited.add(EventLog.JSON.treeToValue(c.path("event"), HaEvent.class));
    }
    return new AgentAnswer(tree.path("verdict").asText(), cited);
  }

  private record AgentAnswer(String verdict, List<HaEvent> cited) implements Explained {}

  @Command(name = "vm", description = "Where a VM is and how it got there, or why it was not restarted, citing the"
      + " events.")
  static final class Vm extends Explaining<VmExplainer.Explanation> {
    Vm() {
      super(VmExplainer::explain);
    }
  }

  @Command(name = "host", description = "What was last decided about a host and what it last did, citing the events.")
  static final class Host extends Explaining<HostExplainer.Explanation> {
    Host() {
      super(HostExplainer::explain);
    }
  }
}
