package dev.vmha.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The keys vmha reads under {@code das} and {@code vmha} are those of the shipped reference file (conf/vmha.conf), so
 * that a misspelled key is refused instead of silently falling back to its default. An empty object there
 * ({@code vmha.vms {}}, {@code vmha.isolation.vm-response {}}) is an open map whose entries HaSettings checks itself;
 * {@code extra} names the keys the reference file can only show in a comment (das.isolationaddress1..10).
 */
final class KnownKeys {
  private static final List<String> NAMESPACES = List.of("das", "vmha");
  /** A guess further than this many edits from the key is more confusing than none. */
  private static final int MAX_GUESS_DISTANCE = 3;

  private KnownKeys() {}

  /**
   * Throws {@link SettingsException} for the first key of {@code c} that {@code reference} does not define. It names
   * where the key was set, not its value: a misspelled password key must not print the password.
   */
  static void check(Config c, Config reference, Collection<String> extra) {
    List<String> known = new ArrayList<>(extra);
    for (String ns : NAMESPACES) {
      if (reference.hasPath(ns)) leaves(reference.getObject(ns), List.of(ns), known);
    }
    for (String ns : NAMESPACES) {
      if (c.hasPath(ns) && c.getValue(ns).valueType() == ConfigValueType.OBJECT) {
        unknown(c.getObject(ns), List.of(ns), reference, extra, known);
      }
    }
  }

  private static void unknown(ConfigObject o, List<String> path, Config reference, Collection<String> extra,
      List<String> known) {
    for (var e : o.entrySet()) {
      List<String> keyPath = append(path, e.getKey());
      String key = ConfigUtil.joinPath(keyPath);
      if (extra.contains(key)) continue;
      if (!reference.hasPath(key) && e.getValue() instanceof ConfigObject child && !child.isEmpty()) {
        // name the leaf that was meant, e.g. das.config.fmd.hostTimeout, not just das.config.fmd
        unknown(child, keyPath, reference, extra, known);
      } else if (!reference.hasPath(key)) {
        String guess = closest(key, known).map(k -> "did you mean " + k + "? ").orElse("");
        throw new SettingsException(key, "(set at " + e.getValue().origin().description() + ")",
            "no such key; " + guess + "the keys are those of conf/vmha.conf");
      }
      ConfigValue ref = reference.getValue(key);
      boolean openMap = ref instanceof ConfigObject r && r.isEmpty();
      if (!openMap && ref instanceof ConfigObject && e.getValue() instanceof ConfigObject child) {
        unknown(child, keyPath, reference, extra, known);
      }
    }
  }

  private static List<String> append(List<String> path, String key) {
    List<String> p = new ArrayList<>(path);
    p.add(key);
    return p;
  }

  private static void leaves(ConfigObject o, List<String> path, List<String> out) {
    for (var e : o.entrySet()) {
      List<String> keyPath = append(path, e.getKey());
      if (e.getValue() instanceof ConfigObject child && !child.isEmpty()) {
        leaves(child, keyPath, out);
      } else {
        out.add(ConfigUtil.joinPath(keyPath));
      }
    }
  }

  /** The known key fewest edits away (case-insensitive), if it is close enough to be the one meant. */
  static Optional<String> closest(String key, List<String> known) {
    String best = null;
    int bestDistance = MAX_GUESS_DISTANCE + 1;
    for (String k : known) {
      int d = distance(key.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int change = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(change, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
