package dev.vmha.hypervisor;

import dev.vmha.JsonSerializable;

/**
 * A VM migrated out of its source host: what it needs from a host, and its running state as the source's hypervisor
 * left it ({@code state}: opaque to everything but the hypervisors, which read it back in {@link
 * Hypervisor#migrateIn}). Only the source's writer has stopped when it exists, so it may start at the target.
 */
public record MigrationImage(VmSpec vm, String state) implements JsonSerializable {}
