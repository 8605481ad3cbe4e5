package dev.vmha.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DefaultGatewayTest {
  private static final String HEADER =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT";

  @Test
  void readsTheDefaultRoutesGatewayInLittleEndianHex() {
    List<String> table = List.of(HEADER,
        "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
        "eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0");
    assertEquals(Optional.of("192.168.0.1"), DefaultGateway.parse(table));
  }

  @Test
  void noDefaultRouteMeansNoGateway() {
    assertEquals(Optional.empty(), DefaultGateway.parse(List.of(HEADER,
        "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0")));
    assertEquals(Optional.empty(), DefaultGateway.parse(List.of()));
  }
}
