package dev.vmha.api;

/** Who sent an API request: the name of the token it carried (never its secret) and that token's role. */
public record ApiCaller(String token, ApiRole role) {
  /** Every request when authentication is switched off (vmha.api.auth = "none"): no name, every right. */
  public static final ApiCaller ANONYMOUS = new ApiCaller("(none: vmha.api.auth = none)", ApiRole.ADMIN);
}
