package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Properties of every state file codec (issue 20), as seeded JUnit property tests: each value its type allows
 * round-trips, also when one host writes it to a datastore and another reads it; and no input — random text, a valid
 * file with one node removed, renamed or replaced by any JSON, random JSON under a valid envelope — makes a reader fail
 * with anything but {@link CorruptStateFileException}, while whatever a reader accepts is a file every other host
 * reads back alike. Case i of a property draws everything from {@code new Random(seed + i)}, so a failure names the
 * seed and case that reproduce it.
 */
class StateFilePropertiesTest {
  private static final Path FILE = Path.of("/ds/.vmha/state");
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final JsonNodeFactory NODES = PLAIN.getNodeFactory();
  private static final List<String> FIELDS = List.of("hostId", "counter", "writtenAt", "address", "vm", "owner",
      "renewedAt", "isolated", "vms", "watchdogArmed", "version", "host", "protection", "recovery", "name", "memoryMb",
      "cpus", "priority", "order", "ready", "readyTimeout", "dependsOn", "failedAttempts", "retryAt", "givenUp");
  private static final List<String> KINDS =
      List.of(HostHeartbeat.KIND, PowerOnFile.KIND, VmLease.KIND, ProtectedList.KIND);

  @TempDir
  static Path root;

  /** A reader of one kind: the decoded value, or the CorruptStateFileException it refused the text with. */
  private interface Reader {
    Object decode(String text) throws CorruptStateFileException;
  }

  /** The codec of one kind. */
  private record Codec(Reader reader, Function<Object, String> writer) {}

  private static final Map<String, Codec> CODECS = Map.of(
      HostHeartbeat.KIND, new Codec(t -> HostHeartbeat.decode(FILE, t), v -> ((HostHeartbeat) v).encode()),
      PowerOnFile.KIND, new Codec(t -> PowerOnFile.decode(FILE, t), v -> ((PowerOnFile) v).encode()),
      VmLease.KIND, new Codec(t -> VmLease.decode(FILE, t), v -> ((VmLease) v).encode()),
      ProtectedList.KIND, new Codec(t -> ProtectedList.decode(FILE, t), v -> ((ProtectedList) v).encode()));

  /** One case of a property, drawing all its input from the generator it is given. */
  private interface Case {
    void check(Gen g) throws Exception;
  }

  /** Runs cases 0..n-1, case i on {@code new Random(seed + i)}; a failure names the property, seed and case. */
  private static void forAll(String property, long seed, int cases, Case body) {
    for (int i = 0; i < cases; i++) {
      try {
        body.check(new Gen(new Random(seed + i)));
      } catch (Throwable t) {
        throw new AssertionError(property + " fails at case " + i + " of seed " + seed + " (new Random(" + (seed + i)
            + ")): " + t, t);
      }
    }
  }

  // ---- every encodable value round-trips, through the codec and from one host to another

  @Test
  void everyValueRoundTrips() {
    forAll("everyValueRoundTrips", 20_100, 1000, g -> {
      Map.Entry<String, Object> value = g.value();
      Codec codec = CODECS.get(value.getKey());
      assertEquals(value.getValue(), codec.reader().decode(codec.writer().apply(value.getValue())));
    });
  }

