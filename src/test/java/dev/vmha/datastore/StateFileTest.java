package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.hypervisor.VmSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The state file format and the three codecs built on it. */
class StateFileTest {
  private static final Path FILE = Path.of("/mnt/ds1/.vmha/host-esxi2-hb");
  private static final List<Map.Entry<String, String>> ENTRIES = List.of(
      Map.entry("host", "esxi2"), Map.entry("vm", "a,1,1"), Map.entry("vm", "b,2,2"), Map.entry("note", "x=y"),
      Map.entry("empty", ""));

  private static String crc(String s) {
    CRC32 c = new CRC32();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(c.getValue());
  }

  /** A file with a valid checksum over an arbitrary body. */
  private static String withChecksum(String body) {
    return body + "crc32=" + crc(body) + "\n";
  }

  private static CorruptStateFileException corrupt(String kind, String text) {
    CorruptStateFileException e = assertThrows(CorruptStateFileException.class,
        () -> StateFile.decode(FILE, kind, text));
    assertTrue(e.getMessage().startsWith(FILE.toString() + ": "), e.getMessage());
    return e;
  }

  @Test
  void roundTripKeepsOrderRepeatsAndEqualsSignsInValues() throws Exception {
    String text = StateFile.encode("test", ENTRIES);
    assertEquals(ENTRIES, StateFile.decode(FILE, "test", text));
  }

  @Test
  void encodedLayout() {
    String text = StateFile.encode("heartbeat", List.of(Map.entry("k", "v")));
    String body = "vmha heartbeat 1\nk=v\n";
    assertEquals(body + "crc32=" + crc(body) + "\n", text);
  }

  @Test
  void roundTripWithoutEntries() throws Exception {
    assertEquals(List.of(), StateFile.decode(FILE, "empty", StateFile.encode("empty", List.of())));
  }

  @Test
  void encodeRefusesWhatCannotBeReadBack() {
    assertThrows(IllegalArgumentException.class, () -> StateFile.encode("k", List.of(Map.entry("a=b", "v"))));
    assertThrows(IllegalArgumentException.class, () -> StateFile.encode("k", List.of(Map.entry("a\nb", "v"))));
    assertThrows(IllegalArgumentException.class, () -> StateFile.encode("k", List.of(Map.entry("a", "v\nw"))));
  }

  @Test
  void everyTruncationIsCorrupt() {
    String text = StateFile.encode("test", ENTRIES);
    for (int len = 0; len < text.length(); len++) {
      String cut = text.substring(0, len);
      CorruptStateFileException e = assertThrows(CorruptStateFileException.class,
          () -> StateFile.decode(FILE, "test", cut), "length " + len);
      assertTrue(e.getMessage().contains(FILE.toString()), e.getMessage());
    }
  }

  @Test
  void truncatedBeforeChecksumLine() {
    String text = StateFile.encode("test", ENTRIES);
    String cut = text.substring(0, text.indexOf("crc32="));
    assertEquals(FILE + ": truncated (no checksum line)", corrupt("test", cut).getMessage());
  }

  @Test
  void truncatedInsideChecksumLine() {
    String text = StateFile.encode("test", ENTRIES);
    assertTrue(corrupt("test", text.substring(0, text.length() - 1)).getMessage().contains("truncated"));
    assertTrue(corrupt("test", text.substring(0, text.length() - 3) + "\n").getMessage().contains("checksum mismatch"));
  }

  @Test
  void everyChangedByteIsCorrupt() {
    String text = StateFile.encode("test", ENTRIES);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char other = c == 'Q' ? 'R' : 'Q';
      String changed = text.substring(0, i) + other + text.substring(i + 1);
      assertThrows(CorruptStateFileException.class, () -> StateFile.decode(FILE, "test", changed), "byte " + i);
    }
  }

  @Test
  void changedValueIsChecksumMismatch() {
    String text = StateFile.encode("test", ENTRIES).replace("esxi2", "esxi3");
    assertEquals(FILE + ": checksum mismatch", corrupt("test", text).getMessage());
  }

  @Test
  void wrongKind() {
    String text = StateFile.encode("poweron", ENTRIES);
    CorruptStateFileException e = corrupt("heartbeat", text);
    assertEquals(FILE + ": expected header 'vmha heartbeat 1', found 'vmha poweron 1'", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"vmha test 2\n", "VMHA test 1\n", "vmha test\n", "\n", "k=v\n", "vmha  test 1\n"})
  void wrongHeader(String header) {
    assertTrue(corrupt("test", withChecksum(header + "a=b\n")).getMessage().contains("expected header 'vmha test 1'"));
  }

  @Test
  void emptyFileIsCorrupt() {
    assertTrue(corrupt("test", "").getMessage().contains("truncated"));
  }

  @Test
  void lineWithoutEqualsSign() {
    CorruptStateFileException e = corrupt("test", withChecksum("vmha test 1\na=b\nnoequals\n"));
    assertEquals(FILE + ": line 3 is not key=value", e.getMessage());
  }

  @Test
  void lineWithEmptyKey() {
    assertTrue(corrupt("test", withChecksum("vmha test 1\n=value\n")).getMessage().contains("line 2 is not key=value"));
  }

  @Test
  void emptyLineInTheMiddle() {
    assertTrue(corrupt("test", withChecksum("vmha test 1\na=b\n\nc=d\n")).getMessage().contains("line 3"));
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
    assertTrue(p.encode().startsWith("vmha poweron 1\nisolated=true\n"), "the flag is the first entry");
    PowerOnFile armed = new PowerOnFile("esxi4", false, List.of(new VmSpec("vm1", 1, 1)), true);
    assertEquals(armed, PowerOnFile.decode(FILE, armed.encode()));
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

  @Test
  void encodeRefusesAnEmptyKey() {
    assertThrows(IllegalArgumentException.class, () -> StateFile.encode("k", List.of(Map.entry("", "v"))));
  }
}
