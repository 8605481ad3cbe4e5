package dev.vmha.host;

import dev.vmha.JsonSerializable;
import dev.vmha.hypervisor.VmSpec;

/**
 * A VM that stopped at a host without an operator asking vmha to stop it — from inside its guest, by the host's
 * isolation response, or fenced — reported so the master restarts it like a failure.
 */
public record StoppedVm(VmSpec vm, String why) implements JsonSerializable {}