  @Test
  void whatOneHostWritesAnotherReads() {
    forAll("whatOneHostWritesAnotherReads", 20_200, 200, g -> {
      DirectoryDatastore writer = new DirectoryDatastore(root, Runnable::run);
      DirectoryDatastore reader = new DirectoryDatastore(root, Runnable::run);
      Files.deleteIfExists(root.resolve(".vmha/" + DirectoryDatastore.PROTECTED_LIST));
      Files.deleteIfExists(DirectoryDatastore.leaseFile(root, "vm1"));
      ProtectedList list = g.protectedList();
      HostHeartbeat mine = new HostHeartbeat("h1", g.anyLong(), g.instant(), g.text());
      PowerOnFile power = new PowerOnFile("h1", g.r.nextBoolean(), g.listOf(5, g::vmSpec), g.r.nextBoolean(), g.r.nextBoolean());
      VmLease lease = new VmLease("vm1", g.text(), g.anyLong(), g.instant());
      writer.writeProtectedList(list).toCompletableFuture().join();
      writer.writeHeartbeat(mine).toCompletableFuture().join();
      writer.writePowerOn(power).toCompletableFuture().join();
      writer.swapLease(Optional.empty(), lease).toCompletableFuture().join();
      assertEquals(Optional.of(list), reader.readProtectedList().toCompletableFuture().join());
      DatastoreScan scan = reader.scan().toCompletableFuture().join();
      assertEquals(Map.of(), scan.corrupt());
      assertEquals(Map.of("h1", mine), scan.heartbeats());
      assertEquals(Map.of("h1", power), scan.powerOn());
      assertEquals(Map.of("vm1", lease), scan.leases());
    });
  }

  // ---- no input crashes a reader; what a reader accepts, every host reads alike

  @Test
  void randomTextIsReadOrRefusedAsCorrupt() {
    forAll("randomTextIsReadOrRefusedAsCorrupt", 20_300, 1000, g -> {
      String kind = g.kind();
      String text = g.text();
      readOrRefuse(kind, g.r.nextBoolean() ? withChecksum(text) : text);
    });
  }

  @Test
  void aValidFileWithOneNodeRemovedRenamedOrReplacedIsReadOrRefusedAsCorrupt() {
    forAll("aValidFileWithOneNodeRemovedRenamedOrReplacedIsReadOrRefusedAsCorrupt", 20_400, 1000, g -> {
      Map.Entry<String, Object> value = g.value();
      String file = CODECS.get(value.getKey()).writer().apply(value.getValue());
      ObjectNode doc = (ObjectNode) PLAIN.readTree(file.substring(0, file.indexOf('\n')));
      List<Map.Entry<JsonNode, Object>> slots = new ArrayList<>();
      slots(doc, slots);
      Map.Entry<JsonNode, Object> slot = slots.get(g.r.nextInt(slots.size()));
      int how = g.r.nextInt(3);
      JsonNode replacement = g.json(0);
      if (slot.getKey() instanceof ObjectNode o && slot.getValue() instanceof String field) {
        if (how == 0) o.remove(field);
        else if (how == 1) o.set(field + "x", replacement);
        else o.set(field, replacement);
      } else if (slot.getKey() instanceof ArrayNode a && slot.getValue() instanceof Integer i) {
        if (how == 0) a.remove(i);
        else a.set(i, replacement);
      }
      readOrRefuse(value.getKey(), withChecksum(PLAIN.writeValueAsString(doc) + "\n"));
    });
  }

  @Test
  void randomContentUnderAValidEnvelopeIsReadOrRefusedAsCorrupt() {
    forAll("randomContentUnderAValidEnvelopeIsReadOrRefusedAsCorrupt", 20_500, 1000, g -> {
      String kind = g.kind();
      ObjectNode doc = PLAIN.createObjectNode().put("vmha", kind).put("format", StateFile.FORMAT_VERSION);
      doc.set("content", g.json(0));
      readOrRefuse(kind, withChecksum(PLAIN.writeValueAsString(doc) + "\n"));
    });
  }

  /** Decodes, or refuses with the one exception readers may throw; what it accepts re-encodes to the same value. */
  private static void readOrRefuse(String kind, String text) throws Exception {
    Codec codec = CODECS.get(kind);
    Object value;
    try {
      value = codec.reader().decode(text);
    } catch (CorruptStateFileException e) {
      assertEquals(FILE, e.file());
      return;
    }
    assertEquals(value, codec.reader().decode(codec.writer().apply(value)));
  }

