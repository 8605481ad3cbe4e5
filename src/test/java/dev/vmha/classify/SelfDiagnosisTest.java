package dev.vmha.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.classify.SelfDiagnosis.Result;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Seed 000's three conditions: isolated only when all three hold. Every combination, written out. */
class SelfDiagnosisTest {

  static Stream<Arguments> table() {
    // master heartbeat heard, isolation address answers, election traffic seen -> result
    return Stream.of(
        Arguments.of(false, false, false, Result.ISOLATED),
        Arguments.of(false, false, true, Result.PARTITIONED),
        Arguments.of(false, true, false, Result.PARTITIONED),
        Arguments.of(false, true, true, Result.PARTITIONED),
        Arguments.of(true, false, false, Result.PARTITIONED),
        Arguments.of(true, false, true, Result.PARTITIONED),
        Arguments.of(true, true, false, Result.PARTITIONED),
        Arguments.of(true, true, true, Result.PARTITIONED));
  }

  @ParameterizedTest(name = "master={0} address={1} traffic={2} -> {3}")
  @MethodSource("table")
  void threeConditions(boolean master, boolean address, boolean traffic, Result expected) {
    assertEquals(expected, SelfDiagnosis.diagnose(new SelfDiagnosis.Signals(master, address, traffic)).result());
  }
}
