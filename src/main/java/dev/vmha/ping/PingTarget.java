package dev.vmha.ping;

import dev.vmha.JsonSerializable;
import java.util.Optional;

/** A host's management address, and the port a TCP probe connects to. */
public record PingTarget(String address, int tcpPort) implements JsonSerializable {

  /** {@code host:port} (a cluster or management address as roles and heartbeats carry it); empty if malformed. */
  public static Optional<PingTarget> parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) return Optional.empty();
    try {
      return Optional.of(new PingTarget(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
