package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Properties of every state file codec (issue 20): each value its type allows round-trips, also when one host writes
 * it to a datastore and another reads it; and no input — random text, a valid file with one field replaced by any
 * JSON, random JSON under a valid envelope — makes a reader fail with anything but {@link CorruptStateFileException},
 * while whatever a reader accepts is a file every other host reads back alike.
 */
class StateFileProperties {
  private static final Path FILE = Path.of("/ds/.vmha/state");
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final List<String> FIELDS = List.of("hostId", "counter", "writtenAt", "address", "vm", "owner",
      "renewedAt", "isolated", "vms", "watchdogArmed", "version", "host", "protection", "recovery", "name", "memoryMb",
      "cpus", "priority", "order", "ready", "readyTimeout", "dependsOn", "failedAttempts", "retryAt", "givenUp");
  private static Path root;

  /** A reader of one kind: the decoded value, or the CorruptStateFileException it refused the text with. */
  private interface Reader {
    Object decode(String text) throws CorruptStateFileException;
  }

  /** The codec of one kind. */
  private record Codec(Reader reader, java.util.function.Function<Object, String> writer) {}

  private static final Map<String, Codec> CODECS = Map.of(
      HostHeartbeat.KIND, new Codec(t -> HostHeartbeat.decode(FILE, t), v -> ((HostHeartbeat) v).encode()),
      PowerOnFile.KIND, new Codec(t -> PowerOnFile.decode(FILE, t), v -> ((PowerOnFile) v).encode()),
      VmLease.KIND, new Codec(t -> VmLease.decode(FILE, t), v -> ((VmLease) v).encode()),
      ProtectedList.KIND, new Codec(t -> ProtectedList.decode(FILE, t), v -> ((ProtectedList) v).encode()));

  @BeforeContainer
  static void createDatastore() throws IOException {
    root = Files.createTempDirectory("vmha-statefile-properties");
  }

  @AfterContainer
  static void removeDatastore() throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  // ---- every encodable value round-trips, through the codec and from one host to another

  @Property(tries = 1000)
  void everyValueRoundTrips(@ForAll("values") Tuple.Tuple2<String, Object> value) throws Exception {
    Codec codec = CODECS.get(value.get1());
    assertEquals(value.get2(), codec.reader().decode(codec.writer().apply(value.get2())));
  }

  @Property(tries = 100)
  void whatOneHostWritesAnotherReads(@ForAll("protectedLists") ProtectedList list,
      @ForAll("heartbeats") HostHeartbeat hb, @ForAll("powerOnFiles") PowerOnFile p, @ForAll("leases") VmLease l)
      throws Exception {
    DirectoryDatastore writer = new DirectoryDatastore(root, Runnable::run);
    DirectoryDatastore reader = new DirectoryDatastore(root, Runnable::run);
    Files.deleteIfExists(root.resolve(".vmha/" + DirectoryDatastore.PROTECTED_LIST));
    Files.deleteIfExists(DirectoryDatastore.leaseFile(root, "vm1"));
    writer.writeProtectedList(list).toCompletableFuture().join();
    HostHeartbeat mine = new HostHeartbeat("h1", hb.counter(), hb.writtenAt(), hb.address());
    writer.writeHeartbeat(mine).toCompletableFuture().join();
    PowerOnFile power = new PowerOnFile("h1", p.isolated(), p.vms(), p.watchdogArmed());
    writer.writePowerOn(power).toCompletableFuture().join();
    VmLease lease = new VmLease("vm1", l.owner(), l.counter(), l.renewedAt());
    writer.swapLease(Optional.empty(), lease).toCompletableFuture().join();
    assertEquals(Optional.of(list), reader.readProtectedList().toCompletableFuture().join());
    DatastoreScan scan = reader.scan().toCompletableFuture().join();
    assertEquals(Map.of(), scan.corrupt());
    assertEquals(Map.of("h1", mine), scan.heartbeats());
    assertEquals(Map.of("h1", power), scan.powerOn());
    assertEquals(Map.of("vm1", lease), scan.leases());
  }

