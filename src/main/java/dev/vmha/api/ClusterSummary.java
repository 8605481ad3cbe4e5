package dev.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vmha.config.CapacitySettings;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.VmState;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What GET /api/v1/cluster answers: the agent asked and its role, the master, whether HA acts, the capacity policy of
 * the agent's settings, and how many hosts per verdict and VMs per state the master knows; {@code note} says why there
 * is no master view when there is none. Pure.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record ClusterSummary(
    String agent, String role, Optional<String> master, boolean haEnabled, Optional<CapacitySettings.Policy> policy,
    int hosts, Map<String, Integer> hostsByVerdict, int vms, Map<String, Integer> vmsByState, int alerts,
    Optional<String> listOwner, Optional<Long> listVersion, Optional<String> note) {

  /** {@code haEnabled}: whether the cluster restarts VMs ({@code ./vmha ha disable} turns it off; no master: unknown, true). */
  static ClusterSummary of(HttpApi.MasterView v, Optional<CapacitySettings.Policy> policy, int alerts) {
    boolean haEnabled = v.cluster().map(c -> c.ha().clusterEnabled()).orElse(true);
    Map<String, Integer> byVerdict = new TreeMap<>();
    Map<String, Integer> byState = new TreeMap<>();
    v.cluster().ifPresent(cs -> {
      cs.hosts().forEach(h -> byVerdict.merge(h.verdict().name(), 1, Integer::sum));
      cs.vms().forEach(vm -> byState.merge(VmState.kind(vm.state()), 1, Integer::sum));
    });
    return new ClusterSummary(v.role().hostId(), v.role().role().name(), v.role().master(),
        haEnabled, policy, v.cluster().map(cs -> cs.hosts().size()).orElse(0), byVerdict,
        v.cluster().map(cs -> cs.vms().size()).orElse(0), byState, alerts, v.cluster().map(ClusterStatus::listOwner),
        v.cluster().map(ClusterStatus::listVersion), v.note());
  }
}
