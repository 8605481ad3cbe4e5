package dev.vmha.classify;

import dev.vmha.JsonSerializable;

/**
 * A host that lost its master (or, as master, all its slaves) asks whether it is isolated (seed 000): only when all
 * three hold — no heartbeat from a master, no isolation address answers, no election traffic from any other host.
 * If any one fails, the host is merely partitioned from some of the cluster. Pure.
 */
public final class SelfDiagnosis {

  public enum Result { ISOLATED, PARTITIONED }

  public record Finding(Result result, String reason) {}

  /** What the host observed during its diagnosis: the whole input, recorded with the finding for replay. */
  public record Signals(boolean masterHeartbeatHeard, boolean isolationAddressAnswered, boolean electionTrafficSeen)
      implements JsonSerializable {}

  private SelfDiagnosis() {}

  public static Finding diagnose(Signals s) {
    if (s.masterHeartbeatHeard()) return new Finding(Result.PARTITIONED, "a master's heartbeat is heard");
    if (s.isolationAddressAnswered()) return new Finding(Result.PARTITIONED, "an isolation address answers");
    if (s.electionTrafficSeen()) return new Finding(Result.PARTITIONED, "election traffic from another host is seen");
    return new Finding(Result.ISOLATED, "no master heartbeat, no isolation address answers, no election traffic");
  }
}
