package dev.vmha.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** vmha.capacity and the das slot options, read through HaSettings as an agent reads them. */
class CapacitySettingsTest {
  private static final String VALID = """
      vmha.host.id = "esxi1"
      das.usedefaultisolationaddress = false
      das.isolationaddress1 = "127.0.0.1"
      """;

  private static CapacitySettings parse(String extra) {
    return HaSettings.from(ConfigFactory.parseString(VALID + extra).withFallback(HaSettings.defaults()).resolve())
        .capacity();
  }

  @Test
  void defaultsTolerateOneHostFailureByThePlanAndWarn() {
    CapacitySettings s = parse("");
    assertEquals(CapacitySettings.Policy.HOST_FAILURES, s.policy());
    assertEquals(1, s.hostFailures());
    assertEquals(CapacitySettings.Model.PLAN, s.model());
    assertEquals(new CapacitySettings.SlotOptions(256, 32, 0, 0), s.slots(), "seed 003's vSphere 5 minimums, no caps");
    assertEquals(25, s.cpuPercent());
    assertEquals(25, s.memoryPercent());
    assertEquals(List.of(), s.failoverHosts());
    assertEquals(CapacitySettings.Admission.WARN, s.admission());
    assertEquals(s, HaSettings.capacity(HaSettings.defaults()), "read alone (./vmha capacity without a host file)");
  }

  @Test
  void everyPolicyIsRead() {
    CapacitySettings s = parse("""
        vmha.capacity { policy = "failover-hosts", failover-hosts = ["host4", "host5"], admission = "refuse",
          host-failures = 3, model = "slots", percentage { cpu = 10, memory = 40 } }
        das { vmMemoryMinMB = 1024, vmCpuMinMHz = 100, slotMemInMB = 4096, slotCpuInMHz = 500 }
        """);
    assertEquals(CapacitySettings.Policy.FAILOVER_HOSTS, s.policy());
    assertEquals(List.of("host4", "host5"), s.failoverHosts());
    assertEquals(CapacitySettings.Admission.REFUSE, s.admission());
    assertEquals(3, s.hostFailures());
    assertEquals(CapacitySettings.Model.SLOTS, s.model());
    assertEquals(new CapacitySettings.SlotOptions(1024, 100, 4096, 500), s.slots());
    assertEquals(10, s.cpuPercent());
    assertEquals(40, s.memoryPercent());
    assertEquals(CapacitySettings.Policy.DISABLED, parse("vmha.capacity.policy = disabled").policy());
    assertEquals(CapacitySettings.Policy.PERCENTAGE, parse("vmha.capacity.policy = PERCENTAGE").policy());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "vmha.capacity.policy = \"n+1\"             | vmha.capacity.policy | \"n+1\" | one of \"host-failures\", \"percentage\", \"failover-hosts\", \"disabled\"",
      "vmha.capacity.host-failures = 0           | vmha.capacity.host-failures | 0 | 1",
      "vmha.capacity.host-failures = 32          | vmha.capacity.host-failures | 32 | 31",
      "vmha.capacity.model = \"slot\"            | vmha.capacity.model | \"slot\" | one of \"plan\", \"slots\"",
      "vmha.capacity.percentage.cpu = 101        | vmha.capacity.percentage.cpu | 101 | 100",
      "vmha.capacity.percentage.memory = -1      | vmha.capacity.percentage.memory | -1 | 0",
      "vmha.capacity.admission = \"deny\"        | vmha.capacity.admission | \"deny\" | one of \"refuse\", \"warn\"",
      "das.vmMemoryMinMB = 0                     | das.vmMemoryMinMB | 0 | 1",
      "das.slotMemInMB = 128                     | das.slotMemInMB | 128 | 0 (no cap) or at least das.vmMemoryMinMB (256)",
      "das.slotCpuInMHz = 16                     | das.slotCpuInMHz | 16 | 0 (no cap) or at least das.vmCpuMinMHz (32)",
      "vmha.capacity.failover-hosts = [\"a b\"]  | vmha.capacity.failover-hosts | \"a b\" | host ids of",
      "vmha.capacity.failover-hosts = [h1, h1]   | vmha.capacity.failover-hosts | [h1, h1] | distinct host ids",
      "vmha.capacity.policy = \"failover-hosts\" | vmha.capacity.failover-hosts | [] | at least one host id when",
      "vmha.capacity.failoverhosts = [h1]        | vmha.capacity.failoverhosts | set at | did you mean vmha.capacity.failover-hosts"})
  void badValuesAreRefusedNamingKeyValueAndWhatIsAllowed(String line, String key, String value, String allowed) {
    SettingsException e = assertThrows(SettingsException.class, () -> parse(line));
    String m = e.getMessage();
    assertTrue(m.contains(key + " = ") && m.contains(value) && m.contains(allowed), m);
  }
}