  // ---- no input crashes a reader; what a reader accepts, every host reads alike

  @Property(tries = 300)
  void randomTextIsReadOrRefusedAsCorrupt(@ForAll("kinds") String kind, @ForAll("text") String text,
      @ForAll boolean checksummed) throws Exception {
    readOrRefuse(kind, checksummed ? withChecksum(text) : text);
  }

  @Property(tries = 1000)
  void aValidFileWithOneNodeReplacedIsReadOrRefusedAsCorrupt(@ForAll("validFiles") Tuple.Tuple2<String, String> file,
      @ForAll @IntRange(min = 0, max = 10_000) int at, @ForAll("json") JsonNode replacement,
      @ForAll @IntRange(min = 0, max = 2) int how) throws Exception {
    ObjectNode doc = (ObjectNode) PLAIN.readTree(file.get2().substring(0, file.get2().indexOf('\n')));
    List<Map.Entry<JsonNode, Object>> slots = new ArrayList<>();
    slots(doc, slots);
    Map.Entry<JsonNode, Object> slot = slots.get(at % slots.size());
    if (slot.getKey() instanceof ObjectNode o && slot.getValue() instanceof String field) {
      if (how == 0) o.remove(field);
      else if (how == 1) o.set(field + "x", replacement);
      else o.set(field, replacement);
    } else if (slot.getKey() instanceof ArrayNode a && slot.getValue() instanceof Integer i) {
      if (how == 0) a.remove(i);
      else a.set(i, replacement);
    }
    readOrRefuse(file.get1(), withChecksum(PLAIN.writeValueAsString(doc) + "\n"));
  }

