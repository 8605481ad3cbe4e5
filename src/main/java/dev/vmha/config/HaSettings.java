package dev.vmha.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import dev.vmha.hypervisor.CallBounds;
import dev.vmha.hypervisor.ProcessHypervisor;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.Dependencies;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.security.ClusterCa;
import dev.vmha.timing.TimingRules;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Every vmha setting, read once from the {@code das} and {@code vmha} namespaces and validated at start. A bad
 * value throws {@link SettingsException} naming the key, the value and what is allowed.
 */
public record HaSettings(
    String hostId,
    String hostAddress,
    int clusterPort,
    int httpPort,
    long hostMemoryMb,
    int hostCpus,
    Path dataDir,
    String clusterName,
    List<String> seedNodes,
    List<Path> datastores,
    Duration failureDetectionInterval,
    Duration hostTimeout,
    Duration icmpPingTimeout,
    Duration deadIcmpPingInterval,
    int heartbeatDsPerHost,
    boolean useDefaultIsolationAddress,
    List<String> isolationAddresses,
    Duration electionWindow,
    Duration coldStartWait,
    PingMethod pingMethod,
    Duration powerOnTimeout,
    HypervisorType hypervisorType,
    Path diskDir,
    IsolationResponse isolationResponse,
    Map<String, IsolationResponse> vmIsolationResponse,
    Duration isolationShutdownTimeout,
    RestartSettings restart,
    TimingRules.Lease leaseTiming,
    HistorySettings history,
    WatchdogSettings watchdog,
    int apiMaxRequestsInFlight,
    ApiSettings api,
    TransportSettings transport,
    CapacitySettings capacity,
    AlertSettings alerts) {

  public enum PingMethod { ICMP, TCP }

  public enum HypervisorType { PROCESS, IN_MEMORY }

  private static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  private static final String NAME_RULE = "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit";
  private static final Set<String> PROTECTION_KEYS = Set.of("priority", "order", "ready", "ready-timeout", "depends-on");
  private static final Pattern HOST_PORT = Pattern.compile("[^:\\s]+:\\d{1,5}");
  /** das.isolationaddress1 .. 10: conf/vmha.conf can only show them in a comment (a set key is an address). */
  private static final List<String> ISOLATION_ADDRESS_KEYS =
      java.util.stream.IntStream.rangeClosed(1, 10).mapToObj(i -> "das.isolationaddress" + i).toList();

  /** Whether {@code id} is a valid host id ({@code vmha.host.id}): 1-63 letters, digits, '.', '_' or '-'. */
  public static boolean isValidHostId(String id) {
    return id != null && HOST_ID.matcher(id).matches();
  }

  /** The defaults shipped in conf/vmha.conf (copied into the jar). */
  public static Config defaults() {
    return ConfigFactory.parseResourcesAnySyntax("vmha.conf");
  }

  /** Reads a host file, falling back to the shipped defaults. */
  public static HaSettings load(File hostFile) {
    return load(hostFile, ConfigFactory.empty());
  }

  /** Reads a host file with some keys overridden (./vmha replay --set), falling back to the shipped defaults. */
  public static HaSettings load(File hostFile, Config overrides) {
    if (!hostFile.isFile()) {
      throw new SettingsException("--config", hostFile, "an existing HOCON file");
    }
    Config parsed;
    try {
      parsed = ConfigFactory.parseFile(hostFile);
    } catch (ConfigException e) {
      throw new SettingsException("--config", hostFile, "valid HOCON (" + e.getMessage() + ")");
    }
    return from(overrides.withFallback(parsed).withFallback(defaults()).resolve());
  }

  /** Every failure-detection bound derived from these settings. */
  public TimingRules.Detection detectionTiming() {
    return new TimingRules.Detection(failureDetectionInterval, hostTimeout, icmpPingTimeout, electionWindow);
  }

  /** How long one cluster and one master take after a heal, with the agent's Pekko config ({@code pekko}). */
  public TimingRules.Heal healTiming(Config pekko) {
    return TimingRules.Heal.of(failureDetectionInterval, hostTimeout, electionWindow, pekko);
  }

  public static HaSettings from(Config c) {
    if (c.hasPath("das.isolationaddress")) {
      throw new SettingsException("das.isolationaddress", c.getValue("das.isolationaddress").render(),
          "numbered keys das.isolationaddress1 .. das.isolationaddress10");
    }
    KnownKeys.check(c, defaults(), ISOLATION_ADDRESS_KEYS);
    String hostId = string(c, "vmha.host.id");
    if (!HOST_ID.matcher(hostId).matches()) {
      throw new SettingsException("vmha.host.id", quote(hostId), NAME_RULE);
    }
    Duration interval = duration(c, "das.failuredetectioninterval", ChronoUnit.MILLIS);
    Duration hostTimeout = duration(c, "das.config.fdm.hostTimeout", ChronoUnit.SECONDS);
    if (hostTimeout.compareTo(TimingRules.minHostTimeout(interval)) < 0) {
      throw new SettingsException("das.config.fdm.hostTimeout", hostTimeout,
          "at least 4 times das.failuredetectioninterval (" + dev.vmha.Durations.human(interval) + "), so heartbeats seen late are not taken"
              + " for lost ones");
    }
    int dsPerHost = intIn(c, "das.heartbeatdsperhost", 2, 5);
    List<String> seeds = stringList(c, "vmha.cluster.seed-nodes");
    if (seeds.isEmpty()) {
      throw new SettingsException("vmha.cluster.seed-nodes", "[]", "at least one host:port");
    }
    for (String s : seeds) {
      int port = HOST_PORT.matcher(s).matches() ? Integer.parseInt(s.substring(s.lastIndexOf(':') + 1)) : -1;
      if (port < 1 || port > 65535) {
        throw new SettingsException("vmha.cluster.seed-nodes", quote(s), "entries of the form host:port, port 1..65535");
      }
    }
    List<Path> datastores = new ArrayList<>();
    for (String d : stringList(c, "vmha.datastores")) {
      if (d.isBlank()) throw new SettingsException("vmha.datastores", quote(d), "directory paths");
      datastores.add(Path.of(d).toAbsolutePath().normalize());
    }
    if (datastores.stream().distinct().count() != datastores.size()) {
      throw new SettingsException("vmha.datastores", datastores, "distinct directories");
    }
    boolean useDefault = bool(c, "das.usedefaultisolationaddress");
    List<String> isolation = new ArrayList<>();
    for (String key : ISOLATION_ADDRESS_KEYS) {
      if (c.hasPath(key)) {
        String a = string(c, key);
        if (a.isBlank()) throw new SettingsException(key, quote(a), "an IP address or host name");
        isolation.add(a);
      }
    }
    if (useDefault) {
      String gw = DefaultGateway.fromProcNetRoute().orElseThrow(() -> new SettingsException(
          "das.usedefaultisolationaddress", true, "false with das.isolationaddressN set: this machine has no default gateway"));
      isolation.add(0, gw);
    } else if (isolation.isEmpty()) {
      throw new SettingsException("das.usedefaultisolationaddress", false,
          "true, or at least one das.isolationaddress1 .. das.isolationaddress10 (isolation needs an address to ping)");
    }
    Map<String, IsolationResponse> perVm = new TreeMap<>();
    if (c.hasPath("vmha.isolation.vm-response")) {
      for (String vm : c.getObject("vmha.isolation.vm-response").keySet()) {
        perVm.put(vm, enumOf(c, "vmha.isolation.vm-response." + com.typesafe.config.ConfigUtil.quoteString(vm), IsolationResponse.class));
      }
    }
    Path dataDir = Path.of(nonBlank(c, "vmha.host.data-dir"));
    int httpPort = intIn(c, "vmha.host.http-port", 0, 65535);
    PingMethod pingMethod = enumOf(c, "vmha.ping.method", PingMethod.class);
    WatchdogSettings watchdog = watchdog(c, hostTimeout, interval);
    // "" = vSphere's 15 s with datastores, half the limit below without
    Duration electionWindow = string(c, "vmha.election.window").isEmpty()
        ? TimingRules.defaultElectionWindow(!datastores.isEmpty(), hostTimeout, interval)
        : positive("vmha.election.window", duration(c, "vmha.election.window", ChronoUnit.SECONDS));
    Duration windowLimit = TimingRules.electionWindowLimit(hostTimeout, interval);
    if (datastores.isEmpty() && electionWindow.compareTo(windowLimit) >= 0) {
      throw new SettingsException("vmha.election.window", electionWindow, "less than (das.config.fdm.hostTimeout - 2 x"
          + " das.failuredetectioninterval) / 2 (" + dev.vmha.Durations.human(windowLimit) + ") without datastores, so a"
          + " host that cannot hear its master, which may elect twice, fences before the majority restarts its VMs;"
          + " \"\" (unset) takes half of that");
    }
    if (pingMethod == PingMethod.TCP && httpPort == 0) {
      throw new SettingsException("vmha.host.http-port", 0, "a fixed port when vmha.ping.method = \"tcp\" (the probe connects to it)");
    }
    return new HaSettings(
        hostId,
        nonBlank(c, "vmha.host.address"),
        intIn(c, "vmha.host.port", 0, 65535),
        httpPort,
        longIn(c, "vmha.host.memory-mb", 1, Long.MAX_VALUE),
        intIn(c, "vmha.host.cpus", 1, 4096),
        dataDir,
        nonBlank(c, "vmha.cluster.name"),
        List.copyOf(seeds),
        List.copyOf(datastores),
        positive("das.failuredetectioninterval", interval),
        hostTimeout,
        positive("das.config.fdm.icmpPingTimeout", duration(c, "das.config.fdm.icmpPingTimeout", ChronoUnit.SECONDS)),
        positive("das.config.fdm.deadIcmpPingInterval",
            duration(c, "das.config.fdm.deadIcmpPingInterval", ChronoUnit.SECONDS)),
        dsPerHost,
        useDefault,
        List.copyOf(isolation),
        electionWindow,
        coldStartWait(c),
        pingMethod,
        positive("vmha.restart.power-on-timeout", duration(c, "vmha.restart.power-on-timeout", ChronoUnit.SECONDS)),
        enumOf(c, "vmha.hypervisor.type", HypervisorType.class),
        diskDir(c, datastores, dataDir),
        enumOf(c, "vmha.isolation.response", IsolationResponse.class),
        Map.copyOf(perVm),
        positive("das.isolationShutdownTimeout", duration(c, "das.isolationShutdownTimeout", ChronoUnit.SECONDS)),
        restart(c),
        leaseTiming(c, hostTimeout, interval, watchdog),
        history(c, dataDir),
        watchdog,
        intIn(c, "vmha.api.max-requests-in-flight", 1, 10_000),
        api(c, dataDir),
        transport(c, hostId),
        capacity(c),
        alerts(c));
  }

  /** vmha.capacity and vSphere's slot options; ./vmha capacity reads them alone when it has no host file. */
  public static CapacitySettings capacity(Config c) {
    CapacitySettings.Policy policy = enumOf(c, "vmha.capacity.policy", CapacitySettings.Policy.class);
    long memoryMin = longIn(c, "das.vmMemoryMinMB", 1, Integer.MAX_VALUE);
    long cpuMin = longIn(c, "das.vmCpuMinMHz", 0, Integer.MAX_VALUE);
    long memoryCap = longIn(c, "das.slotMemInMB", 0, Integer.MAX_VALUE);
    long cpuCap = longIn(c, "das.slotCpuInMHz", 0, Integer.MAX_VALUE);
    // a cap below the minimum would make every slot the cap and the minimum meaningless
    if (memoryCap != 0 && memoryCap < memoryMin) {
      throw new SettingsException("das.slotMemInMB", memoryCap, "0 (no cap) or at least das.vmMemoryMinMB (" + memoryMin + ")");
    }
    if (cpuCap != 0 && cpuCap < cpuMin) {
      throw new SettingsException("das.slotCpuInMHz", cpuCap, "0 (no cap) or at least das.vmCpuMinMHz (" + cpuMin + ")");
    }
    List<String> failoverHosts = stringList(c, "vmha.capacity.failover-hosts");
    for (String h : failoverHosts) {
      if (!HOST_ID.matcher(h).matches()) throw new SettingsException("vmha.capacity.failover-hosts", quote(h), "host ids of " + NAME_RULE);
    }
    if (failoverHosts.stream().distinct().count() != failoverHosts.size()) {
      throw new SettingsException("vmha.capacity.failover-hosts", failoverHosts, "distinct host ids");
    }
    if (policy == CapacitySettings.Policy.FAILOVER_HOSTS && failoverHosts.isEmpty()) {
      throw new SettingsException("vmha.capacity.failover-hosts", "[]",
          "at least one host id when vmha.capacity.policy = \"failover-hosts\"");
    }
    return new CapacitySettings(policy,
        // vSphere's range for host failures the cluster tolerates
        intIn(c, "vmha.capacity.host-failures", 1, 31),
        enumOf(c, "vmha.capacity.model", CapacitySettings.Model.class),
        new CapacitySettings.SlotOptions(memoryMin, cpuMin, memoryCap, cpuCap),
        intIn(c, "vmha.capacity.percentage.cpu", 0, 100),
        intIn(c, "vmha.capacity.percentage.memory", 0, 100),
        failoverHosts,
        enumOf(c, "vmha.capacity.admission", CapacitySettings.Admission.class),
        positive("vmha.capacity.plan-timeout", duration(c, "vmha.capacity.plan-timeout", ChronoUnit.SECONDS)));
  }


  /** The alerts' settings; the webhook URL must be an absolute http(s) URL with a host. */
  private static AlertSettings alerts(Config c) {
    String url = string(c, "vmha.alerts.webhook.url");
    Optional<java.net.URI> webhook = Optional.empty();
    if (!url.isBlank()) {
      String allowed = "\"\" (no webhook) or an absolute http:// or https:// URL with a host";
      java.net.URI u;
      try {
        u = new java.net.URI(url.trim());
      } catch (java.net.URISyntaxException e) {
        // the URL may carry a secret: name what is wrong, never echo it
        throw new SettingsException("vmha.alerts.webhook.url", "(not shown)", allowed + "; it does not parse at"
            + " character " + e.getIndex());
      }
      if (u.getScheme() == null || !Set.of("http", "https").contains(u.getScheme().toLowerCase())
          || u.getHost() == null) {
        throw new SettingsException("vmha.alerts.webhook.url", "(not shown)", allowed + "; scheme "
            + u.getScheme() + ", host " + u.getHost());
      }
      webhook = Optional.of(u);
    }
    return new AlertSettings(
        intIn(c, "vmha.alerts.keep", 10, 100_000),
        webhook,
        positive("vmha.alerts.webhook.timeout", duration(c, "vmha.alerts.webhook.timeout", ChronoUnit.SECONDS)),
        intIn(c, "vmha.alerts.webhook.retries", 0, 20),
        positive("vmha.alerts.webhook.backoff", duration(c, "vmha.alerts.webhook.backoff", ChronoUnit.SECONDS)),
        intIn(c, "vmha.alerts.webhook.queue", 1, 100_000),
        Optional.of(string(c, "vmha.alerts.webhook.token-file")).filter(t -> !t.isBlank()).map(Path::of));
  }

  /** The API's authentication; the tokens file itself is read and checked when the agent starts (api.ApiAuth). */
  private static ApiSettings api(Config c, Path dataDir) {
    String tokens = string(c, "vmha.api.tokens-file");
    String token = string(c, "vmha.api.token-file");
    return new ApiSettings(enumOf(c, "vmha.api.auth", ApiSettings.Auth.class),
        tokens.isBlank() ? dataDir.resolve("api-tokens") : Path.of(tokens),
        token.isBlank() ? Optional.empty() : Optional.of(Path.of(token)));
  }

  /** How long a cold start waits for the configured hosts' ballots, from the agent's start (ElectionWindow). */
  private static Duration coldStartWait(Config c) {
    Duration d = duration(c, "vmha.election.cold-start-wait", ChronoUnit.SECONDS);
    if (d.isNegative()) {
      throw new SettingsException("vmha.election.cold-start-wait", d,
          "a duration of zero or more (zero: a cold start waits only for the hosts it sees starting)");
    }
    return d;
  }

  private static RestartSettings restart(Config c) {
    String failoverHost = string(c, "das.defaultfailoverhost");
    if (!failoverHost.isEmpty() && !HOST_ID.matcher(failoverHost).matches()) {
      throw new SettingsException("das.defaultfailoverhost", quote(failoverHost), "\"\" (none) or a host id: " + NAME_RULE);
    }
    VmProtection defaults = protection(c, "vmha.vm-defaults", Optional.empty());
    if (!defaults.dependsOn().isEmpty()) {
      // a default dependency would make every unlisted VM, the named one too, wait for it
      throw new SettingsException("vmha.vm-defaults.depends-on", defaults.dependsOn(),
          "[] (dependencies are set per VM under vmha.vms)");
    }
    Map<String, VmProtection> vms = new TreeMap<>();
    for (String vm : object(c, "vmha.vms").keySet()) {
      if (!VmSpec.isValidName(vm)) throw new SettingsException("vmha.vms", quote(vm), "VM names of " + NAME_RULE);
      vms.put(vm, protection(c, ConfigUtil.joinPath("vmha", "vms", vm), Optional.of(defaults)));
    }
    Map<String, List<String>> dependsOn = new TreeMap<>();
    vms.forEach((vm, p) -> dependsOn.put(vm, p.dependsOn()));
    Dependencies.findCycle(dependsOn).ifPresent(cycle -> {
      throw new SettingsException("vmha.vms", String.join(" -> ", cycle),
          "acyclic depends-on (VMs in a cycle would wait for each other forever)");
    });
    return new RestartSettings(
        // 32 attempts keep the doubling retry delay far from Duration's limit
        intIn(c, "das.maxvmrestartcount", 1, 32),
        positive("vmha.restart.retry-base-delay", duration(c, "vmha.restart.retry-base-delay", ChronoUnit.SECONDS)),
        intIn(c, "das.perHostConcurrentFailoversLimit", 1, Integer.MAX_VALUE),
        failoverHost.isEmpty() ? Optional.empty() : Optional.of(failoverHost),
        defaults,
        vms);
  }

  /** The protection at {@code path}; the keys it leaves out come from {@code fallback}, or are required without one. */
  private static VmProtection protection(Config c, String path, Optional<VmProtection> fallback) {
    for (String k : object(c, path).keySet()) {
      if (!PROTECTION_KEYS.contains(k)) {
        throw new SettingsException(path, quote(k), "the keys priority, order, ready, ready-timeout, depends-on");
      }
    }
    return new VmProtection(
        field(c, path + ".priority", fallback.map(VmProtection::priority), k -> parsed(c, k, RestartPriority::parse)),
        field(c, path + ".order", fallback.map(VmProtection::order), k -> intIn(c, k, 0, Integer.MAX_VALUE)),
        field(c, path + ".ready", fallback.map(VmProtection::ready), k -> parsed(c, k, ReadyCondition::parse)),
        field(c, path + ".ready-timeout", fallback.map(VmProtection::readyTimeout), k -> {
          Duration d = duration(c, k, ChronoUnit.SECONDS);
          if (d.isNegative()) throw new SettingsException(k, d, "a duration of zero or more");
          return d;
        }),
        field(c, path + ".depends-on", fallback.map(VmProtection::dependsOn), k -> {
          List<String> names = stringList(c, k);
          for (String n : names) {
            if (!VmSpec.isValidName(n)) throw new SettingsException(k, quote(n), "VM names of " + NAME_RULE);
          }
          return List.copyOf(names);
        }));
  }

  private static <T> T field(Config c, String key, Optional<T> fallback, Function<String, T> read) {
    return c.hasPath(key) || fallback.isEmpty() ? read.apply(key) : fallback.get();
  }

  /** A string parsed by a function whose IllegalArgumentException says what is allowed. */
  private static <T> T parsed(Config c, String key, Function<String, T> parse) {
    String raw = string(c, key);
    try {
      return parse.apply(raw);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(key, quote(raw), e.getMessage());
    }
  }

  /**
   * Where the process hypervisor's VMs write their disk files: the configured directory, else the first datastore's
   * {@code vms} (shared, so a judge sees every writer), else, without datastores, {@code <data-dir>/disks}.
   */
  private static Path diskDir(Config c, List<Path> datastores, Path dataDir) {
    String d = string(c, "vmha.hypervisor.disk-dir");
    if (!d.isBlank()) return Path.of(d).toAbsolutePath().normalize();
    return datastores.isEmpty() ? dataDir.resolve("disks") : ProcessHypervisor.diskDir(datastores.get(0));
  }

  /**
   * A lease holder fences its VM after hostTimeout unrenewed, as a host fences itself without datastores — or later,
   * when the watchdog's restart grace needs it ({@link TimingRules#leaseFenceAfter}).
   */
  private static TimingRules.Lease leaseTiming(Config c, Duration hostTimeout, Duration interval, WatchdogSettings w) {
    Duration io = duration(c, "vmha.lease.io-delay-max", ChronoUnit.SECONDS);
    Duration off = duration(c, "vmha.lease.power-off-max", ChronoUnit.SECONDS);
    if (io.isNegative()) throw new SettingsException("vmha.lease.io-delay-max", io, "a duration of zero or more");
    if (off.isNegative()) throw new SettingsException("vmha.lease.power-off-max", off, "a duration of zero or more");
    checked(c, "vmha.lease.clock-drift-max");
    double drift;
    try {
      drift = c.getDouble("vmha.lease.clock-drift-max");
    } catch (ConfigException.WrongType e) {
      throw new SettingsException("vmha.lease.clock-drift-max", c.getValue("vmha.lease.clock-drift-max").render(),
          "a fraction from 0 to 0.5, e.g. 0.01 for 1 %");
    }
    if (drift < 0 || drift > 0.5) {
      throw new SettingsException("vmha.lease.clock-drift-max", drift, "a fraction from 0 to 0.5, e.g. 0.01 for 1 %");
    }
    return TimingRules.Lease.of(hostTimeout, interval, io, off, drift, w.leaseTimeout());
  }

  /**
   * The watchdog: its timeout must let one pet come an interval late without firing. It is the grace a restarted agent
   * has to pet again; a timeout beyond hostTimeout less two intervals lengthens the lease fence deadline
   * ({@link TimingRules#leaseFenceAfter}). The device counts in seconds.
   */
  private static WatchdogSettings watchdog(Config c, Duration hostTimeout, Duration interval) {
    WatchdogSettings.Type type = enumOf(c, "vmha.watchdog.type", WatchdogSettings.Type.class);
    String device = string(c, "vmha.watchdog.device");
    // "" = half of hostTimeout: leaves the fence deadline at hostTimeout with every allowed interval (T >= 4 intervals)
    Duration timeout = string(c, "vmha.watchdog.timeout").isEmpty() ? TimingRules.defaultWatchdogTimeout(hostTimeout)
        : duration(c, "vmha.watchdog.timeout", ChronoUnit.SECONDS);
    if (type == WatchdogSettings.Type.NONE) return new WatchdogSettings(type, Path.of(device), timeout);
    if (timeout.compareTo(TimingRules.minWatchdogTimeout(interval)) < 0) {
      throw new SettingsException("vmha.watchdog.timeout", timeout, "at least 2 x das.failuredetectioninterval ("
          + TimingRules.minWatchdogTimeout(interval) + "): a pet may come an interval late; a timeout above"
          + " das.config.fdm.hostTimeout - 2 x das.failuredetectioninterval lengthens the lease expiry with it");
    }
    if (type == WatchdogSettings.Type.DEVICE) {
      if (device.isBlank()) {
        throw new SettingsException("vmha.watchdog.device", quote(device), "a watchdog device such as /dev/watchdog"
            + " with vmha.watchdog.type = \"device\"");
      }
      if (timeout.toNanos() % 1_000_000_000L != 0) {
        throw new SettingsException("vmha.watchdog.timeout", timeout, "whole seconds with vmha.watchdog.type ="
            + " \"device\" (the Linux watchdog API counts in seconds)");
      }
    }
    return new WatchdogSettings(type, Path.of(device), timeout);
  }


  /** The cluster transport's stores: a file left "" is the one ./vmha certs wrote into {@code vmha.tls.dir}. */
  private static TransportSettings transport(Config c, String hostId) {
    if (enumOf(c, "vmha.tls.transport", TransportSettings.Kind.class) == TransportSettings.Kind.PLAIN_TCP) {
      return new TransportSettings.PlainTcp();
    }
    String dir = string(c, "vmha.tls.dir");
    return new TransportSettings.MutualTls(tlsFile(c, dir, "vmha.tls.key-store", ClusterCa.keyStoreName(hostId)),
        tlsFile(c, dir, "vmha.tls.trust-store", ClusterCa.TRUST_STORE),
        tlsFile(c, dir, "vmha.tls.password-file", ClusterCa.STORE_PASSWORD));
  }

  private static Path tlsFile(Config c, String dir, String key, String nameInDir) {
    String v = string(c, key);
    if (!v.isBlank()) return Path.of(v);
    if (dir.isBlank()) {
      throw new SettingsException(key, quote(v), "a file, or vmha.tls.dir set to the directory that ./vmha certs"
          + " wrote (the cluster transport is TLS unless vmha.tls.transport = \"plain-tcp\")");
    }
    return Path.of(dir, nameInDir);
  }

  private static HistorySettings history(Config c, Path dataDir) {
    // at least 10: the journal compacts in tenths of the limit (HistoryJournal)
    int maxMaster = intIn(c, "das.config.fdm.event.maxMasterEvents", 10, 1_000_000);
    int maxSlave = intIn(c, "das.config.fdm.event.maxSlaveEvents", 10, 1_000_000);
    HistorySettings.Journal journal = enumOf(c, "vmha.history.journal", HistorySettings.Journal.class);
    if (journal == HistorySettings.Journal.H2) return HistorySettings.h2(dataDir, maxMaster, maxSlave);
    String url = string(c, "vmha.history.postgresql.url");
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new SettingsException("vmha.history.postgresql.url", quote(url),
          "a PostgreSQL JDBC URL, jdbc:postgresql://host:port/database (required with vmha.history.journal ="
              + " \"postgresql\")");
    }
    return new HistorySettings(journal, url, nonBlank(c, "vmha.history.postgresql.user"),
        string(c, "vmha.history.postgresql.password"), maxMaster, maxSlave);
  }

  /** How long each hypervisor call may take (the rule and its reasons: {@link CallBounds}). */
  public CallBounds hypervisorBounds() {
    return CallBounds.of(failureDetectionInterval, hostTimeout, powerOnTimeout, leaseTiming.powerOffMax());
  }

  /** The isolation response for one VM: its override, else the cluster's. */
  public IsolationResponse isolationResponseFor(String vm) {
    return vmIsolationResponse.getOrDefault(vm, isolationResponse);
  }

  /** The datastore that holds VM disk files and the cluster's shared state, if any is configured. */
  public Optional<Path> firstDatastore() {
    return datastores.stream().findFirst();
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }

  private static Config checked(Config c, String key) {
    if (!c.hasPath(key)) throw new SettingsException(key, "(missing)", "a value; see conf/vmha.conf");
    return c;
  }

  private static ConfigObject object(Config c, String key) {
    checked(c, key);
    if (c.getValue(key).valueType() != ConfigValueType.OBJECT) {
      throw new SettingsException(key, c.getValue(key).render(), "an object { ... }");
    }
    return c.getObject(key);
  }

  private static String string(Config c, String key) {
    checked(c, key);
    ConfigValueType t = c.getValue(key).valueType();
    if (t != ConfigValueType.STRING && t != ConfigValueType.NUMBER) {
      throw new SettingsException(key, c.getValue(key).render(), "a string");
    }
    return c.getString(key);
  }

  private static String nonBlank(Config c, String key) {
    String s = string(c, key);
    if (s.isBlank()) throw new SettingsException(key, quote(s), "a non-empty string");
    return s;
  }

  private static boolean bool(Config c, String key) {
    checked(c, key);
    try {
      return c.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key, c.getValue(key).render(), "true or false");
    }
  }

  private static long longIn(Config c, String key, long min, long max) {
    checked(c, key);
    long v;
    try {
      Number n = c.getNumber(key);
      if (n.doubleValue() != Math.rint(n.doubleValue())) throw new ConfigException.WrongType(c.origin(), key);
      v = c.getLong(key);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key, c.getValue(key).render(), "a whole number from " + min + " to " + max);
    }
    if (v < min || v > max) {
      throw new SettingsException(key, v, "a whole number from " + min + " to " + max);
    }
    return v;
  }

  private static int intIn(Config c, String key, int min, int max) {
    return (int) longIn(c, key, min, max);
  }

  private static List<String> stringList(Config c, String key) {
    checked(c, key);
    try {
      return c.getStringList(key);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key, c.getValue(key).render(), "a list of strings");
    }
  }

  /** A duration; a bare number is read in vSphere's unit for that key. */
  private static Duration duration(Config c, String key, ChronoUnit bareUnit) {
    checked(c, key);
    try {
      if (c.getValue(key).valueType() == ConfigValueType.NUMBER) {
        double n = c.getDouble(key);
        return Duration.ofNanos(Math.round(n * bareUnit.getDuration().toNanos()));
      }
      return c.getDuration(key);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw new SettingsException(key, c.getValue(key).render(),
          "a duration such as \"10s\" or \"500ms\", or a bare number of " + bareUnit.toString().toLowerCase());
    }
  }

  private static Duration positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) throw new SettingsException(key, d, "a duration greater than zero");
    return d;
  }

  private static <E extends Enum<E>> E enumOf(Config c, String key, Class<E> type) {
    String raw = string(c, key);
    for (E e : type.getEnumConstants()) {
      if (e.name().replace('_', '-').equalsIgnoreCase(raw)) return e;
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) allowed.add(quote(e.name().replace('_', '-').toLowerCase()));
    throw new SettingsException(key, quote(raw), "one of " + String.join(", ", allowed));
  }
}
