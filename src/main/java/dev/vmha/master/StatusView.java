package dev.vmha.master;

import dev.vmha.datastore.DatastoreView;
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
import java.util.function.Function;
import java.util.stream.Collectors;

/** Decides what `vmha status` shows of the master's state: hosts, protected VMs ({@link VmStateRule}), datastores. */
final class StatusView {
  private StatusView() {}

  static ClusterStatus of(MasterConfig config, MasterState s, Instant wallNow) {
    Turn t = new Turn(config, wallNow);
    String self = config.self();
    List<ClusterStatus.HostStatus> hosts = new ArrayList<>();
    for (HostEntry h : HostWatch.sorted(s)) {
      Optional<HostReport> r = h.report();
      hosts.add(new ClusterStatus.HostStatus(h.id(), h.id().equals(self) ? "master" : "slave", h.verdict().name(),
          h.reason(), h.reach().name(), HostWatch.silence(s, h).toMillis(),
          h.pingTarget().map(PingTarget::address).orElse(""), h.pingTarget().map(PingTarget::tcpPort).orElse(0),
          r.map(HostReport::memoryMb).orElse(0L), r.map(x -> x.memoryMb() - x.usedMemoryMb()).orElse(0L),
          r.map(x -> x.poweredOn().stream().map(VmSpec::name).sorted().toList()).orElse(List.of()),
          s.protectedList().maintenanceOf(h.id()), Maintenance.waitOf(s, h.id())));
    }
    // virtual times shown as the wall-clock times they correspond to
    Function<Duration, Instant> at = v -> wallNow.minus(s.now().minus(v));
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
              p.waiting().map(w -> w.reason().code()).orElse(""), p.waiting().map(MasterState.Waiting::why)
                  .orElse("")));
      Optional<String> givenUp = e.recovery().gaveUp() ? Optional.of(e.recovery().givenUp()) : Optional.empty();
      VmState state = VmStateRule.derive(new VmStateRule.VmFacts(name, e.host(), start, lost, givenUp), facts,
          wallNow, at.apply(Duration.ZERO));
      vms.add(new ClusterStatus.VmStatus(name, e.vm().memoryMb(), state.host(), state));
    });
    List<ClusterStatus.DatastoreStatus> ds = new ArrayList<>();
    s.view().ifPresent(v -> v.accessible().forEach((n, ok) -> ds.add(new ClusterStatus.DatastoreStatus(n, ok,
        v.corrupt().stream().filter(c -> c.datastore().equals(n))
            .collect(Collectors.toMap(DatastoreView.CorruptFile::file, DatastoreView.CorruptFile::detail))))));
    return new ClusterStatus(self, self, hosts, vms, ds, s.protectedList().ha());
  }

  /** The VMs a host's report lists as running or being started there. */
  private static Set<String> reported(HostReport r) {
    Set<String> vms = new HashSet<>(r.starting());
    r.poweredOn().forEach(v -> vms.add(v.name()));
    return vms;
  }
}
