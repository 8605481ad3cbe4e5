package dev.vmha.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.config.RestartSettings;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VmRequestRuleTest {
  /** Restart settings with vmha.vms.db1 configured (also the API tests'). */
  static final RestartSettings RESTART = HaSettings.from(ConfigFactory.parseString("""
      vmha.host.id = host1
      das.usedefaultisolationaddress = false
      das.isolationaddress1 = "127.0.0.1"
      vmha.vms { db1 { priority = "high", depends-on = ["dns1"] } }
      """).withFallback(HaSettings.defaults()).resolve()).restart();

  private static VmRequestRule.Checked check(String json) {
    return VmRequestRule.check(json, RESTART);
  }

  private static ApiError invalid(String json) {
    return assertInstanceOf(VmRequestRule.Invalid.class, check(json), json).error();
  }

  @Test
  void theRequestsFieldsLieOverTheVmsConfiguredProtection() {
    VmRequestRule.Valid v = assertInstanceOf(VmRequestRule.Valid.class, check(
        "{\"name\":\"db1\",\"memoryMb\":2048,\"cpus\":2,\"host\":\"host2\",\"order\":3,\"ready\":\"powered-on\","
            + "\"readyTimeoutSeconds\":30}"));
    assertEquals(new VmSpec("db1", 2048, 2), v.vm());
    assertEquals(Optional.of("host2"), v.host());
    assertEquals(RestartPriority.HIGH, v.protection().priority(), "from vmha.vms.db1");
    assertEquals(List.of("dns1"), v.protection().dependsOn(), "from vmha.vms.db1");
    assertEquals(3, v.protection().order());
    assertEquals(ReadyCondition.POWERED_ON, v.protection().ready());
    assertEquals(Duration.ofSeconds(30), v.protection().readyTimeout());

    VmRequestRule.Valid w = assertInstanceOf(VmRequestRule.Valid.class, check(
        "{\"name\":\"web1\",\"memoryMb\":512,\"priority\":\"\",\"dependsOn\":[\"db1\",\"dns1\"]}"));
    assertEquals(1, w.vm().cpus());
    assertEquals(Optional.empty(), w.host());
    assertEquals(RestartPriority.DISABLED, w.protection().priority(), "XenServer's \"\" is not protected");
    assertEquals(List.of("db1", "dns1"), w.protection().dependsOn());
  }

  @Test
  void eachWrongFieldIsNamedWithWhatIsAllowed() {
    assertEquals(ApiError.field("name", "required: a VM name of " + VmSpec.NAME_RULE), invalid("{\"memoryMb\":1}"));
    assertEquals("memoryMb", invalid("{\"name\":\"a\",\"memoryMb\":" + (VmRequestRule.MAX_MEMORY_MB + 1) + "}")
        .field().orElseThrow());
    assertEquals("cpus", invalid("{\"name\":\"a\",\"memoryMb\":1,\"cpus\":0}").field().orElseThrow());
    assertEquals("host", invalid("{\"name\":\"a\",\"memoryMb\":1,\"host\":\"\"}").field().orElseThrow());
    ApiError priority = invalid("{\"name\":\"a\",\"memoryMb\":1,\"priority\":\"urgent\"}");
    assertEquals(Optional.of("priority"), priority.field());
    assertTrue(priority.error().contains("\"highest\""), priority.error());
    assertEquals("readyTimeoutSeconds", invalid("{\"name\":\"a\",\"memoryMb\":1,\"readyTimeoutSeconds\":"
        + (VmRequestRule.MAX_READY_TIMEOUT_SECONDS + 1) + "}").field().orElseThrow());
    assertEquals(ApiError.field("dependsOn", "entry 1 is null: each is a VM name"),
        invalid("{\"name\":\"a\",\"memoryMb\":1,\"dependsOn\":[\"b\",null]}"));
    assertEquals(ApiError.field("dependsOn", "a cannot depend on itself"),
        invalid("{\"name\":\"a\",\"memoryMb\":1,\"dependsOn\":[\"a\"]}"));
    assertEquals(ApiError.field("dependsOn", "names b twice"),
        invalid("{\"name\":\"a\",\"memoryMb\":1,\"dependsOn\":[\"b\",\"b\"]}"));
  }

  @Test
  void separatorsQuotesNewlinesAndUnicodeAreNoVmOrHostName() {
    for (String bad : List.of("dns1,evil", "a;b", "a b", "a\\nb", "a\\\"b", "caf\\u00e9", "-a", ".hidden", "a/b",
        "x".repeat(64))) {
      assertEquals(Optional.of("name"), invalid("{\"name\":\"" + bad + "\",\"memoryMb\":1}").field(), bad);
      assertEquals(Optional.of("host"), invalid("{\"name\":\"a\",\"memoryMb\":1,\"host\":\"" + bad + "\"}").field(),
          bad);
      assertEquals(Optional.of("dependsOn"),
          invalid("{\"name\":\"a\",\"memoryMb\":1,\"dependsOn\":[\"" + bad + "\"]}").field(), bad);
    }
  }

  @Test
  void aLongNameIsRefusedWithItsLengthNotItself() {
    ApiError e = invalid("{\"name\":\"" + "n".repeat(10_000) + "\",\"memoryMb\":1}");
    assertEquals(Optional.of("name"), e.field());
    assertTrue(e.error().contains("10000 characters") && !e.error().contains("nnnnn"), e.error());
    ApiError unknown = invalid("{\"" + "k".repeat(10_000) + "\":1}");
    assertTrue(unknown.field().orElseThrow().length() < 100, unknown.field().orElseThrow());
  }

  @Test
  void wrongTypesUnknownAndRepeatedFieldsAndBrokenJsonAreNamedInTheApisWords() {
    assertEquals(ApiError.field("memoryMb", "must be a whole number"), invalid("{\"name\":\"a\",\"memoryMb\":\"1\"}"));
    assertEquals(ApiError.field("memoryMb", "must be a whole number"), invalid("{\"name\":\"a\",\"memoryMb\":1.5}"));
    assertEquals(ApiError.field("name", "must be a string"), invalid("{\"name\":7,\"memoryMb\":1}"));
    assertEquals(ApiError.field("dependsOn", "must be a list of VM names"),
        invalid("{\"name\":\"a\",\"memoryMb\":1,\"dependsOn\":\"b\"}"));
    assertEquals(ApiError.field("dependsOn", "must be a list of VM names"),
        invalid("{\"name\":\"a\",\"memoryMb\":1,\"dependsOn\":[1]}"));
    assertEquals(Optional.of("cpus"), invalid("{\"name\":\"a\",\"memoryMb\":1,\"cpus\":99999999999}").field());
    assertEquals(Optional.of("colour"), invalid("{\"name\":\"a\",\"memoryMb\":1,\"colour\":1}").field());
    assertEquals(ApiError.field("name", "given twice"), invalid("{\"name\":\"a\",\"name\":\"b\",\"memoryMb\":1}"));
    assertEquals(ApiError.of("malformed JSON at line 1, column 9"), invalid("{\"name\":}"));
    for (String notAnObject : List.of("", "null", "[]", "\"a\"", "1")) {
      assertEquals(Optional.empty(), invalid(notAnObject).field(), notAnObject);
    }
  }

  /**
   * Random and hostile bodies (seeded): the rule never throws, answers Valid or Invalid, and an error never quotes
   * more than a short part of the input.
   */
  @Test
  void randomAndHostileBodiesNeverCrashTheRuleNorComeBackAtLength() {
    Random random = new Random(20);
    String[] pieces = {"{", "}", "[", "]", ",", ":", "\"", "\"name\"", "\"memoryMb\"", "\"dependsOn\"", "\"host\"",
        "null", "true", "1", "-1", "1e99", "99999999999999999999", "\"a\"", "\"" + "z".repeat(5000) + "\"", "\\u0000",
        "\\", "\n", " ", "\"\\ud800\"", "{\"name\":\"a\",\"memoryMb\":1", "\u00e9", "/*", "'"};
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(12);
      for (int k = 0; k < n; k++) b.append(pieces[random.nextInt(pieces.length)]);
      String body = b.toString();
      VmRequestRule.Checked c = check(body);
      if (c instanceof VmRequestRule.Invalid inv) {
        String text = inv.error().error() + inv.error().field().orElse("");
        assertFalse(text.isEmpty(), body);
        assertTrue(text.length() < 600, "an error of " + text.length() + " characters for " + body.length());
        assertFalse(text.contains("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), text);
      } else {
        assertTrue(VmSpec.isValidName(((VmRequestRule.Valid) c).vm().name()), body);
      }
    }
  }
}
