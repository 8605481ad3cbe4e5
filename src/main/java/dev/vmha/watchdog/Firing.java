package dev.vmha.watchdog;

import java.time.Instant;
import java.util.List;

/** The watchdog fired: when, which VMs it stopped, why. */
public record Firing(Instant at, List<String> stopped, String reason) {
  public Firing {
    stopped = List.copyOf(stopped);
  }
}
