package dev.vmha.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The election machine and its types stay pure (issue 21): no Pekko and no clock, so a test or the simulation drives
 * them with inputs alone. Checked on the sources, as a build step would.
 */
class ElectionMachinePurityTest {
  private static final Path PACKAGE = Path.of("src/main/java/dev/vmha/election");
  private static final List<String> MACHINE = List.of(
      "ElectionMachine", "ElectionState", "ElectionInput", "ElectionEffect", "ElectionConfig", "Role");

  @Test
  void theMachineImportsNeitherPekkoNorAClock() throws IOException {
    for (String type : MACHINE) {
      List<String> forbidden = Files.readAllLines(PACKAGE.resolve(type + ".java")).stream()
          .filter(l -> l.startsWith("import "))
          .filter(l -> l.contains("org.apache.pekko") || l.contains("java.time.Clock") || l.contains("ElectionFsm"))
          .toList();
      assertEquals(List.of(), forbidden, type + " must stay pure");
    }
  }

  @Test
  void theCheckSeesAnImpureFile() throws IOException {
    assertTrue(Files.readAllLines(PACKAGE.resolve("ElectionFsm.java")).stream()
        .anyMatch(l -> l.startsWith("import org.apache.pekko")), "the shell is where Pekko lives");
  }
}
