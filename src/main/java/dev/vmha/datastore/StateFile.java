package dev.vmha.datastore;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

/**
 * The format of every datastore state file: one line holding one JSON document {@code {"vmha":"<kind>","format":2,
 * "content":{...}}}, then a last line {@code crc32=<hex>} over everything before it. Jackson escapes every separator,
 * quote, newline and non-ASCII character, so any string round-trips and a file is plain ASCII. Reading is strict: an
 * unknown or missing field, a null or a value of the wrong type makes the file corrupt. Files are written to a
 * temporary name and renamed, and the checksum catches what a shared file system still tears or truncates. A file in
 * the first, positional text format ({@link LegacyStateFile}) is still read, and rewritten in this one by its writer.
 */
public final class StateFile {
  static final int FORMAT_VERSION = 2;

  private static final ObjectMapper JSON = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new Jdk8Module())
      // times only as ISO-8601 text: Jackson's own readers also take numbers, which nothing here writes
      .addModule(new SimpleModule()
          .addDeserializer(Instant.class, isoText(Instant.class, Instant::parse))
          .addDeserializer(Duration.class, isoText(Duration.class, Duration::parse)))
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
          DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
          DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
          DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT, DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY,
          DeserializationFeature.READ_DATE_TIMESTAMPS_AS_NANOSECONDS)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .withCoercionConfigDefaults(c -> c.setAcceptBlankAsEmpty(false)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
      .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .defaultSetterInfo(JsonSetter.Value.construct(Nulls.FAIL, Nulls.FAIL))
      .defaultLeniency(false)
      .build();

  /** Reads a file of the first format, whose header was {@code vmha <kind> 1}. */
  interface Legacy<T> {
    T read(Path file, LegacyStateFile.Fields fields) throws CorruptStateFileException;
  }

  private StateFile() {}

  private static <T> StdDeserializer<T> isoText(Class<T> type, Function<String, T> parse) {
    return new StdDeserializer<>(type) {
      @Override
      public T deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (!p.hasToken(JsonToken.VALUE_STRING)) return type.cast(ctx.handleUnexpectedToken(type, p));
        try {
          return parse.apply(p.getText());
        } catch (DateTimeParseException e) {
          return type.cast(ctx.handleWeirdStringValue(type, p.getText(), "not ISO-8601"));
        }
      }
    };
  }

  public static String encode(String kind, Object content) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("vmha", kind);
    doc.put("format", FORMAT_VERSION);
    doc.set("content", JSON.valueToTree(content));
    try {
      String body = JSON.writeValueAsString(doc) + "\n";
      return body + "crc32=" + crc(body) + "\n";
    } catch (JacksonException e) {
      throw new IllegalArgumentException("state file " + kind + " cannot be written: " + e.getOriginalMessage(), e);
    }
  }

  /** The content of a file of a kind that never had the first format (a file in it is corrupt). */
  public static <T> T decode(Path file, String kind, String text, Class<T> type) throws CorruptStateFileException {
    return decode(file, kind, text, type, (f, fields) -> {
      throw new CorruptStateFileException(f, "a " + kind + " file has no first format");
    });
  }

  /** The content of a file of the given kind, or why it cannot be trusted. */
  static <T> T decode(Path file, String kind, String text, Class<T> type, Legacy<T> legacy)
      throws CorruptStateFileException {
    return decode(file, kind, text, type, legacy, Map.of());
  }

  /**
   * The same, where {@code added} names fields added to the content since format 2 began, with the value a file
   * written before them means: such a file lacks them, and reads as that (every other field stays required). A name
   * is a path: {@code vms.*.protection.isolationResponse} is the field in every entry of the map {@code vms}.
   */
  static <T> T decode(Path file, String kind, String text, Class<T> type, Legacy<T> legacy, Map<String, Object> added)
      throws CorruptStateFileException {
    int crcAt = text.lastIndexOf("crc32=");
    if (crcAt < 0 || !text.endsWith("\n")) throw new CorruptStateFileException(file, "truncated (no checksum line)");
    String body = text.substring(0, crcAt);
    String expected = text.substring(crcAt + "crc32=".length()).trim();
    if (!expected.equals(crc(body))) throw new CorruptStateFileException(file, "checksum mismatch");
    if (body.startsWith(LegacyStateFile.HEADER_PREFIX)) {
      return legacy.read(file, LegacyStateFile.fields(file, kind, body));
    }
    if (body.indexOf('\n') != body.length() - 1) {
      throw new CorruptStateFileException(file, "expected one JSON line before the checksum line");
    }
    try {
      JsonNode doc = JSON.readTree(body);
      List<String> fields = doc == null ? List.of() : names(doc.fieldNames());
      if (doc == null || !doc.isObject() || !fields.equals(List.of("vmha", "format", "content"))) {
        throw new CorruptStateFileException(file, "expected a JSON object with the fields vmha, format and content,"
            + " found " + (doc != null && doc.isObject() ? fields : describe(doc)));
      }
      if (!doc.get("vmha").isTextual() || !doc.get("vmha").asText().equals(kind)) {
        throw new CorruptStateFileException(file, "expected a " + kind + " file, found vmha " + doc.get("vmha"));
      }
      if (!doc.get("format").isInt() || doc.get("format").asInt() != FORMAT_VERSION) {
        throw new CorruptStateFileException(file, "format " + doc.get("format") + " is not " + FORMAT_VERSION
            + " (written by another vmha version)");
      }
      if (!doc.get("content").isObject()) {
        throw new CorruptStateFileException(file, "content is " + describe(doc.get("content")) + ", not an object");
      }
      ObjectNode content = (ObjectNode) doc.get("content");
      added.forEach((path, value) -> addMissing(content, List.of(path.split("\\.")), JSON.valueToTree(value)));
      return JSON.treeToValue(content, type);
    } catch (JacksonException e) {
      throw new CorruptStateFileException(file, where(e) + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw new CorruptStateFileException(file, e.getMessage());
    }
  }

  /** Sets the field at {@code path} under {@code node} where it is missing; a path that leads nowhere sets nothing. */
  private static void addMissing(JsonNode node, List<String> path, JsonNode value) {
    if (!(node instanceof ObjectNode o)) return;
    String head = path.get(0);
    if (path.size() == 1) {
      if (!o.has(head)) o.set(head, value);
    } else if (head.equals("*")) {
      o.forEach(child -> addMissing(child, path.subList(1, path.size()), value));
    } else {
      addMissing(o.get(head), path.subList(1, path.size()), value);
    }
  }

  /** The field path of a mapping error, "content.vms.db1.host: ", so the message names what is wrong. */
  private static String where(JacksonException e) {
    if (!(e instanceof JsonMappingException m) || m.getPath().isEmpty()) return "";
    return "content" + m.getPath().stream()
        .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining()) + ": ";
  }

  private static String describe(JsonNode n) {
    return n == null ? "nothing" : "a JSON " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static List<String> names(Iterator<String> it) {
    List<String> l = new java.util.ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  private static String crc(String s) {
    CRC32 c = new CRC32();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(c.getValue());
  }
}
