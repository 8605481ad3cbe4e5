package dev.vmha.datastore;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code host-<id>-hb}. Readers judge freshness by watching the counter change, never by comparing
 * the writer's clock with their own.
 */
public record HostHeartbeat(String hostId, long counter, Instant writtenAt) {
  static final String KIND = "heartbeat";

  String encode() {
    return StateFile.encode(KIND, List.of(
        Map.entry("host", hostId), Map.entry("counter", Long.toString(counter)), Map.entry("time", writtenAt.toString())));
  }

  static HostHeartbeat decode(Path file, String text) throws CorruptStateFileException {
    Fields f = new Fields(file, StateFile.decode(file, KIND, text));
    return new HostHeartbeat(f.one("host"), f.longOf("counter"), f.instant("time"));
  }
}
