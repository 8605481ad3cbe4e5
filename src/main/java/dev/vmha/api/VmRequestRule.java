package dev.vmha.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.config.RestartSettings;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ProtectionChange;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code POST /api/v1/vms} accepts, checked before anything is asked of the master: a JSON object with only the
 * fields of {@link VmRequest}, each of its type (no coercion: {@code "1024"} is not a number), and every value in its
 * range. Whether each dependency names a protected VM only the master knows ({@code Dependencies.unknown}). Pure: no
 * actor, clock or I/O.
 */
public final class VmRequestRule {
  /** vSphere 8's largest VM: 24 TB. */
  public static final long MAX_MEMORY_MB = 24L * 1024 * 1024;
  /** vSphere 8's most virtual CPUs per VM. */
  public static final int MAX_CPUS = 768;
  /** A day: a longer ready timeout would hold the VMs ordered after this one back for days when it never gets ready. */
  public static final long MAX_READY_TIMEOUT_SECONDS = 86_400;

  private static final String FIELDS = "name, memoryMb, cpus, host, priority, order, ready, readyTimeoutSeconds,"
      + " dependsOn, isolationResponse";
  private static final String CHANGE = "priority, order, ready, readyTimeoutSeconds, dependsOn, isolationResponse";
  private static final String CHANGE_ONLY = "not part of a protection change, whose fields are " + CHANGE;
  private static final ObjectReader READER = strictReader();

  private VmRequestRule() {}

  /** A request that may go to the master, or why not. */
  public sealed interface Checked {}

  /** The VM, where to start it (empty: placement chooses), and its protection: the configured one with the request's fields over it. */
  public record Valid(VmSpec vm, Optional<String> host, VmProtection protection) implements Checked {}

  public record Invalid(ApiError error) implements Checked {}

  /** The body parsed and checked; the protection fields the request leaves out come from {@code restart}. */
  public static Checked check(String body, RestartSettings restart) {
    VmRequest req;
    try {
      req = READER.readValue(body);
    } catch (JsonProcessingException e) {
      return new Invalid(unreadable(e));
    }
    if (req == null) return new Invalid(ApiError.of("the body must be a JSON object with the fields " + FIELDS));
    return check(req, restart);
  }

  /** The fields checked one by one, in their order; the first that is wrong is named. */
  private static Checked check(VmRequest req, RestartSettings restart) {
    List<ApiError> errors = new ArrayList<>();
    if (req.name() == null) {
      errors.add(ApiError.field("name", "required: a VM name of " + VmSpec.NAME_RULE));
    } else if (!VmSpec.isValidName(req.name())) {
      errors.add(ApiError.field("name", "not a VM name (" + req.name().length() + " characters): "
          + VmSpec.NAME_RULE));
    }
    if (req.memoryMb() == null) {
      errors.add(ApiError.field("memoryMb", "required: the VM's memory in MB, 1 to " + MAX_MEMORY_MB));
    } else if (req.memoryMb() < 1 || req.memoryMb() > MAX_MEMORY_MB) {
      errors.add(ApiError.field("memoryMb", "must be 1 to " + MAX_MEMORY_MB + " (MB), was " + req.memoryMb()));
    }
    if (req.cpus() != null && (req.cpus() < 1 || req.cpus() > MAX_CPUS)) {
      errors.add(ApiError.field("cpus", "must be 1 to " + MAX_CPUS + ", was " + req.cpus()));
    }
    if (req.host() != null && !HaSettings.isValidHostId(req.host())) {
      errors.add(ApiError.field("host", "not a host id (" + req.host().length() + " characters): "
          + VmSpec.NAME_RULE + "; leave it out to let placement choose"));
    }
    ProtectionChange change = protection(req.name(), req, errors);
    if (!errors.isEmpty()) return new Invalid(errors.get(0));
    return new Valid(new VmSpec(req.name(), req.memoryMb(), req.cpus() == null ? 1 : req.cpus()),
        Optional.ofNullable(req.host()), change.applyTo(restart.protectionOf(req.name())));
  }

  /** A protection change that may go to the master, or why not. */
  public sealed interface CheckedChange {}

  public record ValidChange(ProtectionChange change) implements CheckedChange {}

  public record InvalidChange(ApiError error) implements CheckedChange {}

  /**
   * The body of a protection change of VM {@code vm} (protect, set): the protection fields of {@link VmRequest}, each
   * optional; the VM's own fields are not part of it. {@code needsOne}: a change that changes nothing is refused.
   */
  public static CheckedChange checkChange(String vm, String body, boolean needsOne) {
    VmRequest req;
    try {
      req = body.isBlank() ? new VmRequest(null, null, null, null, null, null, null, null, null, null) : READER.readValue(body);
    } catch (JsonProcessingException e) {
      return new InvalidChange(unreadable(e));
    }
    if (req == null) return new InvalidChange(ApiError.of("the body must be a JSON object with the fields " + CHANGE));
    List<ApiError> errors = new ArrayList<>();
    if (req.name() != null) errors.add(ApiError.field("name", "the VM is named by the path; " + CHANGE_ONLY));
    if (req.memoryMb() != null) errors.add(ApiError.field("memoryMb", CHANGE_ONLY));
    if (req.cpus() != null) errors.add(ApiError.field("cpus", CHANGE_ONLY));
    if (req.host() != null) errors.add(ApiError.field("host", CHANGE_ONLY + " (./vmha vm move moves a VM)"));
    ProtectionChange change = protection(vm, req, errors);
    if (errors.isEmpty() && needsOne && change.isEmpty()) {
      errors.add(ApiError.of("nothing to change: give at least one of " + CHANGE));
    }
    return errors.isEmpty() ? new ValidChange(change) : new InvalidChange(errors.get(0));
  }

