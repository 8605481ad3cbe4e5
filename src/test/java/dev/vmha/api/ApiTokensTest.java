package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.ApiSettings;
import dev.vmha.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokens file: only salted hashes, strict reading, owner-only files, and a gate that follows the file. */
class ApiTokensTest {
  @TempDir Path dir;

  private final SecureRandom random = new SecureRandom();

  @Test
  void aSecretMatchesItsOwnEntryOnly() {
    String a = ApiTokens.newSecret(random);
    String b = ApiTokens.newSecret(random);
    ApiTokens t = ApiTokens.EMPTY.with(ApiTokens.entry("alice", ApiRole.OPERATOR, a, random))
        .with(ApiTokens.entry("bob", ApiRole.READ, b, random));
    ApiTokens read = ApiTokens.parse(t.text());
    assertEquals("alice", read.match(a).orElseThrow().name());
    assertEquals(ApiRole.READ, read.match(b).orElseThrow().role());
    assertEquals(Optional.empty(), read.match(a.substring(0, a.length() - 1)));
    assertEquals(Optional.empty(), read.match(""));
    assertFalse(t.text().contains(a) || t.text().contains(b), "the file holds hashes, never a secret");
  }

  @Test
  void theSameSecretHashesDifferentlyUnderTwoSalts() {
    String s = ApiTokens.newSecret(random);
    assertFalse(ApiTokens.entry("a", ApiRole.READ, s, random).line().split(" ")[2]
        .equals(ApiTokens.entry("a", ApiRole.READ, s, random).line().split(" ")[2]));
  }

  @Test
  void aBadFileIsRefusedWithTheLineAndWhatIsWrong() {
    String good = ApiTokens.entry("alice", ApiRole.ADMIN, ApiTokens.newSecret(random), random).line();
    String hash = good.split(" ")[2];
    refused(good + "\n" + good.replace("admin", "read"), "line 2: token name \"alice\" already used on line 1");
    refused("# c\n\nbob root " + hash, "line 3: unknown role \"root\" (allowed: read, operator, admin)");
    refused("bob read", "line 1: expected \"<name> <role> sha256:<salt>:<hash>\", found 2 fields");
    String secret = ApiTokens.newSecret(random);
    IllegalArgumentException e = refused("bob read " + secret, "line 1 (token \"bob\"): the third field must be");
    assertFalse(e.getMessage().contains(secret), "a secret pasted into the file is not echoed");
    refused("bob read sha256:AAAA:BBBB", "line 1 (token \"bob\"): the third field must be");
    refused("-bob read " + hash, "line 1: token name of 1-64 letters");
  }

  private static IllegalArgumentException refused(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiTokens.parse(text));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    return e;
  }

  @Test
  void addWritesAnOwnerOnlyFileAndRefusesADuplicateName() throws Exception {
    Path f = dir.resolve("sub/api-tokens");
    String secret = TokenFiles.add(f, "ops", ApiRole.OPERATOR);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertFalse(Files.readString(f).contains(secret));
    assertEquals("ops", TokenFiles.load(f).match(secret).orElseThrow().name());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenFiles.add(f, "ops", ApiRole.ADMIN));
    assertTrue(e.getMessage().contains("a token named \"ops\" exists"), e.getMessage());
    TokenFiles.remove(f, "ops");
    assertEquals(Optional.empty(), TokenFiles.load(f).match(secret));
  }

  @Test
  void aFileOthersCanReadIsRefused() throws Exception {
    Path f = dir.resolve("api-tokens");
    TokenFiles.add(f, "ops", ApiRole.OPERATOR);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFiles.load(f));
    assertTrue(e.getMessage().contains("mode rw-r--r-- lets others read or change the tokens file")
        && e.getMessage().contains("chmod 600"), e.getMessage());
    SettingsException s = assertThrows(SettingsException.class,
        () -> ApiAuth.open(new ApiSettings(ApiSettings.Auth.TOKENS, f, Optional.empty())));
    assertTrue(s.getMessage().startsWith("invalid configuration vmha.api.tokens-file = " + f), s.getMessage());
    SettingsException missing = assertThrows(SettingsException.class, () -> ApiAuth.open(
        new ApiSettings(ApiSettings.Auth.TOKENS, dir.resolve("none"), Optional.empty())));
    assertTrue(missing.getMessage().contains("no such file") && missing.getMessage().contains("./vmha token add"),
        missing.getMessage());
  }

  @Test
  void aClientTokenFileHoldsOneSecretReadableByItsOwnerOnly() throws Exception {
    Path f = dir.resolve("admin.token");
    TokenFiles.writeSecret(f, "vmha_abc");
    assertEquals("vmha_abc", TokenFiles.readSecret(f));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
    assertThrows(IllegalArgumentException.class, () -> TokenFiles.readSecret(f));
  }

  @Test
  void theGateFollowsTheFileAndClosesWhenItTurnsBad() throws Exception {
    Path f = dir.resolve("api-tokens");
    String old = TokenFiles.add(f, "old", ApiRole.ADMIN);
    AtomicLong nanos = new AtomicLong();
    ApiAuth auth = ApiAuth.open(new ApiSettings(ApiSettings.Auth.TOKENS, f, Optional.empty()), nanos::get);
    assertEquals(new ApiAccess.Allowed(new ApiCaller("old", ApiRole.ADMIN)), check(auth, old));
    // rotation: a new token, then the old one revoked; the gate looks at the file again a second later
    String fresh = TokenFiles.add(f, "new", ApiRole.READ);
    TokenFiles.remove(f, "old");
    assertEquals(new ApiAccess.Allowed(new ApiCaller("old", ApiRole.ADMIN)), check(auth, old), "within the second");
    nanos.addAndGet(1_000_000_000L);
    assertEquals(new ApiAccess.Refused(401, "unknown API token"), check(auth, old));
    assertEquals(new ApiAccess.Allowed(new ApiCaller("new", ApiRole.READ)), check(auth, fresh));
    // a file that turns bad closes the API rather than keep tokens its owner may have meant to revoke
    Files.writeString(f, "new read " + fresh + "\n");
    nanos.addAndGet(1_000_000_000L);
    assertEquals(503, ((ApiAccess.Refused) check(auth, fresh)).status());
  }

  private static ApiAccess.Decision check(ApiAuth auth, String secret) {
    return auth.check(Optional.of("Bearer " + secret), "GET", "/api/v1/status");
  }
}
