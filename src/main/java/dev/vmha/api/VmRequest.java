package dev.vmha.api;

import java.util.List;

/**
 * Body of POST /api/v1/vms: power a VM on under HA protection. {@code host} and every protection field are optional;
 * a protection field given overrides the VM's configured protection ({@code vmha.vms}, else {@code vmha.vm-defaults}).
 */
public record VmRequest(
    String name, Long memoryMb, Integer cpus, String host, String priority, Integer order, String ready,
    Long readyTimeoutSeconds, List<String> dependsOn, String isolationResponse) {}
