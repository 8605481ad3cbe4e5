package dev.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;

/**
 * Every refusal of the HTTP API, as JSON {@code {"error": "...", "field": "..."}}: what is wrong and, when one field of
 * the request is, which. Never an input echoed at length, a parser's internals or a stack trace.
 */
public record ApiError(String error, @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> field) {
  /** The longest part of a request an answer quotes (a field name, a path): hostile input is not echoed. */
  static final int QUOTED = 64;

  public static ApiError of(String error) {
    return new ApiError(error, Optional.empty());
  }

  public static ApiError field(String field, String error) {
    return new ApiError(error, Optional.of(clip(field)));
  }

  /** At most {@link #QUOTED} characters of a string from a request, and how long it was when clipped. */
  static String clip(String s) {
    return clip(s, QUOTED);
  }

  /** At most {@code max} characters of {@code s}, and how long it was when clipped. */
  static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " characters)";
  }
}
