package dev.vmha.ping;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** The I/O boundary for reachability probes: completes with whether the target answered within the timeout. */
public interface Pinger {
  CompletionStage<Boolean> ping(PingTarget target, Duration timeout);
}
