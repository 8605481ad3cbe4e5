package dev.vmha.history;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Hosts' histories as one readable timeline: filtered, merged by time, one line per event. Pure. */
public final class Timeline {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private Timeline() {}

  /** The order of a timeline: by time, events of one instant by the host that took them. */
  public static final Comparator<HaEvent> ORDER = Comparator.comparing(HaEvent::at).thenComparing(HaEvent::by);

  /** Which events to show; null fields do not filter. */
  public record Filter(Instant since, Instant until, String host, String vm) {
    public static final Filter ALL = new Filter(null, null, null, null);

    public boolean test(HaEvent e) {
      return (since == null || !e.at().isBefore(since)) && (until == null || !e.at().isAfter(until))
          && (host == null || hosts(e).contains(host)) && (vm == null || vms(e).contains(vm));
    }
  }

  /** The host that took the decision and every host it is about. */
  public static Set<String> hosts(HaEvent e) {
    Set<String> h = new LinkedHashSet<>();
    h.add(e.by());
    if (e instanceof HaEvent.HostSilent x) h.add(x.host());
    if (e instanceof HaEvent.HostJudged x) h.add(x.host());
    if (e instanceof HaEvent.MembershipChanged x) h.add(x.host());
    if (e instanceof HaEvent.MasterElected x) h.add(x.master());
    if (e instanceof HaEvent.RoleChanged x) x.master().ifPresent(h::add);
    if (e instanceof HaEvent.VmProtected x) h.add(x.host());
    if (e instanceof HaEvent.VmRestartPlanned x) {
      h.add(x.failedHost());
      h.add(x.target());
    }
    if (e instanceof HaEvent.VmRestartAttempted x) h.add(x.host());
    if (e instanceof HaEvent.VmRestarted x) h.add(x.host());
    if (e instanceof HaEvent.VmRestartFailed x) h.add(x.host());
    if (e instanceof HaEvent.VmPoweredOff x && !x.host().equals("-")) h.add(x.host());
    if (e instanceof HaEvent.CapacityAdmission x) h.add(x.host());
    return h;
  }

  /** The VMs an event is about. */
  public static Set<String> vms(HaEvent e) {
    Set<String> v = new LinkedHashSet<>();
    if (e instanceof HaEvent.VmProtected x) v.add(x.vm());
    if (e instanceof HaEvent.VmRestartPlanned x) v.add(x.vm());
    if (e instanceof HaEvent.VmRestartAttempted x) v.add(x.vm());
    if (e instanceof HaEvent.VmRestarted x) v.add(x.vm());
    if (e instanceof HaEvent.VmRestartFailed x) v.add(x.vm());
    if (e instanceof HaEvent.VmAwaitingCapacity x) v.add(x.vm());
    if (e instanceof HaEvent.VmNotRestarted x) v.add(x.vm());
    if (e instanceof HaEvent.VmRestartWaiting x) v.add(x.vm());
    if (e instanceof HaEvent.VmRestartRetryScheduled x) v.add(x.vm());
    if (e instanceof HaEvent.VmReady x) v.add(x.vm());
    if (e instanceof HaEvent.VmLeaseFenced x) v.add(x.vm());
    if (e instanceof HaEvent.VmStoppedInGuest x) v.add(x.vm());
    if (e instanceof HaEvent.VmPoweredOff x) v.add(x.vm());
    if (e instanceof HaEvent.VmMigrated x) v.add(x.vm());
    if (e instanceof HaEvent.VmNotMigrated x) v.add(x.vm());
    if (e instanceof HaEvent.ApiRequest x) v.add(x.vm());
    if (e instanceof HaEvent.VmRetryAsked x) v.add(x.vm());
    if (e instanceof HaEvent.VmProtectionSet x) v.add(x.vm());
    if (e instanceof HaEvent.VmUnprotected x) v.add(x.vm());
    if (e instanceof HaEvent.CapacityAdmission x) v.addAll(x.vms());
    if (e instanceof HaEvent.HostSelfFenced x) v.addAll(x.stopped());
    if (e instanceof HaEvent.WatchdogFired x) v.addAll(x.stopped());
    if (e instanceof HaEvent.IsolationResponseApplied x) {
      v.addAll(x.stopped());
      v.addAll(x.keptRunning());
    }
    return v;
  }

  /** The events of several journals that pass the filter, oldest first (same instant: by host). */
  public static List<HaEvent> merge(Collection<? extends Collection<HaEvent>> journals, Filter filter) {
    List<HaEvent> all = new ArrayList<>();
    for (Collection<HaEvent> j : journals) {
      for (HaEvent e : j) {
        if (filter.test(e)) all.add(e);
      }
    }
    all.sort(ORDER);
    return all;
  }

  /** One line per event, "03:12:04.120 host1    host3 declared DEAD: ...", and a date line where the day changes. */
  public static List<String> format(List<HaEvent> events, ZoneId zone) {
    List<String> lines = new ArrayList<>();
    LocalDate day = null;
    for (HaEvent e : events) {
      ZonedDateTime t = e.at().atZone(zone);
      if (!t.toLocalDate().equals(day)) {
        day = t.toLocalDate();
        lines.add("---- " + day + " (" + zone + ") ----");
      }
      lines.add(line(e, zone));
    }
    return lines;
  }

  public static String line(HaEvent e, ZoneId zone) {
    return String.format("%s %-8s %s", time(e.at(), zone), e.by(), e.describe());
  }

  /** The time of day as the timeline shows it. */
  static String time(Instant t, ZoneId zone) {
    return TIME.format(t.atZone(zone));
  }

  /**
   * A time given on the command line: an instant ({@code 2025-03-01T03:12:00Z}), a local date and time
   * ({@code 2025-03-01T03:12}) or a time of day today ({@code 03:12}, {@code 03:12:04.5}), local times in {@code zone}.
   */
  public static Instant parseTime(String text, ZoneId zone, LocalDate today) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notInstant) {
      try {
        return LocalDateTime.parse(text.replace(' ', 'T')).atZone(zone).toInstant();
      } catch (DateTimeParseException notDateTime) {
        try {
          return LocalTime.parse(text).atDate(today).atZone(zone).toInstant();
        } catch (DateTimeParseException notTime) {
          throw new IllegalArgumentException("'" + text + "' is not a time: use 2025-03-01T03:12:00Z,"
              + " 2025-03-01T03:12 (local) or 03:12[:04] (today, local)");
        }
      }
    }
  }
}
