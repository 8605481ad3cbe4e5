package dev.vmha.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every {@link HaEvent} goes: one JSON line per event in {@code <data-dir>/events.jsonl}, a readable log line
 * (logger {@code vmha.events}), and a bounded in-memory tail for the status API. Thread-safe.
 */
public final class EventLog implements Consumer<HaEvent> {
  public static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
  private static final Logger LOG = LoggerFactory.getLogger("vmha.events");
  private static final int TAIL = 500;

  private final Optional<Path> file;
  private final ArrayDeque<HaEvent> tail = new ArrayDeque<>();

  private EventLog(Optional<Path> file) {
    this.file = file;
  }

  /** Events appended to {@code <dataDir>/events.jsonl}. */
  public static EventLog inDirectory(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dataDir, e);
    }
    return new EventLog(Optional.of(dataDir.resolve("events.jsonl")));
  }

  /** Events kept in memory and logged only (tests). */
  public static EventLog inMemory() {
    return new EventLog(Optional.empty());
  }

  @Override
  public synchronized void accept(HaEvent e) {
    LOG.info("{} {}", e.by(), e.describe());
    if (file.isPresent()) {
      try {
        Files.writeString(file.get(), JSON.writeValueAsString(e) + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException ex) {
        LOG.error("cannot append event to {}: {}", file.get(), ex.toString());
      }
    }
    tail.addLast(e);
    if (tail.size() > TAIL) tail.removeFirst();
  }

  public synchronized List<HaEvent> recent() {
    return new ArrayList<>(tail);
  }

  public static HaEvent parse(String jsonLine) throws IOException {
    return JSON.readValue(jsonLine, HaEvent.class);
  }
}
