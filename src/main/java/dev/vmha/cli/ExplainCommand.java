package dev.vmha.cli;

import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.history.Timeline;
import dev.vmha.history.VmExplainer;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", description = "Explain from the persisted history why something is as it is.",
    subcommands = ExplainCommand.Vm.class)
final class ExplainCommand extends CommandGroup {
  @Command(name = "vm", description = "Where a VM is and how it got there, or why it was not restarted, citing the"
      + " events.")
  static final class Vm implements Callable<Integer> {
    @Mixin HistorySource source;

    @Parameters(paramLabel = "VM", description = "The VM's name.")
    String vm;

    @Option(names = "--json", description = "The verdict and the cited events as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ZoneId zone = ZoneId.systemDefault();
      List<HaSettings> hosts;
      try {
        hosts = source.hosts();
      } catch (SettingsException e) {
        System.err.println("vmha explain: " + e.getMessage());
        return ExitCode.USAGE;
      }
      HistorySource.Journals journals = HistorySource.read("explain", hosts);
      if (journals.events().isEmpty()) return ExitCode.NOT_FOUND;
      VmExplainer.Explanation x = VmExplainer.explain(Timeline.merge(journals.events(), Timeline.Filter.ALL), vm, zone);
      if (json) {
        System.out.println(EventLog.JSON.writeValueAsString(x));
      } else {
        VmExplainer.format(x, zone).forEach(System.out::println);
        // the story may begin before what the journals still hold
        if (!journals.compacted().isEmpty()) System.out.println("(" + String.join("; ", journals.compacted()) + ")");
      }
      // no event mentions it: not a VM this cluster knows
      return x.cited().isEmpty() ? ExitCode.NOT_FOUND : ExitCode.OK;
    }
  }
}
