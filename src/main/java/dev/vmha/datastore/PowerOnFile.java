package dev.vmha.datastore;

import dev.vmha.hypervisor.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code host-<id>-poweron}: the VMs powered on at that host and, as its first entry, the flag the
 * host raises when it declares itself isolated. Then {@code vms} are the VMs it stopped by its isolation response.
 * {@code watchdogArmed}: the host's watchdog is armed, so its VMs stop when its agent stops renewing their leases (a
 * file without the entry says false).
 */
public record PowerOnFile(String hostId, boolean isolated, List<VmSpec> vms, boolean watchdogArmed) {
  static final String KIND = "poweron";

  public PowerOnFile {
    vms = List.copyOf(vms);
  }

  /** Without an armed watchdog. */
  public PowerOnFile(String hostId, boolean isolated, List<VmSpec> vms) {
    this(hostId, isolated, vms, false);
  }

  String encode() {
    List<Map.Entry<String, String>> e = new ArrayList<>();
    e.add(Map.entry("isolated", Boolean.toString(isolated)));
    e.add(Map.entry("host", hostId));
    for (VmSpec vm : vms) e.add(Map.entry("vm", Fields.vm(vm)));
    if (watchdogArmed) e.add(Map.entry("watchdog", "armed"));
    return StateFile.encode(KIND, e);
  }

  static PowerOnFile decode(Path file, String text) throws CorruptStateFileException {
    Fields f = new Fields(file, StateFile.decode(file, KIND, text));
    String isolated = f.one("isolated");
    if (!isolated.equals("true") && !isolated.equals("false")) {
      throw new CorruptStateFileException(file, "isolated is neither true nor false: " + isolated);
    }
    List<VmSpec> vms = new ArrayList<>();
    for (String v : f.all("vm")) vms.add(f.vm(v, 0, new ArrayList<>()));
    return new PowerOnFile(f.one("host"), Boolean.parseBoolean(isolated), vms, f.all("watchdog").contains("armed"));
  }
}
