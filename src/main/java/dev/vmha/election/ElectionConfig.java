package dev.vmha.election;

import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the {@link ElectionMachine} needs of the settings, read once.
 *
 * @param clusterAddress this host's cluster address (host:port), as the nodelist names it
 * @param nodelist the configured cluster hosts (the seed nodes, host:port)
 * @param timing interval, hostTimeout, icmpPingTimeout and the election window
 * @param agentStarted when this host's agent started: a cold start waits for the configured hosts from then
 * @param heartbeatDatastores whether heartbeat datastores are configured (without, a master hears a host only on the
 *     network)
 */
public record ElectionConfig(
    String hostId, String clusterAddress, List<String> nodelist, TimingRules.Detection timing, Duration coldStartWait,
    List<String> isolationAddresses, IsolationResponse isolationResponse,
    Map<String, IsolationResponse> vmIsolationResponse, Instant agentStarted, boolean heartbeatDatastores) {

  public ElectionConfig {
    nodelist = List.copyOf(nodelist);
    isolationAddresses = List.copyOf(isolationAddresses);
    vmIsolationResponse = Map.copyOf(vmIsolationResponse);
  }

  public static ElectionConfig of(HaSettings s, Instant agentStarted) {
    return new ElectionConfig(s.hostId(), s.hostAddress() + ":" + s.clusterPort(), s.seedNodes(),
        s.detectionTiming(), s.coldStartWait(), s.isolationAddresses(), s.isolationResponse(),
        s.vmIsolationResponse(), agentStarted, !s.datastores().isEmpty());
  }

  ElectionWindow.Timing windowTiming() {
    return new ElectionWindow.Timing(timing.electionWindow(), timing.hostTimeout(), coldStartWait);
  }
}
