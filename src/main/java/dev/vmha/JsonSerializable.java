package dev.vmha;

/** Marker for every message and event that crosses a JVM boundary or is persisted: serialized by Jackson (JSON). */
public interface JsonSerializable {}
