package dev.vmha.api;

/** Body of POST /api/vms: power a VM on under HA protection; {@code host} is optional. */
public record VmRequest(String name, Long memoryMb, Integer cpus, String host) {}
