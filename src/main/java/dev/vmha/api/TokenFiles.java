package dev.vmha.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The files that hold API credentials: an agent's tokens file ({@link ApiTokens}: names, roles, salted hashes) and a
 * client's token file (one secret). Both must be readable by their owner alone (mode 0600 or stricter), as ssh
 * requires of a private key; both are written whole to a temporary file of mode 0600 and renamed.
 */
public final class TokenFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private TokenFiles() {}

  /** A credentials file that cannot be used; {@link #problem()} is the message without the file's name. */
  public static final class Invalid extends IllegalArgumentException {
    private final String problem;

    Invalid(Path file, String problem) {
      super(file + ": " + problem);
      this.problem = problem;
    }

    public String problem() {
      return problem;
    }
  }

  /** An agent's tokens file; {@link Invalid} says what is wrong (the secret of a token never appears). */
  public static ApiTokens load(Path file) {
    String text = readPrivate(file, "the tokens file");
    try {
      return ApiTokens.parse(text);
    } catch (IllegalArgumentException e) {
      throw new Invalid(file, e.getMessage());
    }
  }

  /** Adds a token with a new random secret to the tokens file (created if missing) and returns the secret. */
  public static String add(Path file, String name, ApiRole role) {
    SecureRandom random = new SecureRandom();
    ApiTokens tokens = Files.exists(file) ? load(file) : ApiTokens.EMPTY;
    String secret = ApiTokens.newSecret(random);
    writePrivate(file, tokens.with(ApiTokens.entry(name, role, secret, random)).text());
    return secret;
  }

  public static void remove(Path file, String name) {
    writePrivate(file, load(file).without(name).text());
  }

  /** A client's token: the secret on the file's first line. */
  public static String readSecret(Path file) {
    String s = readPrivate(file, "the token file").strip();
    if (s.isEmpty() || s.contains("\n") || s.contains(" ")) {
      throw new Invalid(file, "expected one token (as ./vmha token add printed it) on one line");
    }
    return s;
  }

  public static void writeSecret(Path file, String secret) {
    writePrivate(file, secret + "\n");
  }

  private static String readPrivate(Path file, String what) {
    if (!Files.isRegularFile(file)) {
      throw new Invalid(file, "no such file (" + what + "; ./vmha token add --name <name> --role <role> creates it)");
    }
    try {
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(p)) {
          throw new Invalid(file, "mode " + PosixFilePermissions.toString(p) + " lets others read or change " + what
              + "; allowed: readable by its owner only (chmod 600 " + file + ")");
        }
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Invalid(file, "cannot read " + what + " (" + e.getMessage() + ")");
    }
  }

  private static void writePrivate(Path file, String text) {
    Path abs = file.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
    try {
      Files.createDirectories(abs.getParent());
      Files.deleteIfExists(tmp);
      try {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new Invalid(file, "cannot write (" + e.getMessage() + ")");
    }
  }
}
