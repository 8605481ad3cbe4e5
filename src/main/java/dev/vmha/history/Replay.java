package dev.vmha.history;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import dev.vmha.classify.Evidence;
import dev.vmha.classify.HostClassifier;
import dev.vmha.classify.SelfDiagnosis;
import dev.vmha.classify.Verdict;
import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code ./vmha replay}: feeds recorded decisions back through the pure classes that took them and reports whether
 * they reach the same decision; with a {@link WhatIf}, over the recorded input with some settings changed, and which
 * decisions would differ. Replayed: a master's verdict on a host ({@code HostJudged}: its {@link Evidence} through
 * {@link HostClassifier}), a host's self-diagnosis ({@code SelfDiagnosed}: its signals through {@link SelfDiagnosis})
 * and an isolated host's response ({@code IsolationResponseApplied}: which VMs its setting stops). Restart placements
 * are not: their events do not carry the planner's input (hosts' free room, what was starting). Pure.
 */
public final class Replay {
  private static final HostClassifier CLASSIFIER = new HostClassifier();

  /**
   * Settings changed over the recorded input; an empty field keeps what was recorded.
   *
   * @param heartbeatDatastores the names of the datastores used for heartbeats; an empty set: none (the majority rule)
   * @param vmIsolationResponses per-VM isolation responses, over those recorded
   */
  public record WhatIf(
      Optional<Duration> hostTimeout,
      Optional<Duration> heartbeatInterval,
      Optional<Set<String>> heartbeatDatastores,
      Optional<IsolationResponse> isolationResponse,
      Map<String, IsolationResponse> vmIsolationResponses) {
    public static final WhatIf NONE = new WhatIf(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Map.of());

    /** The keys {@link #of} reads from a host's settings. */
    public static final List<String> KEYS = List.of("das.config.fdm.hostTimeout", "das.failuredetectioninterval",
        "vmha.datastores", "vmha.isolation.response", "vmha.isolation.vm-response");

    public WhatIf {
      vmIsolationResponses = Map.copyOf(vmIsolationResponses);
    }

    /**
     * The keys set in {@code overrides}, read from {@code s}: the settings loaded with those overrides, so that
     * units, defaults and validation are the agent's own.
     */
    public static WhatIf of(Config overrides, HaSettings s) {
      Set<String> keys = new TreeSet<>();
      Map<String, IsolationResponse> vmResponses = new TreeMap<>();
      for (String path : overrides.entrySet().stream().map(Map.Entry::getKey).toList()) {
        String key = KEYS.stream().filter(k -> path.equals(k) || path.startsWith(k + ".")).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("replay cannot change " + path + "; it can change "
                + String.join(", ", KEYS)));
        keys.add(key);
        if (key.equals(KEYS.get(4))) {
          // only the VMs set here: the file's other overrides are not what was recorded
          String vm = ConfigUtil.splitPath(path).get(3);
          vmResponses.put(vm, s.isolationResponseFor(vm));
        }
      }
      return new WhatIf(
          keys.contains(KEYS.get(0)) ? Optional.of(s.hostTimeout()) : Optional.empty(),
          keys.contains(KEYS.get(1)) ? Optional.of(s.failureDetectionInterval()) : Optional.empty(),
          keys.contains(KEYS.get(2)) ? Optional.of(s.datastores().stream().map(p -> p.getFileName())
              .map(Path::toString).collect(Collectors.toCollection(TreeSet::new))) : Optional.empty(),
          keys.contains(KEYS.get(3)) ? Optional.of(s.isolationResponse()) : Optional.empty(),
          vmResponses);
    }

