package dev.vmha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Build checks (issue 21): a state machine ({@code *Machine*.java}) and the classes of its own package it uses decide
 * without actors or clocks — they name neither {@code org.apache.pekko} nor {@code java.time.Clock}; time and I/O
 * reach them as inputs, and leave as effects. Every timing bound is derived in {@code timing.TimingRules}: no other
 * main file multiplies or divides a duration or adds to a setting's.
 */
class ArchitectureTest {
  private static final Path MAIN = Path.of("src/main/java");
  private static final List<String> FORBIDDEN = List.of("org.apache.pekko", "java.time.Clock");
  private static final Path TIMING_RULES = MAIN.resolve("dev/vmha/timing/TimingRules.java");
  /**
   * The lab's and the simulation's harnesses (their holds are a scenario's choice; their budgets, in LabBounds, are
   * built from the rules).
   */
  private static final List<Path> HARNESSES = List.of(MAIN.resolve("dev/vmha/lab"), MAIN.resolve("dev/vmha/sim"));
  /** A duration multiplied or divided, or a setting's duration (by its usual names) added to or reduced. */
  private static final Pattern DURATION_ARITHMETIC = Pattern.compile("\\.(multipliedBy|dividedBy)\\("
      + "|\\b(hostTimeout|\\w*[iI]nterval|\\w*[wW]indow|\\w*Timeout|\\w*Max|expiry|fenceAfter|\\w*[dD]elay|backoff)"
      + "(\\(\\))?\\.(plus|minus)\\(");

  @Test
  void machinesUseNeitherPekkoNorAClock() {
    List<Path> machines = javaFiles(MAIN).filter(p -> p.getFileName().toString().contains("Machine")).toList();
    assertFalse(machines.isEmpty(), "no *Machine*.java under " + MAIN.toAbsolutePath());
    Set<String> violations = new TreeSet<>();
    for (Path machine : machines) violations.addAll(violations(machine));
    assertEquals(Set.of(), violations);
  }

  /** The check can fail: the master's shell is an actor. */
  @Test
  void theCheckFindsPekkoInAShell() {
    assertFalse(violations(MAIN.resolve("dev/vmha/master/MasterCoordinator.java")).isEmpty());
  }

  @Test
  void timingBoundsAreDerivedInTheTimingRulesOnly() {
    Set<String> violations = new TreeSet<>();
    javaFiles(MAIN).filter(p -> !p.equals(TIMING_RULES)).filter(p -> HARNESSES.stream().noneMatch(p::startsWith))
        .forEach(p -> violations.addAll(durationArithmetic(p, code(read(p)))));
    assertEquals(Set.of(), violations);
  }

  /** The check can fail: it sees arithmetic on a setting, and not a clock reading moved on. */
  @Test
  void theTimingCheckFindsArithmeticOnASetting() {
    Path p = MAIN.resolve("Example.java");
    assertFalse(durationArithmetic(p, "Duration d = s.hostTimeout().dividedBy(3);").isEmpty());
    assertFalse(durationArithmetic(p, "Duration d = hostTimeout.plus(electionWindow);").isEmpty());
    assertFalse(durationArithmetic(p, "Duration d = t.window().plus(t.hostTimeout());").isEmpty());
    assertEquals(Set.of(), durationArithmetic(p, "Instant next = s.now().plus(interval);"));
  }

  private static Set<String> durationArithmetic(Path file, String code) {
    Set<String> found = new TreeSet<>();
    for (String line : code.split("\n")) {
      if (DURATION_ARITHMETIC.matcher(line).find()) found.add(MAIN.relativize(file) + ": " + line.strip());
    }
    return found;
  }

  /** The forbidden names in {@code start} and in every class of its package it uses, transitively. */
  private static Set<String> violations(Path start) {
    Set<String> found = new TreeSet<>();
    Set<Path> seen = new TreeSet<>();
    Deque<Path> todo = new ArrayDeque<>(List.of(start));
    while (!todo.isEmpty()) {
      Path file = todo.poll();
      if (!seen.add(file)) continue;
      String text = code(read(file));
      for (String name : FORBIDDEN) {
        if (text.contains(name)) found.add(MAIN.relativize(file) + " names " + name);
      }
      try (Stream<Path> siblings = Files.list(file.getParent())) {
        siblings.filter(p -> p.toString().endsWith(".java")).filter(p -> !seen.contains(p))
            .filter(p -> uses(text, p.getFileName().toString().replace(".java", ""))).forEach(todo::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return found;
  }

  /** The text without its comments: a machine's javadoc may name its shell. */
  private static String code(String text) {
    return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
  }

  private static boolean uses(String text, String className) {
    return Pattern.compile("\\b" + Pattern.quote(className) + "\\b").matcher(text).find();
  }

  private static Stream<Path> javaFiles(Path root) {
    try {
      return Files.walk(root).filter(p -> p.toString().endsWith(".java")).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
