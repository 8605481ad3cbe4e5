package dev.vmha.ping;

import dev.vmha.JsonSerializable;

/** A host's management address, and the port a TCP probe connects to. */
public record PingTarget(String address, int tcpPort) implements JsonSerializable {}
