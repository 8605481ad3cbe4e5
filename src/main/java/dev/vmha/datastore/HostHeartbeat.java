package dev.vmha.datastore;

import java.nio.file.Path;
import java.time.Instant;

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
    return StateFile.encode(KIND, this);
  }

  static HostHeartbeat decode(Path file, String text) throws CorruptStateFileException {
    return StateFile.decode(file, KIND, text, HostHeartbeat.class, LegacyStateFile::heartbeat);
  }
}
