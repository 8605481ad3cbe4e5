package dev.vmha.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EvidenceTest {

  @Test
  void aSilenceIsProvenByTheYoungestDatastoreHeartbeatOnlyWhenTheFailureDetectorDoesNotHearTheHost() {
    Map<String, Duration> ages = Map.of("ds1", Duration.ofSeconds(20), "ds2", Duration.ofSeconds(12));
    assertEquals(Optional.of(Duration.ofSeconds(12)),
        Evidence.silenceProvenByDatastores(ages, Reachability.UNREACHABLE));
    assertEquals(Optional.of(Duration.ofSeconds(12)),
        Evidence.silenceProvenByDatastores(ages, Reachability.UNKNOWN));
    assertEquals(Optional.empty(), Evidence.silenceProvenByDatastores(ages, Reachability.REACHABLE),
        "a host the failure detector hears may beat any moment (its storage alone may be lost)");
    assertEquals(Optional.empty(), Evidence.silenceProvenByDatastores(Map.of(), Reachability.UNREACHABLE));
  }
}
