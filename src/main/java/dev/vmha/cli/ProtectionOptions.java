package dev.vmha.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmha.api.VmRequest;
import dev.vmha.history.EventLog;
import java.util.List;
import picocli.CommandLine.Option;

/** How HA restarts a VM, as {@code vm protect} and {@code vm set} take it: each option left out keeps the VM's. */
final class ProtectionOptions {
  /** Only the fields given: a change names what it changes. */
  private static final ObjectMapper JSON = EventLog.JSON.copy().setDefaultPropertyInclusion(
      JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS));

  @Option(names = "--priority", description = "Restart priority: highest, high, medium, low, lowest, disabled"
      + " (vSphere) or restart, best-effort, unprotected (XenServer).")
  String priority;

  @Option(names = "--order", description = "Start order within its priority, 0 first.")
  Integer order;

  @Option(names = "--after", split = ",", description = "VMs that must be ready before this one starts"
      + " (its dependencies; replaces the VM's).")
  List<String> after;

  @Option(names = "--ready", description = "When VMs ordered after it may start: resources-allocated or powered-on.")
  String ready;

  @Option(names = "--ready-timeout", description = "Seconds after which VMs ordered after it start anyway.")
  Long readyTimeoutSeconds;

  @Option(names = "--isolation-response", description = "What this VM's host does with it when isolated:"
      + " power-off, shutdown or leave-powered-on (overrides the configured response).")
  String isolationResponse;

  /** The body of a protection change: only these fields, the VM named by the path. */
  String body() throws JsonProcessingException {
    return JSON.writeValueAsString(new VmRequest(null, null, null, null, priority, order, ready,
        readyTimeoutSeconds, after, isolationResponse));
  }
}