  /** The protection fields of a request, checked one by one in their order; what is wrong goes to {@code errors}. */
  private static ProtectionChange protection(String vm, VmRequest req, List<ApiError> errors) {
    Optional<RestartPriority> priority = parsed(req.priority(), RestartPriority::parse, "priority", errors);
    if (req.order() != null && req.order() < 0) {
      errors.add(ApiError.field("order", "must be 0 or more (0 starts first), was " + req.order()));
    }
    Optional<ReadyCondition> ready = parsed(req.ready(), ReadyCondition::parse, "ready", errors);
    Long timeout = req.readyTimeoutSeconds();
    if (timeout != null && (timeout < 0 || timeout > MAX_READY_TIMEOUT_SECONDS)) {
      errors.add(ApiError.field("readyTimeoutSeconds", "must be 0 to " + MAX_READY_TIMEOUT_SECONDS + " (s), was "
          + timeout));
    }
    if (req.dependsOn() != null) dependencies(vm, req.dependsOn()).ifPresent(errors::add);
    Optional<IsolationResponse> isolation =
        parsed(req.isolationResponse(), IsolationResponse::parse, "isolationResponse", errors);
    return new ProtectionChange(priority, Optional.ofNullable(req.order()), ready,
        Optional.ofNullable(timeout).map(Duration::ofSeconds), Optional.ofNullable(req.dependsOn()), isolation);
  }

  /** Each entry a VM name, none twice, not the VM itself (a VM waiting for itself waits forever). */
  private static Optional<ApiError> dependencies(String vm, List<String> dependsOn) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < dependsOn.size(); i++) {
      String d = dependsOn.get(i);
      if (d == null) return Optional.of(ApiError.field("dependsOn", "entry " + i + " is null: each is a VM name"));
      if (!VmSpec.isValidName(d)) {
        return Optional.of(ApiError.field("dependsOn", "entry " + i + " is not a VM name (" + d.length()
            + " characters): " + VmSpec.NAME_RULE));
      }
      if (d.equals(vm)) return Optional.of(ApiError.field("dependsOn", vm + " cannot depend on itself"));
      if (!seen.add(d)) return Optional.of(ApiError.field("dependsOn", "names " + d + " twice"));
    }
    return Optional.empty();
  }

  /** A field parsed by a function whose IllegalArgumentException says what is allowed (and never echoes the value). */
  private static <T> Optional<T> parsed(
      String raw, java.util.function.Function<String, T> parse, String field, List<ApiError> errors) {
    if (raw == null) return Optional.empty();
    try {
      return Optional.of(parse.apply(raw));
    } catch (IllegalArgumentException e) {
      errors.add(ApiError.field(field, "must be " + e.getMessage()));
      return Optional.empty();
    }
  }

  /** What is wrong with a body the reader refused, in the API's words: the field, never Jackson's message. */
  static ApiError unreadable(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return ApiError.field(u.getPropertyName(), "unknown field; the fields are " + FIELDS);
    }
    if (e instanceof JsonMappingException m) {
      String field = m.getPath().stream().filter(r -> r.getFieldName() != null)
          .map(JsonMappingException.Reference::getFieldName).collect(Collectors.joining("."));
      if (field.isEmpty()) return ApiError.of("the body must be a JSON object with the fields " + FIELDS);
      return ApiError.field(field, "must be " + expected(field));
    }
    String at = Optional.ofNullable(e.getLocation()).filter(l -> l != JsonLocation.NA)
        .map(l -> " at line " + l.getLineNr() + ", column " + l.getColumnNr()).orElse("");
    Optional<String> current = e instanceof StreamReadException r && r.getProcessor() != null
        ? currentName(r.getProcessor()) : Optional.empty();
    if (e instanceof InputCoercionException && current.isPresent()) {
      return ApiError.field(current.get(), "must be " + expected(current.get()) + " (this one is out of range)");
    }
    if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field") && current.isPresent()) {
      return ApiError.field(current.get(), "given twice");
    }
    return ApiError.of("malformed JSON" + at);
  }

  private static Optional<String> currentName(JsonParser p) {
    try {
      return Optional.ofNullable(p.currentName());
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  /** What a field of {@link VmRequest} holds, for "must be ...". */
  private static String expected(String field) {
    return switch (field) {
      case "memoryMb", "readyTimeoutSeconds" -> "a whole number";
      case "cpus", "order" -> "a whole number (at most " + Integer.MAX_VALUE + ")";
      case "dependsOn" -> "a list of VM names";
      default -> "a string";
    };
  }

  /** Jackson as strict as the API: unknown or repeated fields, coerced scalars and trailing data are errors. */
  private static ObjectReader strictReader() {
    JsonMapper mapper = JsonMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT, DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        .build();
    for (LogicalType t : List.of(LogicalType.Textual, LogicalType.Integer, LogicalType.Collection)) {
      for (CoercionInputShape shape : CoercionInputShape.values()) {
        mapper.coercionConfigFor(t).setCoercion(shape, CoercionAction.Fail);
      }
    }
    return mapper.readerFor(VmRequest.class);
  }
}
