package dev.vmha.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.demo.DiskCheck.Incarnation;
import dev.vmha.demo.DiskCheck.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiskCheckTest {

  @Test
  void emptyDiskIsSafe() {
    Result r = DiskCheck.check(List.of());
    assertTrue(r.safe());
    assertEquals(List.of(), r.incarnations());
    assertEquals(List.of(), r.badLines());
    assertNull(r.lastHost());
    assertEquals(0, r.lastWriteMicros());
  }

  @Test
  void oneIncarnation() {
    Result r = DiskCheck.check(List.of("esxi1 1 100", "esxi1 2 200", "esxi1 3 300"));
    assertEquals(List.of(new Incarnation("esxi1", 100, 300, 3)), r.incarnations());
    assertTrue(r.safe());
    assertEquals("esxi1", r.lastHost());
    assertEquals(300, r.lastWriteMicros());
  }

  @Test
  void sequentialIncarnationsOnDifferentHostsAreSafe() {
    Result r = DiskCheck.check(List.of(
        "esxi2 1 100", "esxi2 2 200", "esxi2 3 300",
        "esxi3 1 1000", "esxi3 2 1100",
        "esxi4 1 5000"));
    assertEquals(List.of(
        new Incarnation("esxi2", 100, 300, 3),
        new Incarnation("esxi3", 1000, 1100, 2),
        new Incarnation("esxi4", 5000, 5000, 1)), r.incarnations());
    assertTrue(r.safe(), r.overlaps().toString());
    assertEquals("esxi4", r.lastHost());
    assertEquals(5000, r.lastWriteMicros());
  }

  @Test
  void interleavedIncarnationsAreAnOverlap() {
    Result r = DiskCheck.check(List.of(
        "a 1 100", "b 1 150", "a 2 200", "b 2 250", "a 3 300", "b 3 350"));
    assertEquals(List.of(new Incarnation("a", 100, 300, 3), new Incarnation("b", 150, 350, 3)), r.incarnations());
    assertFalse(r.safe());
    assertEquals(1, r.overlaps().size());
    String o = r.overlaps().get(0);
    assertTrue(o.contains("host=a") && o.contains("host=b") && o.contains(" overlaps "), o);
    assertEquals("b", r.lastHost());
  }

  @Test
  void overlapIsFoundWhateverTheLineOrder() {
    // the same interleaving, but the lines of each host appended in blocks
    Result r = DiskCheck.check(List.of("b 1 150", "b 2 250", "b 3 350", "a 1 100", "a 2 200", "a 3 300"));
    assertEquals(List.of(new Incarnation("a", 100, 300, 3), new Incarnation("b", 150, 350, 3)), r.incarnations());
    assertFalse(r.safe());
  }

  @Test
  void restartOnTheSameHostIsANewIncarnation() {
    Result r = DiskCheck.check(List.of("a 1 100", "a 2 200", "a 3 300", "a 1 400", "a 2 500"));
    assertEquals(List.of(new Incarnation("a", 100, 300, 3), new Incarnation("a", 400, 500, 2)), r.incarnations());
    assertTrue(r.safe());
    assertEquals("a", r.lastHost());
  }

  @Test
  void twoCopiesOnTheSameHostAtOnceAreAnOverlap() {
    Result r = DiskCheck.check(List.of("a 1 100", "a 1 150", "a 2 200", "a 2 250", "a 3 300"));
    assertEquals(2, r.incarnations().size());
    assertFalse(r.safe());
  }

  @Test
  void threeOverlappingIncarnationsGiveEveryPair() {
    Result r = DiskCheck.check(List.of("a 1 100", "b 1 110", "c 1 120", "a 2 200", "b 2 210", "c 2 220"));
    assertEquals(3, r.incarnations().size());
    assertEquals(3, r.overlaps().size());
  }

  @Test
  void failoverAfterCrashIsSafeButBackAndForthIsNot() {
    Result safe = DiskCheck.check(List.of("a 1 100", "a 2 200", "b 1 300", "b 2 400"));
    assertTrue(safe.safe());
    Result unsafe = DiskCheck.check(List.of("a 1 100", "a 2 200", "b 1 300", "b 2 400", "a 3 500"));
    assertFalse(unsafe.safe(), "a kept running while b ran");
    assertEquals(List.of(new Incarnation("a", 100, 500, 3), new Incarnation("b", 300, 400, 2)), unsafe.incarnations());
  }

  @Test
  void badLinesAreCollectedAndSkipped() {
    Result r = DiskCheck.check(List.of(
        "a 1 100", "garbage", "a x 150", "a 2 notatime", "a 2 200 extra", "a  2 200", "", "   ", "a 2 200"));
    assertEquals(List.of("garbage", "a x 150", "a 2 notatime", "a 2 200 extra", "a  2 200"), r.badLines());
    assertEquals(List.of(new Incarnation("a", 100, 200, 2)), r.incarnations());
    assertTrue(r.safe());
  }

  @Test
  void surroundingWhitespaceIsTolerated() {
    Result r = DiskCheck.check(List.of("  a 1 100", "a 2 200  "));
    assertEquals(List.of(), r.badLines());
    assertEquals(List.of(new Incarnation("a", 100, 200, 2)), r.incarnations());
  }

  @Test
  void lastHostIsTheOneThatWroteLast() {
    // b started first but wrote last
    Result r = DiskCheck.check(List.of("b 1 100", "b 2 900", "a 1 200", "a 2 300"));
    assertEquals("b", r.lastHost());
    assertEquals(900, r.lastWriteMicros());
    assertEquals("b", r.incarnations().get(0).host(), "incarnations are in order of start");
  }

  @Test
  void writesAtTheSameMicrosecondCountAsOverlap() {
    Result r = DiskCheck.check(List.of("a 1 100", "a 2 200", "b 1 200", "b 2 300"));
    assertFalse(r.safe(), "closed time spans: a's last write and b's first write at the same instant intersect");
  }
}
