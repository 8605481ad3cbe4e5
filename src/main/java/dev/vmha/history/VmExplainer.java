package dev.vmha.history;

import dev.vmha.classify.Verdict;
import dev.vmha.config.IsolationResponse;
import dev.vmha.restart.WaitReason;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Answers {@code ./vmha explain vm V}: where V is and how it got there, or why it was not restarted, as one verdict an
 * operator reads and the events it rests on. It follows V's last episode: where V last ran (VmProtected,
 * VmRestarted, VmMigrated), what took that home away (its host's verdict, an isolation response, a fence, a stop in
 * the guest), and the last decision about V since; when V still runs where it was placed, what was judged about that host since
 * (a partition or an unreachable agent restarts nothing). Pure: the events in, the explanation out.
 */
public final class VmExplainer {

  /** The answer: one verdict, and the events that support it, oldest first. */
  public record Explanation(String vm, String verdict, List<HaEvent> cited) implements Explained {}

  private VmExplainer() {}

  /** @param events the merged history, oldest first ({@link Timeline#merge}) */
  public static Explanation explain(List<HaEvent> events, String vm, ZoneId zone) {
    return new Explaining(events, vm, zone).run();
  }

  private static boolean placement(HaEvent e) {
    return e instanceof HaEvent.VmProtected || e instanceof HaEvent.VmRestarted || e instanceof HaEvent.VmMigrated;
  }

  private static String placedAt(HaEvent e) {
    if (e instanceof HaEvent.VmMigrated m) return m.to();
    return e instanceof HaEvent.VmProtected p ? p.host() : ((HaEvent.VmRestarted) e).host();
  }

  /** One explanation; lives as long as {@link #explain}. */
  private static final class Explaining {
    private final List<HaEvent> all;
    private final String vm;
    private final ZoneId zone;
    private final List<HaEvent> about;
    private final Set<HaEvent> cited = new LinkedHashSet<>();

    Explaining(List<HaEvent> all, String vm, ZoneId zone) {
      this.all = all;
      this.vm = vm;
      this.zone = zone;
      this.about = all.stream().filter(e -> Timeline.vms(e).contains(vm)).toList();
    }

    Explanation run() {
      if (about.isEmpty()) {
        return new Explanation(vm, "no event mentions " + vm + ": vmha never protected it (a VM that is not"
            + " protected is never restarted and leaves no history), or its events were compacted", List.of());
      }
      int placed = lastIndex(about.size(), VmExplainer::placement);
      int story = lastIndex(about.size(), e -> !(e instanceof HaEvent.VmReady));
      String verdict = placed >= 0 && story <= placed ? running(placed) : lost(placed, about.get(Math.max(story, 0)));
      // in the history's order
      return new Explanation(vm, verdict, all.stream().filter(cited::contains).toList());
    }

