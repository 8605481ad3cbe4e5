package dev.vmha.election;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.VmProtection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The host, settings and figures the election tests share: host5 under the vSphere defaults of seed 003. */
final class ElectionCase {
  static final String SELF = "host5";
  /** On loopback (the network rule), though no test here sends it anything: the pinger is a stand-in. */
  static final String ISOLATION_ADDRESS = "127.0.0.254";
  /**
   * vSphere defaults (seed 003): interval 1 s, hostTimeout 10 s, icmpPingTimeout 5 s; the election window 3 s, the
   * largest whole second allowed without datastores ((10 s - 2 s) / 2, exclusive), as the simulator's.
   */
  static final HaSettings SETTINGS = settings("");
  static final Duration INTERVAL = SETTINGS.failureDetectionInterval();
  static final Duration HOST_TIMEOUT = SETTINGS.hostTimeout();
  static final Duration WINDOW = SETTINGS.electionWindow();
  static final Duration PING_TIMEOUT = SETTINGS.icmpPingTimeout();
  static final int TIMEOUT_TICKS = ticks(HOST_TIMEOUT);
  static final int WINDOW_TICKS = ticks(WINDOW);
  static final int PING_TICKS = ticks(PING_TIMEOUT);
  /** host9's protected list, replicated to every host in its heartbeats. */
  static final ProtectedList HOST9_LIST = host9List(3);

  private ElectionCase() {}

  /** This host's settings with {@code extra} (HOCON) on top. */
  static HaSettings settings(String extra) {
    return HaSettings.from(ConfigFactory.parseString(extra).withFallback(ConfigFactory.parseString(
            "vmha.host.id = " + SELF + ", das.usedefaultisolationaddress = false, das.isolationaddress1 = \""
                + ISOLATION_ADDRESS + "\", vmha.hypervisor.type = in-memory, vmha.election.window = 3s"))
        .withFallback(HaSettings.defaults()).resolve());
  }

  static ProtectedList host9List(long version) {
    return new ProtectedList("host9", version, Map.of("vm7", new ProtectedList.Entry(new VmSpec("vm7", 256, 1),
        "host9", VmProtection.defaults(), ProtectedList.Recovery.NONE)));
  }

  static int ticks(Duration d) {
    return (int) (d.toMillis() / INTERVAL.toMillis());
  }

  static long ms(Instant at) {
    return at.toEpochMilli();
  }
}