  /** Every (object, field name) and (array, index) of a document, depth first. */
  private static void slots(JsonNode node, List<Map.Entry<JsonNode, Object>> out) {
    if (node instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        out.add(Map.entry(o, n));
        slots(o.get(n), out);
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        out.add(Map.entry(a, i));
        slots(a.get(i), out);
      }
    }
  }

  private static String withChecksum(String body) {
    CRC32 c = new CRC32();
    c.update(body.getBytes(StandardCharsets.UTF_8));
    return body + "crc32=" + Long.toHexString(c.getValue()) + "\n";
  }

  /**
   * The generators, all drawing from one seeded Random. Numbers are biased towards their edges (as 0, -1, MIN, MAX)
   * and strings towards the hostile ones, since that is where codecs break.
   */
  private static final class Gen {
    private static final String HOSTILE_CHARS = ",;=\n\r\t\"\\{}[]: \u0000\u00e9\ud83d\ude00\ud800crc32vmha";
    private static final String NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final long[] LONG_EDGES = {0, 1, -1, 2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
        Long.MAX_VALUE - 1, Integer.MIN_VALUE, Integer.MAX_VALUE};
    private static final double[] DOUBLE_EDGES = {0.0, -0.0, 1.0, -1.0, 0.5, Double.MIN_VALUE, Double.MAX_VALUE,
        -Double.MAX_VALUE, Double.MIN_NORMAL, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    /** Text the state files' own fields hold, in and out of their expected case and form. */
    private static final List<String> WORDS =
        List.of("2024-05-01T10:00:00Z", "PT10M", "-PT1S", "high", "HIGH", "POWERED_ON", "vm1", "");
    private static final BigInteger BIG = BigInteger.TEN.pow(30);

    final Random r;

    Gen(Random r) {
      this.r = r;
    }

    /** Any string: any UTF-16 units (lone surrogates too), hostile characters, a known hostile value, or long. */
    String text() {
      int pick = r.nextInt(9);
      if (pick < 3) return chars(r.nextInt(41), () -> (char) r.nextInt(0x10000));
      if (pick < 6) return chars(r.nextInt(41), () -> HOSTILE_CHARS.charAt(r.nextInt(HOSTILE_CHARS.length())));
      if (pick < 8) return DirectoryDatastoreTest.HOSTILE.get(r.nextInt(DirectoryDatastoreTest.HOSTILE.size()));
      return chars(1000 + r.nextInt(9001), () -> (char) r.nextInt(0x10000));
    }

    private String chars(int n, Supplier<Character> c) {
      StringBuilder b = new StringBuilder(n);
      for (int i = 0; i < n; i++) b.append(c.get());
      return b.toString();
    }

    String kind() {
      return KINDS.get(r.nextInt(KINDS.size()));
    }

    long anyLong() {
      return r.nextInt(5) == 0 ? LONG_EDGES[r.nextInt(LONG_EDGES.length)] : r.nextLong();
    }

    int anyInt() {
      return (int) anyLong();
    }

    /** A long from min up, edges included. */
    long longFrom(long min) {
      if (r.nextInt(5) == 0) {
        return switch (r.nextInt(3)) { case 0 -> min; case 1 -> min + 1; default -> Long.MAX_VALUE; };
      }
      return min + (r.nextLong() >>> 1) % (Long.MAX_VALUE - min);
    }

    int intFrom(int min) {
      if (r.nextInt(5) == 0) {
        return switch (r.nextInt(3)) { case 0 -> min; case 1 -> min + 1; default -> Integer.MAX_VALUE; };
      }
      return min + r.nextInt(Integer.MAX_VALUE - min);
    }

    /** Any Instant, from Instant.MIN to Instant.MAX. */
    Instant instant() {
      long lo = Instant.MIN.getEpochSecond();
      long hi = Instant.MAX.getEpochSecond();
      long seconds = switch (r.nextInt(8)) {
        case 0 -> lo;
        case 1 -> hi;
        case 2 -> 0;
        default -> lo + Math.floorMod(r.nextLong(), hi - lo + 1);
      };
      int nanos = r.nextInt(4) == 0 ? (r.nextBoolean() ? 0 : 999_999_999) : r.nextInt(1_000_000_000);
      return Instant.ofEpochSecond(seconds, nanos);
    }

    <T> List<T> listOf(int max, Supplier<T> element) {
      int n = r.nextInt(max + 1);
      List<T> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) l.add(element.get());
      return l;
    }

    /** A valid VM spec: a name of 1-63 letters, digits, '_', '.', '-' starting with a letter or digit. */
    VmSpec vmSpec() {
      String rest = NAME_CHARS + "_.-";
      String name = NAME_CHARS.charAt(r.nextInt(NAME_CHARS.length()))
          + chars(r.nextInt(63), () -> rest.charAt(r.nextInt(rest.length())));
      return new VmSpec(name, longFrom(1), intFrom(1));
    }

    VmProtection protection() {
      RestartPriority[] priorities = RestartPriority.values();
      ReadyCondition[] ready = ReadyCondition.values();
      return new VmProtection(priorities[r.nextInt(priorities.length)], intFrom(0), ready[r.nextInt(ready.length)],
          Duration.ofNanos(longFrom(0)), listOf(4, this::text));
    }

    ProtectedList.Recovery recovery() {
      return ProtectedList.Recovery.of(new ProtectedList.Recovery.Stored(anyInt(), instant(), text()));
    }

    HostHeartbeat heartbeat() {
      return new HostHeartbeat(text(), anyLong(), instant(), text());
    }

    PowerOnFile powerOnFile() {
      return new PowerOnFile(text(), r.nextBoolean(), listOf(5, this::vmSpec), r.nextBoolean(), r.nextBoolean());
    }

    VmLease lease() {
      return new VmLease(text(), text(), anyLong(), instant());
    }

    ProtectedList protectedList() {
      String owner = text();
      long version = anyLong();
      Map<String, ProtectedList.Entry> vms = new LinkedHashMap<>();
      listOf(5, () -> new ProtectedList.Entry(vmSpec(), text(), protection(), recovery()))
          .forEach(e -> vms.put(e.vm().name(), e));
      return new ProtectedList(owner, version, vms);
    }

    /** A value of some kind: kind to value. */
    Map.Entry<String, Object> value() {
      return switch (r.nextInt(4)) {
        case 0 -> Map.entry(HostHeartbeat.KIND, heartbeat());
        case 1 -> Map.entry(PowerOnFile.KIND, powerOnFile());
        case 2 -> Map.entry(VmLease.KIND, lease());
        default -> Map.entry(ProtectedList.KIND, protectedList());
      };
    }

    /** Any JSON value, its object fields mostly named like the state files' own; only leaves below depth 6. */
    JsonNode json(int depth) {
      int pick = depth >= 6 ? 0 : r.nextInt(9);
      if (pick < 6) return leaf();
      if (pick < 7) {
        ArrayNode a = PLAIN.createArrayNode();
        listOf(3, () -> json(depth + 1)).forEach(a::add);
        return a;
      }
      ObjectNode o = PLAIN.createObjectNode();
      int n = r.nextInt(5);
      for (int i = 0; i < n; i++) {
        o.set(r.nextInt(6) < 5 ? FIELDS.get(r.nextInt(FIELDS.size())) : text(), json(depth + 1));
      }
      return o;
    }

    private JsonNode leaf() {
      return switch (r.nextInt(7)) {
        case 0 -> NODES.numberNode(anyLong());
        case 1 -> NODES.numberNode(r.nextInt(4) == 0 ? DOUBLE_EDGES[r.nextInt(DOUBLE_EDGES.length)]
            : (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(40) - 20));
        case 2 -> NODES.numberNode(new BigInteger(101, r).mod(BIG.shiftLeft(1).add(BigInteger.ONE)).subtract(BIG));
        case 3 -> NODES.textNode(text());
        case 4 -> NODES.textNode(WORDS.get(r.nextInt(WORDS.size())));
        case 5 -> NODES.booleanNode(r.nextBoolean());
        default -> NODES.nullNode();
      };
    }
  }
}
