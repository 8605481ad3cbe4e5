package dev.vmha.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import dev.vmha.history.EventLog;
import dev.vmha.history.Replay;
import dev.vmha.history.Timeline;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "replay", description = "Replay the recorded decisions through the decision code: do they come out"
    + " the same? With --set: which would differ under other settings.")
final class ReplayCommand implements Callable<Integer> {
  @Mixin HistorySource source;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "What if this setting had been different (units"
      + " as in the host file), over the recorded input: das.config.fdm.hostTimeout, das.failuredetectioninterval,"
      + " vmha.datastores (heartbeat datastores; [] for none), vmha.isolation.response,"
      + " vmha.isolation.vm-response.<vm>. Repeatable.")
  List<String> sets;

  @Option(names = "--json", description = "One JSON object per replayed decision.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ZoneId zone = ZoneId.systemDefault();
    List<HaSettings> hosts;
    Replay.WhatIf whatIf;
    try {
      hosts = source.hosts();
      Config overrides = ConfigFactory.parseString(String.join("\n", sets == null ? List.of() : sets));
      // parsed as a host file would be: the first host's file gives what the overrides leave out
      whatIf = overrides.isEmpty() ? Replay.WhatIf.NONE
          : Replay.WhatIf.of(overrides, HaSettings.load(source.files().get(0), overrides));
    } catch (IllegalArgumentException | SettingsException | ConfigException e) {
      System.err.println("vmha replay: " + e.getMessage());
      return ExitCode.USAGE;
    }
    HistorySource.Journals journals = HistorySource.read("replay", hosts);
    if (journals.events().isEmpty()) return ExitCode.NOT_FOUND;
    List<Replay.Outcome> outcomes = Replay.replay(Timeline.merge(journals.events(), Timeline.Filter.ALL), whatIf);
    if (json) {
      for (Replay.Outcome o : outcomes) System.out.println(EventLog.JSON.writeValueAsString(o));
    } else {
      Replay.format(outcomes, whatIf, zone).forEach(System.out::println);
    }
    // a replay with the recorded settings that does not reproduce a decision is a finding: a failed check
    return whatIf.none() && outcomes.stream().anyMatch(o -> o.result() == Replay.Result.DIFFERS) ? ExitCode.FAILED
        : ExitCode.OK;
  }
}
