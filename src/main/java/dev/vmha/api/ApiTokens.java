package dev.vmha.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API tokens an agent accepts, as read from its tokens file: one line per token, {@code <name> <role>
 * sha256:<salt>:<hash>} (base64), {@code #} comments and blank lines allowed. Only a salted hash of each secret is
 * kept. A secret is 32 random bytes, so one salted SHA-256 is enough (no password stretching: nothing to guess); the
 * salt keeps two files with the same secret from showing it. Pure: the file's I/O is in {@link TokenFiles}.
 */
public final class ApiTokens {
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  public static final String NAME_RULE = "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit";
  /** Marks a vmha secret, so that secret scanners and people recognise one. */
  static final String SECRET_PREFIX = "vmha_";
  private static final int SECRET_BYTES = 32;
  private static final int SALT_BYTES = 16;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /** One token: its name and role, and the salted hash of its secret. */
  public record Entry(String name, ApiRole role, byte[] salt, byte[] hash) {
    public ApiCaller caller() {
      return new ApiCaller(name, role);
    }

    /** The entry's line in a tokens file. */
    public String line() {
      return name + " " + role.label() + " sha256:" + B64.encodeToString(salt) + ":" + B64.encodeToString(hash);
    }
  }

  private final List<Entry> entries;

  private ApiTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static final ApiTokens EMPTY = new ApiTokens(List.of());

  public List<Entry> entries() {
    return entries;
  }

  /** Reads a tokens file's text; a bad line throws IllegalArgumentException naming the line and what is wrong. */
  public static ApiTokens parse(String text) {
    List<Entry> entries = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      int n = i + 1;
      String[] f = l.split("\\s+");
      if (f.length != 3) {
        throw new IllegalArgumentException("line " + n + ": expected \"<name> <role> sha256:<salt>:<hash>\", found "
            + f.length + " fields");
      }
      if (!NAME.matcher(f[0]).matches()) {
        throw new IllegalArgumentException("line " + n + ": token name of " + NAME_RULE + " expected");
      }
      Integer before = seen.putIfAbsent(f[0], n);
      if (before != null) {
        throw new IllegalArgumentException("line " + n + ": token name \"" + f[0] + "\" already used on line "
            + before);
      }
      ApiRole role;
      try {
        role = ApiRole.parse(f[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + n + ": " + e.getMessage());
      }
      String[] h = f[2].split(":", -1);
      byte[] salt;
      byte[] hash;
      try {
        if (h.length != 3 || !h[0].equals("sha256")) throw new IllegalArgumentException();
        salt = B64D.decode(h[1]);
        hash = B64D.decode(h[2]);
        if (salt.length != SALT_BYTES || hash.length != 32) throw new IllegalArgumentException();
      } catch (IllegalArgumentException e) {
        // the field is not echoed: someone may have pasted a secret there
        throw new IllegalArgumentException("line " + n + " (token \"" + f[0] + "\"): the third field must be"
            + " sha256:<salt>:<hash> as ./vmha token add writes it, never the secret itself");
      }
      entries.add(new Entry(f[0], role, salt, hash));
    }
    return new ApiTokens(entries);
  }

  /** The file's text. */
  public String text() {
    StringBuilder b = new StringBuilder("# vmha API tokens (./vmha token add|list|remove): name role salted hash\n");
    for (Entry e : entries) b.append(e.line()).append('\n');
    return b.toString();
  }

  public Optional<Entry> named(String name) {
    return entries.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public ApiTokens with(Entry e) {
    if (named(e.name()).isPresent()) throw new IllegalArgumentException("a token named \"" + e.name() + "\" exists");
    List<Entry> all = new ArrayList<>(entries);
    all.add(e);
    return new ApiTokens(all);
  }

  public ApiTokens without(String name) {
    if (named(name).isEmpty()) throw new IllegalArgumentException("no token named \"" + name + "\"");
    return new ApiTokens(entries.stream().filter(e -> !e.name().equals(name)).toList());
  }

  /**
   * The token whose secret this is. Every entry is hashed and compared in constant time, so the time taken says
   * nothing about how much of a secret was right, nor which entry matched.
   */
  public Optional<Entry> match(String secret) {
    byte[] s = secret.getBytes(StandardCharsets.UTF_8);
    Entry found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(hash(e.salt(), s), e.hash()) && found == null) found = e;
    }
    return Optional.ofNullable(found);
  }

  /** A new random secret. */
  public static String newSecret(SecureRandom random) {
    byte[] b = new byte[SECRET_BYTES];
    random.nextBytes(b);
    return SECRET_PREFIX + B64.encodeToString(b);
  }

  /** The entry for a secret, with a fresh salt. */
  public static Entry entry(String name, ApiRole role, String secret, SecureRandom random) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("token name \"" + name + "\": " + NAME_RULE + " expected");
    }
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return new Entry(name, role, salt, hash(salt, secret.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] hash(byte[] salt, byte[] secret) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(salt);
      return d.digest(secret);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
