package dev.vmha.api;

import dev.vmha.config.ApiSettings;
import dev.vmha.config.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's gate: finds the token a request carries in the agent's tokens file and asks {@link ApiAccess} whether
 * its role allows the request. The tokens file is checked at start (the agent refuses to start with a bad one) and
 * read again when it changes, so a token is added or revoked without a restart; a file that turns bad later closes
 * the API (503) until it is fixed, rather than keep accepting a token its owner meant to revoke.
 */
public final class ApiAuth {
  private static final Logger LOG = LoggerFactory.getLogger(ApiAuth.class);
  /** How often the tokens file's size and time are looked at: a revoked token is refused this long after at most. */
  private static final Duration RECHECK = Duration.ofSeconds(1);

  private final ApiSettings settings;
  private final LongSupplier nanoTime;
  private volatile Loaded loaded;
  private volatile long checkedAt;

  /** A tokens file as read, with what identifies that version of it; {@code error} when it could not be used. */
  private record Loaded(Optional<Object> version, ApiTokens tokens, Optional<String> error) {}

  private ApiAuth(ApiSettings settings, LongSupplier nanoTime, Loaded loaded) {
    this.settings = settings;
    this.nanoTime = nanoTime;
    this.loaded = loaded;
    this.checkedAt = nanoTime.getAsLong();
  }

  /** The gate for these settings; with tokens, a tokens file that is missing or bad is refused here. */
  public static ApiAuth open(ApiSettings settings) {
    return open(settings, System::nanoTime);
  }

  static ApiAuth open(ApiSettings settings, LongSupplier nanoTime) {
    if (settings.auth() == ApiSettings.Auth.NONE) {
      return new ApiAuth(settings, nanoTime, new Loaded(Optional.empty(), ApiTokens.EMPTY, Optional.empty()));
    }
    Loaded l = read(settings.tokensFile());
    if (l.error().isPresent()) {
      throw new SettingsException("vmha.api.tokens-file", settings.tokensFile(), l.error().get());
    }
    return new ApiAuth(settings, nanoTime, l);
  }

  public ApiSettings.Auth mode() {
    return settings.auth();
  }

  /** The decision for a request with this Authorization header (its value: never logged nor shown). */
  public ApiAccess.Decision check(Optional<String> authorization, String method, String path) {
    if (settings.auth() == ApiSettings.Auth.NONE) return new ApiAccess.Allowed(ApiCaller.ANONYMOUS);
    Loaded l = current();
    if (l.error().isPresent()) {
      return new ApiAccess.Refused(503, "the agent's tokens file (vmha.api.tokens-file) became unusable; the agent's"
          + " log says why");
    }
    Optional<String> secret = bearer(authorization);
    ApiAccess.Decision d = ApiAccess.decide(secret.isPresent(),
        secret.flatMap(l.tokens()::match).map(ApiTokens.Entry::caller), method, path);
    if (d instanceof ApiAccess.Refused r) {
      LOG.warn("API request refused ({}): {} {}: {}", r.status(), method, abbreviated(path), r.error());
    }
    return d;
  }

  /** The secret of an {@code Authorization: Bearer <secret>} header. */
  static Optional<String> bearer(Optional<String> authorization) {
    return authorization.map(String::strip)
        .filter(a -> a.length() > 7 && a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer "))
        .map(a -> a.substring(7).strip()).filter(s -> !s.isEmpty());
  }

  private Loaded current() {
    long now = nanoTime.getAsLong();
    if (now - checkedAt < RECHECK.toNanos()) return loaded;
    synchronized (this) {
      if (now - checkedAt >= RECHECK.toNanos()) {
        Optional<Object> version = version(settings.tokensFile());
        if (!version.equals(loaded.version())) {
          Loaded l = read(settings.tokensFile());
          if (l.error().isPresent()) {
            LOG.error("API closed: invalid configuration vmha.api.tokens-file = {}: {}", settings.tokensFile(),
                l.error().get());
          } else {
            LOG.info("API tokens re-read from {}: {} tokens", settings.tokensFile(), l.tokens().entries().size());
          }
          loaded = l;
        }
        checkedAt = now;
      }
      return loaded;
    }
  }

  private static Loaded read(Path file) {
    Optional<Object> version = version(file);
    try {
      return new Loaded(version, TokenFiles.load(file), Optional.empty());
    } catch (TokenFiles.Invalid e) {
      return new Loaded(version, ApiTokens.EMPTY, Optional.of(e.problem()));
    }
  }

  /** What changes when the file is rewritten (size, time, inode: ./vmha token add renames a new file over it). */
  private static Optional<Object> version(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Optional.of(java.util.List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String abbreviated(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "... (" + s.length() + " characters)";
  }
}
