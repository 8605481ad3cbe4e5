package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.VmSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The state file format (JSON line and checksum line), the codecs built on it, and files of the first format. */
class StateFileTest {
  private static final Path FILE = Path.of("/mnt/ds1/.vmha/host-esxi2-hb");
  private static final HostHeartbeat HB = new HostHeartbeat("esxi2", 42, Instant.parse("2024-05-01T10:00:00Z"),
      "10.0.0.2:2551");

  private static String crc(String s) {
    CRC32 c = new CRC32();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(c.getValue());
  }

  /** A file with a valid checksum over an arbitrary body. */
  private static String withChecksum(String body) {
    return body + "crc32=" + crc(body) + "\n";
  }

  /** A heartbeat file around an arbitrary JSON line, with a valid checksum. */
  private static String json(String line) {
    return withChecksum(line + "\n");
  }

  private static String heartbeatContent(String content) {
    return json("{\"vmha\":\"heartbeat\",\"format\":2,\"content\":" + content + "}");
  }

  private static CorruptStateFileException corrupt(String text) {
    CorruptStateFileException e = assertThrows(CorruptStateFileException.class, () -> HostHeartbeat.decode(FILE, text));
    assertTrue(e.getMessage().startsWith(FILE.toString() + ": "), e.getMessage());
    assertEquals(FILE, e.file());
    return e;
  }

  @Test
  void encodedLayoutIsOneJsonLineAndTheChecksumLine() {
    String body = "{\"vmha\":\"heartbeat\",\"format\":2,\"content\":{\"hostId\":\"esxi2\",\"counter\":42,"
        + "\"writtenAt\":\"2024-05-01T10:00:00Z\",\"address\":\"10.0.0.2:2551\"}}\n";
    assertEquals(body + "crc32=" + crc(body) + "\n", HB.encode());
  }

  @Test
  void separatorsQuotesNewlinesAndUnicodeAreEscapedIntoOneAsciiLine() throws Exception {
    String nasty = "a,b;c=d\ne\"f\\g\u00e9\ud83d\ude00\ud800";
    HostHeartbeat hb = new HostHeartbeat(nasty, 1, Instant.EPOCH, nasty);
    String text = hb.encode();
    assertEquals(2, text.split("\n").length, text);
    assertTrue(text.chars().allMatch(c -> c < 128), text);
    assertEquals(hb, HostHeartbeat.decode(FILE, text));
  }

  @Test
  void everyTruncationIsCorrupt() {
    String text = HB.encode();
    for (int len = 0; len < text.length(); len++) {
      String cut = text.substring(0, len);
      assertThrows(CorruptStateFileException.class, () -> HostHeartbeat.decode(FILE, cut), "length " + len);
    }
  }

  @Test
  void truncatedBeforeOrInsideTheChecksumLine() {
    String text = HB.encode();
    assertEquals(FILE + ": truncated (no checksum line)", corrupt(text.substring(0, text.indexOf("crc32="))).getMessage());
    assertTrue(corrupt(text.substring(0, text.length() - 1)).getMessage().contains("truncated"));
    assertTrue(corrupt(text.substring(0, text.length() - 3) + "\n").getMessage().contains("checksum mismatch"));
    assertTrue(corrupt("").getMessage().contains("truncated"));
  }

