package dev.vmha.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Schema of {@link HaEvent.DatastoreAccessChanged}: version 1 called the reason {@code detail}; version 2 calls it
 * {@code reason}, like every other event. Journals written by version 1 still read (bound in application.conf under
 * pekko.serialization.jackson.migrations).
 */
public final class DatastoreAccessChangedMigration extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    if (fromVersion < 2 && json instanceof ObjectNode o && o.has("detail")) {
      o.set("reason", o.remove("detail"));
    }
    return json;
  }
}
