package dev.vmha.cli;

import dev.vmha.api.TokenFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The API token the command line sends, and where it came from: {@code VMHA_TOKEN} (the secret), else
 * {@code VMHA_TOKEN_FILE} (a file holding it), else {@code vmha.api.token-file} of the {@code --config} file; none
 * otherwise. A token file must be readable by its owner only.
 */
record ClientToken(Optional<String> secret, String source) {
  static final String HOW = "give a token in VMHA_TOKEN, in a file named by VMHA_TOKEN_FILE, or in vmha.api.token-file"
      + " of the --config file (./vmha token add creates one)";

  /** IllegalArgumentException when a named token file cannot be used. */
  static ClientToken resolve(Map<String, String> env, Optional<Path> configured) {
    String t = env.getOrDefault("VMHA_TOKEN", "").strip();
    if (!t.isEmpty()) return new ClientToken(Optional.of(t), "VMHA_TOKEN");
    String f = env.getOrDefault("VMHA_TOKEN_FILE", "").strip();
    if (!f.isEmpty()) return new ClientToken(Optional.of(TokenFiles.readSecret(Path.of(f))), "VMHA_TOKEN_FILE=" + f);
    return configured.map(p -> new ClientToken(Optional.of(TokenFiles.readSecret(p)), "vmha.api.token-file = " + p))
        .orElse(new ClientToken(Optional.empty(), "no token"));
  }

  /** What to tell the user when the agent refused the request (401, 403), else empty. */
  Optional<String> refusal(AgentClient.Reply r) {
    if (r.status() != 401 && r.status() != 403) return Optional.empty();
    String error;
    try {
      error = r.json().path("error").asText(r.body());
    } catch (java.io.IOException e) {
      error = r.body();
    }
    return Optional.of(r.status() == 401
        ? "the agent refused the request (401: " + error + "; sent " + source + "): " + HOW
        : "the agent refused the request (403: " + error + "): use a token with that role");
  }
}