  @Property(tries = 500)
  void randomContentUnderAValidEnvelopeIsReadOrRefusedAsCorrupt(@ForAll("kinds") String kind,
      @ForAll("json") JsonNode content) throws Exception {
    ObjectNode doc = PLAIN.createObjectNode().put("vmha", kind).put("format", StateFile.FORMAT_VERSION);
    doc.set("content", content);
    readOrRefuse(kind, withChecksum(PLAIN.writeValueAsString(doc) + "\n"));
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

  // ---- generators

  /** Any string, biased towards the hostile ones: separators, quotes, newlines, unicode, lone surrogates, long. */
  @Provide
  Arbitrary<String> text() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(40)),
        Tuple.of(3, Arbitraries.strings().withChars(",;=\n\r\t\"\\{}[]: \u0000\u00e9\ud83d\ude00\ud800crc32vmha")
            .ofMaxLength(40)),
        Tuple.of(1, Arbitraries.strings().all().ofMinLength(1000).ofMaxLength(10_000)),
        Tuple.of(2, Arbitraries.of(DirectoryDatastoreTest.HOSTILE)));
  }

  @Provide
  Arbitrary<String> kinds() {
    return Arbitraries.of(CODECS.keySet());
  }

  private Arbitrary<Instant> instants() {
    return Combinators.combine(Arbitraries.longs().between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()),
        Arbitraries.integers().between(0, 999_999_999)).as(Instant::ofEpochSecond);
  }

  private Arbitrary<VmSpec> vmSpecs() {
    Arbitrary<String> names = Combinators.combine(
        Arbitraries.strings().alpha().numeric().ofLength(1),
        Arbitraries.strings().alpha().numeric().withChars("_.-").ofMaxLength(62)).as(String::concat);
    return Combinators.combine(names, Arbitraries.longs().greaterOrEqual(1), Arbitraries.integers().greaterOrEqual(1))
        .as(VmSpec::new);
  }

  private Arbitrary<VmProtection> protections() {
    return Combinators.combine(Arbitraries.of(RestartPriority.class), Arbitraries.integers().greaterOrEqual(0),
        Arbitraries.of(ReadyCondition.class), Arbitraries.longs().greaterOrEqual(0).map(Duration::ofNanos),
        text().list().ofMaxSize(4)).as(VmProtection::new);
  }

  private Arbitrary<ProtectedList.Recovery> recoveries() {
    return Combinators.combine(Arbitraries.integers(), instants(), text()).as(ProtectedList.Recovery::new);
  }

  @Provide
  Arbitrary<HostHeartbeat> heartbeats() {
    return Combinators.combine(text(), Arbitraries.longs(), instants(), text()).as(HostHeartbeat::new);
  }

  @Provide
  Arbitrary<PowerOnFile> powerOnFiles() {
    return Combinators.combine(text(), Arbitraries.of(true, false), vmSpecs().list().ofMaxSize(5),
        Arbitraries.of(true, false)).as(PowerOnFile::new);
  }

  @Provide
  Arbitrary<VmLease> leases() {
    return Combinators.combine(text(), text(), Arbitraries.longs(), instants()).as(VmLease::new);
  }

  @Provide
  Arbitrary<ProtectedList> protectedLists() {
    Arbitrary<ProtectedList.Entry> entries = Combinators.combine(vmSpecs(), text(), protections(), recoveries())
        .as(ProtectedList.Entry::new);
    return Combinators.combine(text(), Arbitraries.longs(), entries.list().ofMaxSize(5)).as((owner, version, es) -> {
      Map<String, ProtectedList.Entry> vms = new LinkedHashMap<>();
      es.forEach(e -> vms.put(e.vm().name(), e));
      return new ProtectedList(owner, version, vms);
    });
  }

  /** A value of some kind: (kind, value). */
  @Provide
  Arbitrary<Tuple.Tuple2<String, Object>> values() {
    return Arbitraries.oneOf(
        heartbeats().map(h -> Tuple.of(HostHeartbeat.KIND, h)),
        powerOnFiles().map(p -> Tuple.of(PowerOnFile.KIND, p)),
        leases().map(l -> Tuple.of(VmLease.KIND, l)),
        protectedLists().map(l -> Tuple.of(ProtectedList.KIND, l)));
  }

  /** A valid file of some kind: (kind, text). */
  @Provide
  Arbitrary<Tuple.Tuple2<String, String>> validFiles() {
    return values().map(v -> Tuple.of(v.get1(), CODECS.get(v.get1()).writer().apply(v.get2())));
  }

  /** Any JSON value, its object fields mostly named like the state files' own. */
  @Provide
  Arbitrary<JsonNode> json() {
    Arbitrary<JsonNode> leaf = Arbitraries.oneOf(
        Arbitraries.longs().map(n -> (JsonNode) PLAIN.getNodeFactory().numberNode(n)),
        Arbitraries.doubles().map(n -> (JsonNode) PLAIN.getNodeFactory().numberNode(n)),
        Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(30).negate(), java.math.BigInteger.TEN.pow(30))
            .map(n -> (JsonNode) PLAIN.getNodeFactory().numberNode(n)),
        text().map(s -> (JsonNode) PLAIN.getNodeFactory().textNode(s)),
        Arbitraries.of("2024-05-01T10:00:00Z", "PT10M", "-PT1S", "high", "HIGH", "POWERED_ON", "vm1", "")
            .map(s -> (JsonNode) PLAIN.getNodeFactory().textNode(s)),
        Arbitraries.of(true, false).map(b -> (JsonNode) PLAIN.getNodeFactory().booleanNode(b)),
        Arbitraries.just((JsonNode) PLAIN.getNodeFactory().nullNode()));
    Arbitrary<JsonNode> array = Arbitraries.lazy(this::json).list().ofMaxSize(3).map(l -> {
      ArrayNode a = PLAIN.createArrayNode();
      l.forEach(a::add);
      return a;
    });
    Arbitrary<String> names = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.of(FIELDS)), Tuple.of(1, text()));
    Arbitrary<JsonNode> object = Combinators.combine(names, Arbitraries.lazy(this::json)).as(Map::entry).list()
        .ofMaxSize(4).map(l -> {
          ObjectNode o = PLAIN.createObjectNode();
          l.forEach(e -> o.set(e.getKey(), e.getValue()));
          return o;
        });
    return Arbitraries.frequencyOf(Tuple.of(6, leaf), Tuple.of(1, array), Tuple.of(2, object));
  }
}
