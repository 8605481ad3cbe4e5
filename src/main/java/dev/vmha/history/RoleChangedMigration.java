package dev.vmha.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Schema of {@link HaEvent.RoleChanged}: version 1 wrote {@code from} as text — a role's name, or "(why)" when a host
 * followed a master it heard — and a null {@code master}; version 2 has {@code from} a role and the reason in
 * {@code why}. A version-1 "(why)" becomes that reason, and {@code from} the role that reason is given in: SLAVE for
 * "master X outranks Y", ISOLATED for "isolation over", ELECTION otherwise (heard a master while electing or checking).
 */
public final class RoleChangedMigration extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    if (fromVersion < 2 && json instanceof ObjectNode o) {
      String from = o.path("from").asText("");
      if (from.startsWith("(") && from.endsWith(")")) {
        String why = from.substring(1, from.length() - 1);
        o.put("why", why);
        o.put("from", why.startsWith("master ") ? "SLAVE" : why.equals("isolation over") ? "ISOLATED" : "ELECTION");
      }
      if (o.path("master").isNull()) o.remove("master");
    }
    return json;
  }
}
