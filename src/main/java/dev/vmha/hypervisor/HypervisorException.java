package dev.vmha.hypervisor;

/** The hypervisor refused or failed an operation. */
public final class HypervisorException extends RuntimeException {
  public HypervisorException(String message) {
    super(message);
  }

  public HypervisorException(String message, Throwable cause) {
    super(message, cause);
  }
}
