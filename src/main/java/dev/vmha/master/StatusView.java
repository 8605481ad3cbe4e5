package dev.vmha.master;

import dev.vmha.datastore.DatastoreView;
import dev.vmha.datastore.ListLockSeen;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.MasterState.HostEntry;
import dev.vmha.ping.PingTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Decides what `vmha status` shows of the master's state: hosts, protected VMs ({@link VmStateRule}), datastores. */
final class StatusView {
  private StatusView() {}

  static ClusterStatus of(MasterConfig config, MasterState s, Instant wallNow) {
    Turn t = new Turn(config, wallNow);
    String self = config.self();
    // virtual times shown as the wall-clock times they correspond to
    Function<Duration, Instant> at = v -> wallNow.minus(s.now().minus(v));
    List<ClusterStatus.HostStatus> hosts = new ArrayList<>();
    for (HostEntry h : HostWatch.sorted(s)) {
      Optional<HostReport> r = h.report();
      hosts.add(new ClusterStatus.HostStatus(h.id(),
          h.id().equals(self) ? ClusterStatus.Seat.MASTER : ClusterStatus.Seat.SLAVE, h.verdict(), h.reason(), h.reach(), HostWatch.silence(s, h).toMillis(),
          h.pingTarget().map(PingTarget::address).orElse(""), h.pingTarget().map(PingTarget::tcpPort).orElse(0),
          r.map(HostReport::memoryMb).orElse(0L), r.map(x -> x.memoryMb() - x.usedMemoryMb()).orElse(0L),
          r.map(x -> x.poweredOn().stream().map(VmSpec::name).sorted().toList()).orElse(List.of()),
          at.apply(h.verdictSince()), s.now().minus(h.lastBeat()).toMillis(),
          millis(s.view().map(v -> v.heartbeatAges(h.id())).orElse(Map.of())),
          s.protectedList().maintenanceOf(h.id()), Maintenance.waitOf(s, h.id())));
    }
    Map<String, VmStateRule.HostFacts> facts = new HashMap<>();
    s.hosts().values().forEach(h -> facts.put(h.id(), new VmStateRule.HostFacts(h.verdict(), h.reason(),
        HostWatch.beating(t, s, h), at.apply(h.lastBeat()), h.report().map(HostReport::fenced).orElse(false),
        h.report().map(StatusView::reported).orElse(Set.of()))));
    List<ClusterStatus.VmStatus> vms = new ArrayList<>();
    s.protectedList().vms().values().stream().sorted(Comparator.comparing(e -> e.vm().name())).forEach(e -> {
      String name = e.vm().name();
      Optional<VmStateRule.Start> start = Optional.ofNullable(s.inFlight().get(name))
          .map(f -> new VmStateRule.Start(f.host(), f.attempt(), at.apply(f.since())));
      Optional<VmStateRule.Lost> lost = Optional.ofNullable(s.pending().get(name))
          .map(p -> new VmStateRule.Lost(p.lostFrom(), p.reason(), p.failedAttempts(), at.apply(p.notBefore()),
              p.waiting().map(MasterState.Waiting::reason), p.waiting().map(MasterState.Waiting::why)
                  .orElse("")));
      Optional<String> givenUp = e.recovery().gaveUp() ? Optional.of(e.recovery().givenUp()) : Optional.empty();
      VmState state = VmStateRule.derive(new VmStateRule.VmFacts(name, e.host(), start, lost, givenUp), facts,
          wallNow, at.apply(Duration.ZERO));
      String reason = lost.map(VmStateRule.Lost::reason).or(() -> givenUp).orElse("");
      int attempts = lost.map(VmStateRule.Lost::failedAttempts).orElse(e.recovery().failedAttempts());
      vms.add(new ClusterStatus.VmStatus(name, e.vm().memoryMb(), e.vm().cpus(), state.host(), state, e.protection(), reason,
          attempts));
    });
    List<ClusterStatus.DatastoreStatus> ds = new ArrayList<>();
    s.view().ifPresent(v -> v.accessible().forEach((n, ok) -> ds.add(new ClusterStatus.DatastoreStatus(n, ok,
        v.corrupt().stream().filter(c -> c.datastore().equals(n))
            .collect(Collectors.toMap(DatastoreView.CorruptFile::file, DatastoreView.CorruptFile::detail)),
        ok ? heartbeatAges(v, n) : Map.of(), v.listLock(n).map(ListLockSeen::owner).orElse(""),
        s.held().contains(n) ? s.protectedList().version() : 0))));
    return new ClusterStatus(self, self, hosts, vms, ds, s.protectedList().owner(), s.protectedList().version(),
        s.capacity().plan(), s.protectedList().ha());
  }

  /** Per host, how long its heartbeat has not moved on datastore {@code ds}, in milliseconds. */
  private static Map<String, Long> heartbeatAges(DatastoreView v, String ds) {
    Map<String, Long> ages = new TreeMap<>();
    v.knownHosts().forEach(h -> Optional.ofNullable(v.heartbeatAges(h).get(ds)).ifPresent(a -> ages.put(h,
        a.toMillis())));
    return ages;
  }

  private static Map<String, Long> millis(Map<String, Duration> ages) {
    Map<String, Long> ms = new TreeMap<>();
    ages.forEach((k, d) -> ms.put(k, d.toMillis()));
    return ms;
  }

  /** The VMs a host's report lists as running or being started there. */
  private static Set<String> reported(HostReport r) {
    Set<String> vms = new HashSet<>(r.starting());
    r.poweredOn().forEach(v -> vms.add(v.name()));
    return vms;
  }
}