    /** V still runs where it was last placed; what was judged about that host since may mean nothing restarts it. */
    private String running(int placed) {
      HaEvent p = about.get(placed);
      String host = placedAt(p);
      about.subList(placed, about.size()).forEach(cited::add);
      String how;
      if (p instanceof HaEvent.VmProtected) {
        how = "protected when powered on there at " + time(p.at());
      } else if (p instanceof HaEvent.VmMigrated m) {
        how = "migrated there from " + m.from() + " at " + time(p.at()) + " (" + m.reason() + ")";
      } else {
        int before = lastIndex(placed, VmExplainer::placement);
        List<HaEvent> episode = about.subList(before + 1, placed);
        episode.forEach(cited::add);
        Optional<HaEvent> origin = before >= 0 ? Optional.of(about.get(before)) : Optional.empty();
        origin.ifPresent(cited::add);
        String from = episode.stream().filter(e -> e instanceof HaEvent.VmRestartPlanned).findFirst()
            .map(e -> ((HaEvent.VmRestartPlanned) e).failedHost()).orElse(origin.map(VmExplainer::placedAt).orElse(null));
        how = "restarted there at " + time(p.at())
            + loss(" after ", from, origin.map(HaEvent::at).orElse(Instant.MIN), p.at());
      }
      List<HaEvent.HostJudged> since = judgments(host, p.at(), Instant.MAX);
      cited.addAll(since);
      if (since.isEmpty()) return vm + " runs at " + host + ": " + how + ".";
      HaEvent.HostJudged j = since.get(since.size() - 1);
      String last = vm + " was last known running at " + host + " (" + how + "); " + host + " was declared "
          + j.verdict() + " at " + time(j.at());
      return switch (j.verdict()) {
        case ALIVE -> vm + " runs at " + host + ": " + how + "; " + host + " is ALIVE again since " + time(j.at()) + ".";
        case PARTITIONED -> last + ": it runs in another partition, so nothing was restarted (partition: nothing to do).";
        case AGENT_UNREACHABLE -> last + ": only its agent is unreachable, the host runs, so " + vm
            + " keeps running there and nothing was restarted.";
        case ISOLATED -> last + ", and no record says its isolation response stopped " + vm
            + ", so nothing was restarted.";
        case DEAD -> last + ", but no restart decision about " + vm + " is recorded since (is the history of every"
            + " host that was master read? --config once per host).";
      };
    }

    /** V lost its home (or never had one recorded): the last decision about it since, and what took the home away. */
    private String lost(int placed, HaEvent last) {
      List<HaEvent> episode = about.subList(placed + 1, about.size());
      episode.forEach(cited::add);
      Optional<HaEvent> origin = placed >= 0 ? Optional.of(about.get(placed)) : Optional.empty();
      origin.ifPresent(cited::add);
      String from = episode.stream().filter(e -> e instanceof HaEvent.VmRestartPlanned).findFirst()
          .map(e -> ((HaEvent.VmRestartPlanned) e).failedHost())
          .or(() -> origin.map(VmExplainer::placedAt))
          .orElse(episode.get(0).by());
      String context = origin.map(o -> " It ran at " + placedAt(o) + (o instanceof HaEvent.VmProtected
          ? " (protected at " : " (restarted there at ") + time(o.at()) + ")").orElse("")
          // verdicts after the last decision count too: an isolated host's keeps the VM where it is
          + loss("; ", from, origin.map(HaEvent::at).orElse(Instant.MIN), Instant.MAX);
      return decision(last, episode) + "." + (context.isEmpty() ? "" : context + ".");
    }

