package dev.vmha.history;

import dev.vmha.classify.Verdict;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * Answers {@code ./vmha explain host H} and GET /api/v1/hosts/H/explain: what the cluster last decided about H and
 * what H last did about itself, as one verdict and the events it rests on: the last judgment about H (and the silence
 * that led to it), its last membership change, and its own last start, role, fence and isolation events. Pure: the
 * events in, the explanation out.
 */
public final class HostExplainer {

  /** The answer: one verdict, and the events that support it, oldest first; none when no event mentions the host. */
  public record Explanation(String host, String verdict, List<HaEvent> cited) implements Explained {}

  private HostExplainer() {}

  /** @param events the merged history, oldest first ({@link Timeline#merge}) */
  public static Explanation explain(List<HaEvent> events, String host, ZoneId zone) {
    Optional<HaEvent.HostJudged> judged = last(events, HaEvent.HostJudged.class, e -> e.host().equals(host));
    Optional<HaEvent.HostSilent> silent = last(events, HaEvent.HostSilent.class, e -> e.host().equals(host)
        && judged.map(j -> !e.at().isAfter(j.at())).orElse(true));
    Optional<HaEvent.MembershipChanged> member = last(events, HaEvent.MembershipChanged.class,
        e -> e.host().equals(host));
    Optional<HaEvent> own = events.stream().filter(e -> e.by().equals(host) && about(e)).reduce((a, b) -> b);
    Optional<HaEvent.RoleChanged> role = last(events, HaEvent.RoleChanged.class, e -> e.by().equals(host));
    List<HaEvent> cited = events.stream().filter(e -> judged.orElse(null) == e || silent.orElse(null) == e
        || member.orElse(null) == e || own.orElse(null) == e || role.orElse(null) == e).toList();
    if (cited.isEmpty()) {
      return new Explanation(host, "no event mentions " + host + ": it never ran an agent of this cluster, or its"
          + " events were compacted", List.of());
    }
    StringBuilder v = new StringBuilder();
    if (judged.isPresent()) {
      HaEvent.HostJudged j = judged.get();
      v.append(host).append(" was judged ").append(j.verdict()).append(" at ").append(Timeline.time(j.at(), zone))
          .append(" by ").append(j.by()).append(": ").append(j.reason());
      if (j.verdict() != Verdict.ALIVE) {
        silent.ifPresent(s -> v.append(" (silent since ").append(Timeline.time(s.at().minus(s.silentFor()), zone))
            .append(")"));
      }
    } else {
      v.append(host).append(" was never judged other than alive");
    }
    role.ifPresent(r -> v.append("; its role: ").append(r.to()).append(" since ").append(Timeline.time(r.at(), zone)));
    member.ifPresent(m -> v.append("; membership ").append(m.change()).append(" at ")
        .append(Timeline.time(m.at(), zone)));
    own.ifPresent(o -> v.append("; its last own event (").append(Timeline.time(o.at(), zone)).append("): ")
        .append(o.describe()));
    return new Explanation(host, v.append('.').toString(), cited);
  }

  /** What a host records about itself that says how it stands: its start, a fence, an isolation. */
  private static boolean about(HaEvent e) {
    return e instanceof HaEvent.AgentStarted || e instanceof HaEvent.HostSelfFenced
        || e instanceof HaEvent.HostUnfenced || e instanceof HaEvent.IsolationResponseApplied
        || e instanceof HaEvent.IsolationEnded || e instanceof HaEvent.WatchdogFired;
  }

  private static <T extends HaEvent> Optional<T> last(
      List<HaEvent> events, Class<T> type, java.util.function.Predicate<T> which) {
    return events.stream().filter(type::isInstance).map(type::cast).filter(which).reduce((a, b) -> b);
  }
}
