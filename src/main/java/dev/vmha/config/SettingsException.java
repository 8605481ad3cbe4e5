package dev.vmha.config;

/** A configuration value that vmha refuses to start with; the message names the key, the value and what is allowed. */
public final class SettingsException extends RuntimeException {
  public SettingsException(String key, Object value, String allowed) {
    super("invalid configuration " + key + " = "
        + (value instanceof java.time.Duration d ? dev.vmha.Durations.human(d) : value) + ": " + allowed);
  }
}