  @Test
  void everyChangedByteIsCorrupt() {
    String text = HB.encode();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char other = c == 'Q' ? 'R' : 'Q';
      String changed = text.substring(0, i) + other + text.substring(i + 1);
      assertThrows(CorruptStateFileException.class, () -> HostHeartbeat.decode(FILE, changed), "byte " + i);
    }
  }

  @Test
  void changedValueIsChecksumMismatch() {
    assertEquals(FILE + ": checksum mismatch", corrupt(HB.encode().replace("esxi2", "esxi3")).getMessage());
  }

  @Test
  void anotherKindOrFormatIsCorrupt() {
    String p = new PowerOnFile("h", false, List.of()).encode();
    assertTrue(corrupt(p).getMessage().contains("expected a heartbeat file, found vmha \"poweron\""));
    String v3 = json("{\"vmha\":\"heartbeat\",\"format\":3,\"content\":{}}");
    assertTrue(corrupt(v3).getMessage().contains("format 3 is not 2"), corrupt(v3).getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "null", "[]", "42", "\"text\"", "{}", "{\"vmha\":\"heartbeat\",\"format\":2}",
      "{\"format\":2,\"vmha\":\"heartbeat\",\"content\":{}}",
      "{\"vmha\":\"heartbeat\",\"format\":2,\"content\":{},\"extra\":1}", "{\"vmha\":\"heartbeat\"", "not json"})
  void anEnvelopeThatIsNotExactlyKindFormatAndContentIsCorrupt(String line) {
    corrupt(json(line));
  }

  @Test
  void twoJsonLinesAreCorrupt() {
    String line = HB.encode().split("\n")[0];
    assertTrue(corrupt(withChecksum(line + "\n" + line + "\n")).getMessage().contains("one JSON line"));
  }

  /** Strict reading: every field present, no other, none null, each of its own type; the message names the field. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"hostId\":\"h\",\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\"}",
      "{\"hostId\":\"h\",\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\",\"x\":1}",
      "{\"hostId\":null,\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":null,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":\"1\",\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":1.5,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":1e30,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":99999999999999999999,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":7,\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":true,\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":[\"h\"],\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":1,\"writtenAt\":\"yesterday\",\"address\":\"\"}",
      "{\"hostId\":\"h\",\"counter\":1,\"writtenAt\":12,\"address\":\"\"}",
      "{\"hostId\":\"h\",\"hostId\":\"i\",\"counter\":1,\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}",
      "[]", "null", "\"h\""})
  void aMissingUnknownNullOrMistypedFieldIsCorrupt(String content) {
    corrupt(heartbeatContent(content));
  }

  /** Issue 22: HA's switch was added to the list; a list written before reads as HA enabled, a new one round-trips. */
  @Test
  void aProtectedListWrittenBeforeHaCouldBeSwitchedReadsAsEnabled() throws Exception {
    ProtectedList old = ProtectedList.decode(FILE, json(
        "{\"vmha\":\"protectedlist\",\"format\":2,\"content\":{\"owner\":\"m\",\"version\":3,\"vms\":{}}}"));
    assertEquals(ProtectedList.HaSwitch.ENABLED, old.ha());
    ProtectedList off = old.switched(new ProtectedList.HaSwitch(false, List.of("h2")), "m");
    assertEquals(off, ProtectedList.decode(FILE, off.encode()));
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, json("{\"vmha\":\"protectedlist\","
        + "\"format\":2,\"content\":{\"owner\":\"m\",\"version\":3,\"vms\":{},\"ha\":null}}")), "null is still corrupt");
  }

  /** Issue 22: a VM's own isolation response was added to its protection; a list written before reads without. */
  @Test
  void aProtectedListWrittenBeforePerVmIsolationResponsesReadsWithout() throws Exception {
    ProtectedList old = ProtectedList.empty("m").with(new VmSpec("vm1", 1, 1), "h1", VmProtection.defaults(), "m");
    readsWithout(old, ",\"isolationResponse\":null");
    VmProtection d = VmProtection.defaults();
    ProtectedList own = old.reprotected("vm1", new VmProtection(d.priority(), d.order(), d.ready(), d.readyTimeout(),
        d.dependsOn(), Optional.of(IsolationResponse.SHUTDOWN)), "m");
    assertEquals(own, ProtectedList.decode(FILE, own.encode()));
    assertEquals(Map.of("vm1", IsolationResponse.SHUTDOWN), own.isolationResponses());
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, json(own.encode().split("\n")[0]
        .replace("\"SHUTDOWN\"", "\"REBOOT\""))), "an unknown response is corrupt");
  }

  /**
   * Seed 2185: the hosts a restart attempt went to were added to a VM's entry; a list written before reads with
   * none, a new one round-trips, and a null is still corrupt.
   */
  @Test
  void aProtectedListWrittenBeforeRestartsWereRecordedReadsWithNone() throws Exception {
    ProtectedList old = ProtectedList.empty("m").with(new VmSpec("vm1", 1, 1), "h1", VmProtection.defaults(), "m");
    readsWithout(old, ",\"startingAt\":[]");
    ProtectedList out = old.starting(Map.of("vm1", List.of("h2", "h3")), "m");
    assertEquals(List.of("h2", "h3"), ProtectedList.decode(FILE, out.encode()).vms().get("vm1").startingAt());
    assertEquals(out.version() + 1, out.moved("vm1", "h2", "m").version());
    assertEquals(List.of(), out.moved("vm1", "h2", "m").vms().get("vm1").startingAt(), "placed: none out");
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, json(out.encode().split("\n")[0]
        .replace("[\"h2\",\"h3\"]", "null"))), "null is corrupt");
  }

  /** The list as written before the field {@code written} (as it is written now) existed reads as the same list. */
  private static void readsWithout(ProtectedList l, String written) throws CorruptStateFileException {
    String before = l.encode().split("\n")[0].replace(written, "");
    assertFalse(before.equals(l.encode().split("\n")[0]), before);
    assertEquals(l, ProtectedList.decode(FILE, json(before)));
  }

  @Test
  void theMessageNamesTheField() {
    String e = corrupt(heartbeatContent(
        "{\"hostId\":\"h\",\"counter\":\"x\",\"writtenAt\":\"1970-01-01T00:00:00Z\",\"address\":\"\"}")).getMessage();
    assertTrue(e.contains("content.counter: "), e);
    String nested = assertThrows(CorruptStateFileException.class, () -> PowerOnFile.decode(FILE, json(
        "{\"vmha\":\"poweron\",\"format\":2,\"content\":{\"hostId\":\"h\",\"isolated\":false,\"vms\":[{\"name\":"
        + "\"vm1\",\"memoryMb\":1,\"cpus\":\"2\"}],\"watchdogArmed\":false}}"))).getMessage();
    assertTrue(nested.contains("content.vms[0].cpus: "), nested);
  }

  @Test
  void aValueItsTypeRefusesIsCorrupt() {
    String badName = json("{\"vmha\":\"poweron\",\"format\":2,\"content\":{\"hostId\":\"h\",\"isolated\":false,"
        + "\"vms\":[{\"name\":\"bad name\",\"memoryMb\":1,\"cpus\":1}],\"watchdogArmed\":false}}");
    String e = assertThrows(CorruptStateFileException.class, () -> PowerOnFile.decode(FILE, badName)).getMessage();
    assertTrue(e.contains("VM name bad name"), e);
    String nullDependency = ProtectedList.empty("m").with(new VmSpec("vm1", 1, 1), "h1",
        new VmProtection(RestartPriority.HIGH, 0, ReadyCondition.POWERED_ON, Duration.ZERO, List.of("dns1")), "m")
        .encode().split("\n")[0].replace("[\"dns1\"]", "[null]");
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, json(nullDependency)));
    String misfiled = ProtectedList.empty("m").with(new VmSpec("vm1", 1, 1), "h1", VmProtection.defaults(), "m")
        .encode().split("\n")[0].replace("{\"vm1\":", "{\"vm2\":");
    String m = assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, json(misfiled)))
        .getMessage();
    assertTrue(m.contains("entry vm2 holds VM vm1"), m);
  }

  // --- files of the first format: still read, so an upgrade keeps the list and the leases ---

  @Test
  void firstFormatFilesOfEveryKindAreStillRead() throws Exception {
    assertEquals(new HostHeartbeat("esxi2", 42, Instant.parse("2024-05-01T10:00:00.123456Z"), "10.0.0.2:2551"),
        HostHeartbeat.decode(FILE, withChecksum(
            "vmha heartbeat 1\nhost=esxi2\ncounter=42\ntime=2024-05-01T10:00:00.123456Z\naddress=10.0.0.2:2551\n")));
    assertEquals(new VmLease("db1", "esxi2", 3, Instant.EPOCH), VmLease.decode(FILE, withChecksum(
        "vmha lease 1\nvm=db1\nowner=esxi2\ncounter=3\ntime=1970-01-01T00:00:00Z\n")));
    assertEquals(new PowerOnFile("esxi2", true, List.of(new VmSpec("vm1", 1024, 2)), WatchdogFlag.ARMED),
        PowerOnFile.decode(FILE, withChecksum("vmha poweron 1\nisolated=true\nhost=esxi2\nvm=vm1,1024,2\n"
            + "watchdog=armed\n")));
    ProtectedList l = ProtectedList.empty("esxi1")
        .with(new VmSpec("vm1", 1024, 2), "esxi3", new VmProtection(RestartPriority.HIGH, 2,
            ReadyCondition.POWERED_ON, Duration.ofSeconds(90), List.of("dns1", "dns2")), "esxi1")
        .recovering("vm1", new ProtectedList.Recovery(5, Optional.of(Instant.ofEpochMilli(1000)),
            Optional.of("no host has room")), "esxi1");
    assertEquals(l, ProtectedList.decode(FILE, withChecksum("vmha protectedlist 1\nowner=esxi1\nversion=2\n"
        + "vm=vm1,1024,2,esxi3,high,2,powered-on,90000,dns1;dns2,5,1000\ngaveup=vm1 no host has room\n")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"vmha heartbeat 2\n", "vmha poweron 1\n", "vmha heartbeat\n", "vmha  heartbeat 1\n"})
  void aFirstFormatFileWithAnotherHeaderIsCorrupt(String header) {
    assertTrue(corrupt(withChecksum(header + "a=b\n")).getMessage().contains("expected header 'vmha heartbeat 1'"));
  }

  @Test
  void aFirstFormatLineWithoutKeyIsCorrupt() {
    assertEquals(FILE + ": line 3 is not key=value",
        corrupt(withChecksum("vmha heartbeat 1\nhost=a\nnoequals\n")).getMessage());
    assertTrue(corrupt(withChecksum("vmha heartbeat 1\n=value\n")).getMessage().contains("line 2 is not key=value"));
  }

  // --- the codecs ---

  @Test
  void heartbeatRoundTrip() throws Exception {
    HostHeartbeat hb = new HostHeartbeat("esxi2", 42, Instant.parse("2024-05-01T10:00:00.123456Z"));
    assertEquals(hb, HostHeartbeat.decode(FILE, hb.encode()));
  }

  @Test
  void powerOnRoundTrip() throws Exception {
    PowerOnFile p = new PowerOnFile("esxi2", true, List.of(new VmSpec("vm1", 1024, 2), new VmSpec("vm-2.x_y", 1, 1)));
    assertEquals(p, PowerOnFile.decode(FILE, p.encode()));
    PowerOnFile none = new PowerOnFile("esxi3", false, List.of());
    assertEquals(none, PowerOnFile.decode(FILE, none.encode()));
    PowerOnFile armed = new PowerOnFile("esxi4", false, List.of(new VmSpec("vm1", 1, 1)), WatchdogFlag.ARMED);
    assertEquals(armed, PowerOnFile.decode(FILE, armed.encode()));
    PowerOnFile stopped = new PowerOnFile("esxi5", false, List.of(new VmSpec("vm1", 1, 1)), WatchdogFlag.AGENT_STOPPED);
    assertEquals(WatchdogFlag.AGENT_STOPPED, PowerOnFile.decode(FILE, stopped.encode()).watchdog());
    assertFalse(PowerOnFile.decode(FILE, none.encode()).watchdogArmed(), "a file without the entry: not armed");
  }

  @Test
  void protectedListRoundTrip() throws Exception {
    ProtectedList l = ProtectedList.empty("esxi1")
        .with(new VmSpec("vm2", 512, 1), "esxi2", dev.vmha.restart.VmProtection.defaults(), "esxi1")
        .with(new VmSpec("vm1", 1024, 2), "esxi3", dev.vmha.restart.VmProtection.defaults(), "esxi1")
        .with(new VmSpec("vm2", 512, 1), "esxi4", dev.vmha.restart.VmProtection.defaults(), "esxi4");
    assertEquals(3, l.version());
    assertEquals("esxi4", l.owner());
    ProtectedList back = ProtectedList.decode(FILE, l.encode());
    assertEquals(l, back);
    assertEquals(List.of("vm2", "vm1"), List.copyOf(back.vms().keySet()));
    assertEquals("esxi4", back.vms().get("vm2").host());
    ProtectedList removed = back.without("vm2", "esxi1");
    assertEquals(4, removed.version());
    assertEquals(removed, ProtectedList.decode(FILE, removed.encode()));
    assertEquals(ProtectedList.empty("x"), ProtectedList.decode(FILE, ProtectedList.empty("x").encode()));
  }

  @Test
  void codecsRejectAnotherKind() {
    String hb = new HostHeartbeat("h", 1, Instant.EPOCH).encode();
    assertThrows(CorruptStateFileException.class, () -> PowerOnFile.decode(FILE, hb));
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, hb));
    String p = new PowerOnFile("h", false, List.of()).encode();
    assertThrows(CorruptStateFileException.class, () -> HostHeartbeat.decode(FILE, p));
  }

  private static String heartbeatText(String... lines) {
    return withChecksum("vmha heartbeat 1\n" + String.join("", List.of(lines).stream().map(l -> l + "\n").toList()));
  }

  @Test
  void heartbeatFieldErrors() {
    assertEquals(FILE + ": expected one 'host', found 0", assertThrows(CorruptStateFileException.class,
        () -> HostHeartbeat.decode(FILE, heartbeatText("counter=1", "time=1970-01-01T00:00:00Z"))).getMessage());
    assertEquals(FILE + ": expected one 'host', found 2", assertThrows(CorruptStateFileException.class,
        () -> HostHeartbeat.decode(FILE, heartbeatText("host=a", "host=b", "counter=1", "time=1970-01-01T00:00:00Z")))
        .getMessage());
    assertEquals(FILE + ": counter is not a number: x", assertThrows(CorruptStateFileException.class,
        () -> HostHeartbeat.decode(FILE, heartbeatText("host=a", "counter=x", "time=1970-01-01T00:00:00Z")))
        .getMessage());
    assertEquals(FILE + ": time is not a time: yesterday", assertThrows(CorruptStateFileException.class,
        () -> HostHeartbeat.decode(FILE, heartbeatText("host=a", "counter=1", "time=yesterday"))).getMessage());
  }

  @Test
  void powerOnFieldErrors() {
    String badFlag = withChecksum("vmha poweron 1\nisolated=yes\nhost=a\n");
    assertTrue(assertThrows(CorruptStateFileException.class, () -> PowerOnFile.decode(FILE, badFlag)).getMessage()
        .contains("isolated is neither true nor false: yes"));
    for (String vm : List.of("vm1,1", "vm1,1,1,extra", "vm1,x,1", "vm1,1,0", "bad name,1,1", ",1,1")) {
      String text = withChecksum("vmha poweron 1\nisolated=false\nhost=a\nvm=" + vm + "\n");
      CorruptStateFileException e = assertThrows(CorruptStateFileException.class, () -> PowerOnFile.decode(FILE, text),
          vm);
      assertTrue(e.getMessage().contains("malformed VM entry"), e.getMessage());
    }
  }

  @Test
  void protectedListFieldErrors() {
    String noHost = withChecksum("vmha protectedlist 1\nowner=a\nversion=1\nvm=vm1,1,1\n");
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, noHost));
    String badVersion = withChecksum("vmha protectedlist 1\nowner=a\nversion=v1\n");
    assertThrows(CorruptStateFileException.class, () -> ProtectedList.decode(FILE, badVersion));
  }
}
