package dev.vmha.datastore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The text format of every datastore state file: a header line {@code vmha <kind> 1}, {@code key=value} lines in
 * order (a key may repeat), and a last line {@code crc32=<hex>} over everything before it. Files are written to a
 * temporary name and renamed, and the checksum catches what a shared file system still tears or truncates.
 */
public final class StateFile {
  static final int FORMAT_VERSION = 1;

  private StateFile() {}

  public static String encode(String kind, List<Map.Entry<String, String>> entries) {
    StringBuilder body = new StringBuilder("vmha ").append(kind).append(' ').append(FORMAT_VERSION).append('\n');
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().isEmpty() || e.getKey().contains("=") || e.getKey().contains("\n")
          || e.getValue().contains("\n")) {
        throw new IllegalArgumentException("state file entry " + e + " cannot be written");
      }
      body.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    String checksum = crc(body.toString());
    return body.append("crc32=").append(checksum).append('\n').toString();
  }

  /** The entries of a file of the given kind, or why it cannot be trusted. */
  public static List<Map.Entry<String, String>> decode(Path file, String kind, String text)
      throws CorruptStateFileException {
    int crcAt = text.lastIndexOf("crc32=");
    if (crcAt < 0 || !text.endsWith("\n")) throw new CorruptStateFileException(file, "truncated (no checksum line)");
    String body = text.substring(0, crcAt);
    String expected = text.substring(crcAt + "crc32=".length()).trim();
    if (!expected.equals(crc(body))) throw new CorruptStateFileException(file, "checksum mismatch");
    String[] lines = body.split("\n");
    String header = "vmha " + kind + " " + FORMAT_VERSION;
    if (lines.length == 0 || !lines[0].equals(header)) {
      throw new CorruptStateFileException(file, "expected header '" + header + "', found '" + (lines.length == 0 ? "" : lines[0]) + "'");
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int eq = lines[i].indexOf('=');
      if (eq <= 0) throw new CorruptStateFileException(file, "line " + (i + 1) + " is not key=value");
      entries.add(Map.entry(lines[i].substring(0, eq), lines[i].substring(eq + 1)));
    }
    return entries;
  }

  private static String crc(String s) {
    CRC32 c = new CRC32();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(c.getValue());
  }
}