    public boolean none() {
      return equals(NONE);
    }

    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      hostTimeout.ifPresent(d -> parts.add(KEYS.get(0) + " = " + d.toMillis() + " ms"));
      heartbeatInterval.ifPresent(d -> parts.add(KEYS.get(1) + " = " + d.toMillis() + " ms"));
      heartbeatDatastores.ifPresent(d -> parts.add("heartbeat datastores " + (d.isEmpty() ? "none" : d)));
      isolationResponse.ifPresent(r -> parts.add(KEYS.get(3) + " = " + r.configName()));
      new TreeMap<>(vmIsolationResponses).forEach((vm, r) -> parts.add(KEYS.get(4) + "." + vm + " = " + r.configName()));
      return parts.isEmpty() ? "the recorded settings" : String.join(", ", parts);
    }
  }

  public enum Result { REPRODUCED, DIFFERS, NOT_REPLAYABLE }

  /**
   * One recorded decision replayed.
   *
   * @param replayed the decision reached now (or why it cannot be replayed)
   * @param then what would have followed differently, for a decision that differs
   */
  public record Outcome(HaEvent event, Result result, String replayed, String then) {}

  private Replay() {}

  /** Every replayable decision in the history, in order. */
  public static List<Outcome> replay(List<HaEvent> events, WhatIf w) {
    List<Outcome> out = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      HaEvent e = events.get(i);
      if (e instanceof HaEvent.HostJudged j) out.add(judged(j, w, events.subList(i + 1, events.size())));
      if (e instanceof HaEvent.SelfDiagnosed d) out.add(diagnosed(d));
      if (e instanceof HaEvent.IsolationResponseApplied a) out.add(isolation(a, w));
    }
    return out;
  }

  private static Outcome judged(HaEvent.HostJudged j, WhatIf w, List<HaEvent> later) {
    Evidence e = j.evidence();
    if (e == null) return new Outcome(j, Result.NOT_REPLAYABLE, "recorded without its evidence", "");
    Map<String, Duration> ages = new TreeMap<>(e.datastoreHeartbeatAge());
    boolean configured = e.datastoresConfigured();
    if (w.heartbeatDatastores().isPresent()) {
      if (!configured && !w.heartbeatDatastores().get().isEmpty()) {
        return new Outcome(j, Result.NOT_REPLAYABLE, "the cluster had no heartbeat datastores: there are no"
            + " datastore heartbeats to judge by", "");
      }
      // a datastore the evidence does not list was never seen with this host's heartbeat: as unreadable
      ages.keySet().retainAll(w.heartbeatDatastores().get());
      configured = !w.heartbeatDatastores().get().isEmpty();
    }
    Evidence x = new Evidence(e.heartbeatSilence(), e.reachability(), e.managementPingAnswered(), ages,
        e.isolatedFlag(), w.hostTimeout().orElse(e.hostTimeout()), w.heartbeatInterval().orElse(e.heartbeatInterval()),
        configured, e.sideSize(), e.clusterSize());
    HostClassifier.Decision d = CLASSIFIER.classify(x);
    String replayed = d.verdict() + (d.settled() ? "" : " (not settled: the master would wait)") + ": " + d.reason();
    if (d.verdict() == j.verdict() && d.settled()) return new Outcome(j, Result.REPRODUCED, replayed, "");
    return new Outcome(j, Result.DIFFERS, replayed, consequence(j, d, later));
  }

  /** What the recorded verdict set off (restarts), and what the replayed one would have instead. */
  private static String consequence(HaEvent.HostJudged j, HostClassifier.Decision d, List<HaEvent> later) {
    List<String> restarted = new ArrayList<>();
    for (HaEvent e : later) {
      if (e instanceof HaEvent.HostJudged n && n.host().equals(j.host())) break;
      if (e instanceof HaEvent.VmRestartPlanned p && p.failedHost().equals(j.host())) restarted.add(p.vm());
    }
    boolean restarts = d.settled() && (d.verdict() == Verdict.DEAD || d.verdict() == Verdict.ISOLATED);
    if (!restarts && j.verdict() != Verdict.DEAD && j.verdict() != Verdict.ISOLATED) return ""; // nothing either way
    String now = !restarts ? "nothing of " + j.host() + " would have been restarted at that moment"
        : d.verdict() == Verdict.DEAD ? "the master would have restarted " + j.host() + "'s protected VMs"
        : "the master would have restarted the VMs " + j.host() + "'s isolation response stopped";
    return restarted.isEmpty() ? now : now + " (recorded: the restarts of " + String.join(", ", restarted)
        + " followed this verdict)";
  }

  private static Outcome diagnosed(HaEvent.SelfDiagnosed d) {
    if (d.signals() == null) {
      return new Outcome(d, Result.NOT_REPLAYABLE, "recorded before self-diagnoses recorded their signals", "");
    }
    SelfDiagnosis.Finding f = SelfDiagnosis.diagnose(d.signals());
    return new Outcome(d, f.result().name().equals(d.result()) ? Result.REPRODUCED : Result.DIFFERS,
        f.result() + ": " + f.reason(), "");
  }

  private static Outcome isolation(HaEvent.IsolationResponseApplied a, WhatIf w) {
    Map<String, IsolationResponse> overrides = new HashMap<>(a.vmResponses());
    overrides.putAll(w.vmIsolationResponses());
    IsolationResponse fallback = w.isolationResponse().orElse(a.response());
    Function<String, IsolationResponse> responseFor = vm -> overrides.getOrDefault(vm, fallback);
    Map<String, IsolationResponse> responses = new LinkedHashMap<>();
    for (String vm : new TreeSet<>(union(a.stopped(), a.keptRunning()))) {
      IsolationResponse r = responseFor.apply(vm);
      if (r == null) {
        return new Outcome(a, Result.NOT_REPLAYABLE, "recorded before isolation responses recorded their setting",
            "");
      }
      responses.put(vm, r);
    }
    Set<String> stops = responses.keySet().stream().filter(vm -> responses.get(vm).stopsVm())
        .collect(Collectors.toCollection(TreeSet::new));
    // what the host decided to stop: what it stopped, and what it tried to stop but could not (named in a failure)
    Set<String> decided = new TreeSet<>(a.stopped());
    a.keptRunning().stream().filter(vm -> a.failures().stream().anyMatch(f -> f.startsWith(vm + ":")
        || f.startsWith(vm + " ("))).forEach(decided::add);
    Set<String> keeps = new TreeSet<>(responses.keySet());
    keeps.removeAll(stops);
    String replayed = "stops " + stops + ", keeps running " + keeps;
    if (stops.equals(decided)) return new Outcome(a, Result.REPRODUCED, replayed, "");
    Set<String> newlyStopped = new TreeSet<>(stops);
    newlyStopped.removeAll(decided);
    Set<String> newlyKept = new TreeSet<>(decided);
    newlyKept.removeAll(stops);
    List<String> then = new ArrayList<>();
    if (!newlyStopped.isEmpty()) then.add("the master would have restarted " + newlyStopped + " elsewhere");
    if (!newlyKept.isEmpty()) then.add(newlyKept + " would have kept running at " + a.by() + ", not restarted");
    return new Outcome(a, Result.DIFFERS, replayed, String.join("; ", then));
  }

  private static Set<String> union(List<String> a, List<String> b) {
    Set<String> u = new TreeSet<>(a);
    u.addAll(b);
    return u;
  }

  /**
   * A summary line, then each decision that differs (and each that cannot be replayed) with what it would be now.
   */
  public static List<String> format(List<Outcome> outcomes, WhatIf w, ZoneId zone) {
    Map<Result, Long> n = outcomes.stream().collect(Collectors.groupingBy(Outcome::result, Collectors.counting()));
    List<String> lines = new ArrayList<>();
    lines.add("replayed " + outcomes.size() + " recorded decisions (host verdicts, self-diagnoses, isolation"
        + " responses) with " + w + ": " + n.getOrDefault(Result.REPRODUCED, 0L) + " reproduced, "
        + n.getOrDefault(Result.DIFFERS, 0L) + " would differ, " + n.getOrDefault(Result.NOT_REPLAYABLE, 0L)
        + " not replayable");
    for (Outcome o : outcomes) {
      if (o.result() == Result.REPRODUCED) continue;
      lines.add((o.result() == Result.DIFFERS ? "differs: " : "not replayable: ") + Timeline.line(o.event(), zone));
      lines.add((o.result() == Result.DIFFERS ? "    now: " : "    why: ") + o.replayed());
      if (!o.then().isEmpty()) lines.add("    then: " + o.then());
    }
    return lines;
  }
}
