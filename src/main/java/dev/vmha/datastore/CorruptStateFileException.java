package dev.vmha.datastore;

import java.nio.file.Path;

/** A datastore state file that is torn, truncated or altered: reported, never trusted. */
public final class CorruptStateFileException extends Exception {
  private final transient Path file;

  public CorruptStateFileException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
