package dev.vmha.master;

/** An operator request the master answers later; the shell maps it to whom it answers. */
public record RequestId(long value) {}
