package dev.vmha.master;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.vmha.JsonSerializable;
import dev.vmha.classify.Verdict;
import dev.vmha.restart.WaitReason;
import java.time.Instant;
import java.util.Optional;

/**
 * What the master knows of a protected VM, as {@code vmha status} shows it (issue 18 item 8): only what is known —
 * a VM on a host that is not heard is not "not running", it is running there as last reported, unknown since then.
 * In JSON the variant is the field {@code kind}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = VmState.Running.class, name = "running"),
    @JsonSubTypes.Type(value = VmState.LastReported.class, name = "last-reported"),
    @JsonSubTypes.Type(value = VmState.Unknown.class, name = "unknown"),
    @JsonSubTypes.Type(value = VmState.Fenced.class, name = "fenced"),
    @JsonSubTypes.Type(value = VmState.Starting.class, name = "starting"),
    @JsonSubTypes.Type(value = VmState.Waiting.class, name = "waiting"),
    @JsonSubTypes.Type(value = VmState.RetryScheduled.class, name = "retry-scheduled"),
    @JsonSubTypes.Type(value = VmState.GivenUp.class, name = "given-up"),
    @JsonSubTypes.Type(value = VmState.NotRunning.class, name = "not-running")})
public sealed interface VmState extends JsonSerializable {
  /** Where it runs, ran last, or is being started. */
  String host();

  /** The variant's name in JSON's {@code kind}: running, fenced, given-up, ... */
  static String kind(VmState s) {
    for (JsonSubTypes.Type t : VmState.class.getAnnotation(JsonSubTypes.class).value()) {
      if (t.value() == s.getClass()) return t.name();
    }
    throw new IllegalStateException("no JSON name for " + s.getClass().getSimpleName());
  }

  /** A live host reports it running (or starting) now. */
  record Running(String host) implements VmState {}

  /**
   * Its host is not heard (judged {@code verdict} for {@code why}, or silent and not judged yet) and its last report
   * listed it: running there as last reported, unknown since {@code unknownSince}. Nothing restarts it.
   */
  record LastReported(String host, Instant unknownSince, Verdict verdict, String why) implements VmState {}

  /** Its host is not heard and never reported it running: unknown since {@code unknownSince}. */
  record Unknown(String host, Instant unknownSince, Verdict verdict, String why) implements VmState {}

  /**
   * Powered off by its host's self-fence ({@code why}: the fence's reason), and the host is still fenced: this side
   * cannot start it (the other side may run it).
   */
  record Fenced(String host, String why) implements VmState {}

  /** Being started at {@code host} (attempt {@code attempt}) since {@code since}. */
  record Starting(String host, int attempt, Instant since) implements VmState {}

  /**
   * Lost from {@code host} ({@code lost}: why) and waiting to be restarted: {@code waitingFor} is the kind of what
   * holds it back (empty, null in JSON: placed in the next round), {@code why} in words.
   */
  record Waiting(String host, String lost, Optional<WaitReason> waitingFor, String why) implements VmState {}

  /** Lost from {@code host}; after {@code failedAttempts} failed starts it is tried again at {@code at}. */
  record RetryScheduled(String host, int failedAttempts, Instant at) implements VmState {}

  /** Not restarted any more: {@code why}. */
  record GivenUp(String host, String why) implements VmState {}

  /** Its host is heard and does not run it, and no restart is pending (yet). */
  record NotRunning(String host) implements VmState {}
}
