package dev.vmha.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.classify.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import dev.vmha.election.Role;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ./vmha explain host: the last verdict, the silence before it, the host's role and what it did itself. */
class HostExplainerTest {
  private static final Instant T0 = Instant.parse("2025-03-01T03:12:00Z");

  private static Instant t(int s) {
    return T0.plusSeconds(s);
  }

  @Test
  void aDeadHostIsExplainedByItsLastVerdictAndTheSilenceBeforeIt() {
    HaEvent started = new HaEvent.AgentStarted(t(0), "host3", "127.0.0.1:2553", List.of("ds1"));
    HaEvent role = new HaEvent.RoleChanged(t(1), "host3", Role.ELECTION, Role.SLAVE, Optional.of("host1"), Optional.empty());
    HaEvent oldSilence = new HaEvent.HostSilent(t(2), "host1", "host3", Duration.ofSeconds(5));
    HaEvent alive = new HaEvent.HostJudged(t(3), "host1", "host3", Verdict.AGENT_UNREACHABLE, "answers ping", null);
    HaEvent silent = new HaEvent.HostSilent(t(10), "host1", "host3", Duration.ofSeconds(6));
    HaEvent dead = new HaEvent.HostJudged(t(12), "host1", "host3", Verdict.DEAD, "no heartbeat anywhere", null);
    HaEvent other = new HaEvent.HostJudged(t(13), "host1", "host2", Verdict.DEAD, "gone", null);
    HostExplainer.Explanation x = HostExplainer.explain(List.of(started, role, oldSilence, alive, silent, dead, other),
        "host3", ZoneOffset.UTC);
    assertEquals("host3 was judged DEAD at 03:12:12.000 by host1: no heartbeat anywhere (silent since 03:12:04.000);"
        + " its role: SLAVE since 03:12:01.000; its last own event (03:12:00.000): " + started.describe() + ".",
        x.verdict());
    assertEquals(List.of(started, role, silent, dead), x.cited());
    assertTrue(x.lines(ZoneOffset.UTC).get(1).startsWith("  ---- 2025-03-01"), x.lines(ZoneOffset.UTC).toString());
  }

  @Test
  void aHostNeverJudgedSaysSoAndAnUnknownOneCitesNothing() {
    HaEvent fenced = new HaEvent.HostSelfFenced(t(5), "host2", "no majority", List.of("web1"));
    HostExplainer.Explanation x = HostExplainer.explain(List.of(fenced), "host2", ZoneOffset.UTC);
    assertTrue(x.verdict().startsWith("host2 was never judged other than alive; its last own event (03:12:05.000): "),
        x.verdict());
    assertEquals(List.of(fenced), x.cited());
    HostExplainer.Explanation none = HostExplainer.explain(List.of(fenced), "host9", ZoneOffset.UTC);
    assertTrue(none.cited().isEmpty());
    assertTrue(none.verdict().startsWith("no event mentions host9"), none.verdict());
  }
}
