package dev.vmha.datastore;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code host-<id>-hb}. Readers judge freshness by watching the counter change, never by comparing
 * the writer's clock with their own. {@code address} is the agent's cluster address (host:port) while it is a member
 * of a cluster, "" otherwise: an agent that restarts joins the running cluster through the members it sees beating.
 */
public record HostHeartbeat(String hostId, long counter, Instant writtenAt, String address) {
  static final String KIND = "heartbeat";

  public HostHeartbeat(String hostId, long counter, Instant writtenAt) {
    this(hostId, counter, writtenAt, "");
  }

  String encode() {
    List<Map.Entry<String, String>> e = new java.util.ArrayList<>(List.of(
        Map.entry("host", hostId), Map.entry("counter", Long.toString(counter)), Map.entry("time", writtenAt.toString())));
    if (!address.isEmpty()) e.add(Map.entry("address", address));
    return StateFile.encode(KIND, e);
  }

  static HostHeartbeat decode(Path file, String text) throws CorruptStateFileException {
    Fields f = new Fields(file, StateFile.decode(file, KIND, text));
    List<String> address = f.all("address");
    return new HostHeartbeat(f.one("host"), f.longOf("counter"), f.instant("time"),
        address.isEmpty() ? "" : address.get(0));
  }
}