    private String decision(HaEvent last, List<HaEvent> episode) {
      String t = time(last.at());
      if (last instanceof HaEvent.VmNotRestarted n) {
        boolean retried = episode.stream().anyMatch(e -> e instanceof HaEvent.VmRestartRetryScheduled);
        return vm + " is not running and was given up at " + t + (retried ? " (retries exhausted)" : "") + ": "
            + n.reason();
      }
      if (last instanceof HaEvent.VmAwaitingCapacity c) {
        return vm + " is not running: " + WaitReason.NO_ROOM.meaning() + " (waiting since " + t + "): " + c.reason();
      }
      if (last instanceof HaEvent.VmRestartWaiting w) {
        return vm + " is not running: " + w.kind().meaning() + " (waiting since " + t + "): " + w.reason();
      }
      if (last instanceof HaEvent.VmRestartRetryScheduled r) {
        return vm + " is not running: restart attempt " + r.failedAttempts() + " failed at " + t + " (" + r.reason()
            + "); the next attempt is due at " + time(r.at().plus(r.delay()));
      }
      if (last instanceof HaEvent.VmRestartPlanned p) {
        return vm + " is being restarted at " + p.target() + " (planned at " + t + "); no outcome is recorded yet";
      }
      if (last instanceof HaEvent.VmRestartAttempted a) {
        return vm + " is being restarted: power-on at " + a.host() + ", attempt " + a.attempt() + " at " + t
            + "; no outcome is recorded yet";
      }
      if (last instanceof HaEvent.VmRestartFailed f) {
        return vm + " is not running: its power-on at " + f.host() + " failed at " + t + " (" + f.reason()
            + "); no further decision is recorded yet";
      }
      if (last instanceof HaEvent.VmPoweredOff o) {
        return vm + " is off: an operator powered it off" + (o.host().equals("-") ? "" : " at " + o.host()) + " at "
            + t + "; it is no longer protected, so it is not restarted";
      }
      if (last instanceof HaEvent.VmLeaseFenced l) {
        return vm + " was powered off at " + l.by() + " at " + t + " because that host lost its lease (" + l.reason()
            + "); no restart decision is recorded since";
      }
      if (last instanceof HaEvent.VmStoppedInGuest g) {
        return vm + " stopped inside its guest at " + g.by() + " at " + t + "; no restart decision is recorded since";
      }
      if (last instanceof HaEvent.HostSelfFenced f) {
        return vm + " was powered off at " + t + " by " + f.by() + ", which fenced itself (" + f.reason()
            + "); no restart decision is recorded since";
      }
      if (last instanceof HaEvent.WatchdogFired w) {
        return vm + " was killed at " + t + " by the watchdog of " + w.by() + ", whose agent had stopped petting it ("
            + w.reason() + "); no restart decision is recorded since (the master restarts it once its lease expired)";
      }
      if (last instanceof HaEvent.IsolationResponseApplied a) return isolation(a, t);
      return vm + ": " + last.describe(); // VmReady alone: its start was compacted
    }

    private String isolation(HaEvent.IsolationResponseApplied a, String t) {
      if (a.stopped().contains(vm)) {
        return vm + " was powered off at " + t + " by the isolation response of " + a.by() + "; no restart decision"
            + " is recorded since (the master restarts it once it reads that host's power-on file)";
      }
      IsolationResponse r = a.vmResponses().getOrDefault(vm, a.response());
      if (r != null && r.stopsVm()) {
        return vm + " keeps running at " + a.by() + ", which declared itself isolated at " + t + ": its isolation"
            + " response " + r.configName() + " did not stop it (" + a.failures() + "), so it is not restarted";
      }
      return vm + " keeps running at " + a.by() + ", which declared itself isolated: its isolation response "
          + (r == null ? "" : r.configName() + " ") + "left it powered on at " + t
          + ", so the master does not restart it (vmha.isolation.response)";
    }

    /**
     * Why V lost its home on {@code host} between two instants: the host's last verdict that lets the master restart
     * (DEAD, ISOLATED), with every verdict about it in between cited.
     */
    private String loss(String joint, String host, Instant after, Instant before) {
      if (host == null) return "";
      List<HaEvent.HostJudged> judged = judgments(host, after, before).stream()
          .filter(j -> j.verdict() != Verdict.ALIVE).toList();
      cited.addAll(judged);
      return judged.stream().filter(j -> j.verdict() == Verdict.DEAD || j.verdict() == Verdict.ISOLATED)
          .reduce((a, b) -> b)
          .map(j -> joint + host + " was declared " + j.verdict() + " at " + time(j.at()) + ": " + j.reason())
          .orElse("");
    }

    private List<HaEvent.HostJudged> judgments(String host, Instant after, Instant before) {
      return all.stream().filter(e -> e instanceof HaEvent.HostJudged j && j.host().equals(host))
          .filter(e -> e.at().isAfter(after) && !e.at().isAfter(before)).map(e -> (HaEvent.HostJudged) e).toList();
    }

    private int lastIndex(int end, Predicate<HaEvent> p) {
      for (int i = end - 1; i >= 0; i--) {
        if (p.test(about.get(i))) return i;
      }
      return -1;
    }

    private String time(Instant t) {
      return Timeline.time(t, zone);
    }
  }

}
