package dev.vmha.sim;

import dev.vmha.api.ApiAuth;
import dev.vmha.api.ApiRole;
import dev.vmha.api.TokenFiles;
import dev.vmha.config.ApiSettings;
import com.typesafe.config.Config;
import dev.vmha.api.HttpApi;
import dev.vmha.datastore.DatastoreScan;
import dev.vmha.datastore.DirectoryDatastore;
import dev.vmha.datastore.VmLease;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.HaEvent;
import dev.vmha.host.Agent;
import dev.vmha.host.HostSupervisor;
import dev.vmha.master.ClusterStatus;
import dev.vmha.watchdog.Watchdog;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Issue 20's load benchmark: a simulated cluster with the demo's settings (interval 250 ms, hostTimeout 3 s), each
 * agent with its real HTTP API on loopback and its history in its H2 database, takes a burst of concurrent
 * {@code POST /api/v1/vms} (a few names, each asked for several times) and {@code GET /api/v1/status}, all sent at once to
 * every agent. Load must never fence anything: it reports the fences (lease, host and isolation), the longest time a
 * lease file stood still (what a master judging it would see), the API's latency and answers, and the VMs answered
 * 200 that did not end running once and protected.
 */
public final class ApiLoad {
  private static final Duration ASK = Duration.ofSeconds(3);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * @param powerOns how many {@code POST /api/v1/vms}, over {@code names} VM names in turn
   * @param statuses how many {@code GET /api/v1/status}
   */
  public record Options(int hosts, int powerOns, int names, int statuses, Path dir, Config pekko) {}

  /** Latency percentiles of one kind of request, in milliseconds, and its answers by status code. */
  public record Latency(int count, long p50, long p95, long p99, long max, Map<Integer, Integer> codes) {
    static Latency of(List<Long> millis, Map<Integer, Integer> codes) {
      List<Long> l = new ArrayList<>(millis);
      Collections.sort(l);
      return new Latency(l.size(), at(l, 0.50), at(l, 0.95), at(l, 0.99), l.isEmpty() ? 0 : l.get(l.size() - 1),
          new TreeMap<>(codes));
    }

    private static long at(List<Long> sorted, double q) {
      return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    @Override
    public String toString() {
      return count + " requests, answers " + codes + ", p50 " + p50 + " ms, p95 " + p95 + " ms, p99 " + p99
          + " ms, max " + max + " ms";
    }
  }

  /**
   * @param fences every lease fence, host self-fence and isolation response during the run (must be empty)
   * @param longestLeaseGapMs the longest a lease file stood still while its VM ran, by owner host
   * @param lost VMs answered 200, or protected at the end, that did not end running exactly once and protected, with
   *     what was seen
   */
  public record Result(
      List<String> fences, Map<String, Long> longestLeaseGapMs, Latency powerOn, Latency status, long loadMs,
      Set<String> answered200, Map<String, String> lost) {
    public long longestLeaseGap() {
      return longestLeaseGapMs.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    public void print(PrintStream out) {
      out.println("fenced during the run: " + fences.size() + (fences.isEmpty() ? "" : " " + fences));
      out.println("longest lease-renewal gap: " + longestLeaseGap() + " ms (by host: " + longestLeaseGapMs + ")");
      out.println("POST /api/v1/vms: " + powerOn);
      out.println("GET /api/v1/status: " + status);
      out.println("load sent and answered in " + loadMs + " ms; " + answered200.size() + " VMs answered 200, "
          + lost.size() + " of them or of the protected VMs not running once and protected at the end"
          + (lost.isEmpty() ? "" : " " + lost));
    }
  }

  private final Options options;
  private final PrintStream out;

  public ApiLoad(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run() throws Exception {
    Files.createDirectories(options.dir());
    try (SimulatedCluster cluster = SimulatedCluster.start(new SimulatedCluster.Options(options.hosts(),
        SimulatedCluster.withTls(SimulatedCluster.DEMO_SETTINGS, options.dir(), options.hosts()), 2, options.dir(), options.pekko()))) {
      List<String> apis = new ArrayList<>();
      List<ServerBinding> bindings = new ArrayList<>();
      // authentication on, as in every agent: one operator token accepted by every host
      Path tokens = options.dir().resolve("api-tokens");
      Files.deleteIfExists(tokens);
      String bearer = "Bearer " + TokenFiles.add(tokens, "load", ApiRole.OPERATOR);
      ApiAuth auth = ApiAuth.open(new ApiSettings(ApiSettings.Auth.TOKENS, tokens, Optional.empty()));
      for (SimulatedCluster.Host h : cluster.hosts()) {
        ActorSystem<HostSupervisor.Command> sys = h.system;
        // as the agent does: it keeps deciding without its history database, the events wait in the event log
        Agent.startHistory(sys, h.settings.hostId(), h.settings.history(), h.events).whenComplete((done, err) -> {
          if (err != null) out.println("history of " + h.id() + " not started: " + err);
        });
        ActorRef<ElectionFsm.Command> election = AskPattern.<HostSupervisor.Command, ActorRef<ElectionFsm.Command>>ask(
            sys, HostSupervisor.GetElection::new, ASK, sys.scheduler()).toCompletableFuture().get();
        ActorRef<Watchdog.Command> watchdog = AskPattern.<HostSupervisor.Command, ActorRef<Watchdog.Command>>ask(
            sys, HostSupervisor.GetWatchdog::new, ASK, sys.scheduler()).toCompletableFuture().get();
        ServerBinding b = new HttpApi(sys, election, watchdog, h.events, Duration.ofSeconds(5), h.settings.restart(),
            h.settings.apiMaxRequestsInFlight(), auth)
            .bind("127.0.0.1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
        bindings.add(b);
        apis.add("http://127.0.0.1:" + b.localAddress().getPort());
      }
      out.println(options.hosts() + " agents with the demo timings, APIs at " + apis);
      await("one master followed by every host", Duration.ofSeconds(90), () -> {
        List<String> m = cluster.masters(ASK);
        return m.size() == 1 && cluster.status(m.get(0), ASK).map(s -> s.hosts().stream()
            .filter(x -> x.verdict() == dev.vmha.classify.Verdict.ALIVE && x.memoryMb() > 0).count() == options.hosts()).orElse(false);
      });
      String master = cluster.masters(ASK).get(0);
      await("the master owns the protected list", Duration.ofSeconds(30), () -> cluster.status(master, ASK)
          .map(s -> !s.datastores().isEmpty()).orElse(false));
      Instant start = Instant.now();
      LeaseWatch leases = new LeaseWatch(options.dir().resolve("ds1"));
      leases.start();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      List<Long> postMs = Collections.synchronizedList(new ArrayList<>());
      List<Long> statusMs = Collections.synchronizedList(new ArrayList<>());
      Map<Integer, Integer> postCodes = new ConcurrentHashMap<>();
      Map<Integer, Integer> statusCodes = new ConcurrentHashMap<>();
      Set<String> answered200 = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<?>> all = new ArrayList<>();
      int total = Math.max(options.powerOns(), options.statuses());
      long t0 = System.nanoTime();
      for (int i = 0; i < total; i++) {
        String api = apis.get(i % apis.size());
        if (i < options.powerOns()) {
          String vm = "load" + (i % options.names() + 1);
          HttpRequest post = HttpRequest.newBuilder(URI.create(api + "/api/v1/vms")).timeout(REQUEST_TIMEOUT)
              .header("Content-Type", "application/json").header("Authorization", bearer)
              .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + vm + "\",\"memoryMb\":256,\"cpus\":1}"))
              .build();
          all.add(timed(http, post, postMs, postCodes).thenAccept(code -> {
            if (code == 200) answered200.add(vm);
          }));
        }
        if (i < options.statuses()) {
          HttpRequest get = HttpRequest.newBuilder(URI.create(api + "/api/v1/status")).timeout(REQUEST_TIMEOUT)
              .header("Authorization", bearer).GET()
              .build();
          all.add(timed(http, get, statusMs, statusCodes));
        }
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
      long loadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      // long enough for any fence the load caused to show, and for a fenced VM's lease to expire and be restarted
      Duration settle = cluster.host(master).settings.leaseTiming().expiry()
          .plus(cluster.host(master).settings.hostTimeout().multipliedBy(2));
      Map<String, String> lost = new TreeMap<>();
      long deadline = System.nanoTime() + settle.toNanos();
      do {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        lost = lost(cluster, master, answered200);
      } while (!lost.isEmpty() && System.nanoTime() < deadline);
      leases.stop();
      List<String> fences = cluster.allEvents().stream().filter(e -> e.at().isAfter(start))
          .filter(e -> e instanceof HaEvent.VmLeaseFenced || e instanceof HaEvent.HostSelfFenced
              || e instanceof HaEvent.IsolationResponseApplied)
          .map(e -> e.at() + " " + e.by() + " " + e.describe()).toList();
      for (ServerBinding b : bindings) b.unbind();
      return new Result(fences, leases.longestByOwner(), Latency.of(postMs, postCodes), Latency.of(statusMs,
          statusCodes), loadMs, Set.copyOf(answered200), lost);
    }
  }

  private static CompletableFuture<Integer> timed(
      HttpClient http, HttpRequest r, List<Long> millis, Map<Integer, Integer> codes) {
    long t = System.nanoTime();
    return http.sendAsync(r, HttpResponse.BodyHandlers.ofString()).handle((resp, err) -> {
      millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
      int code = err != null ? -1 : resp.statusCode(); // -1: no answer (timeout, connection refused)
      codes.merge(code, 1, Integer::sum);
      return code;
    });
  }

  /**
   * The VMs answered 200 that do not run exactly once or are not protected, and the protected VMs (whatever their
   * answer: one whose 200 was lost to a timeout, or a 409) that do not run exactly once, with what is seen of each.
   */
  private static Map<String, String> lost(SimulatedCluster cluster, String master, Set<String> answered200) {
    Map<String, List<String>> running = cluster.running();
    Set<String> protectedVms = cluster.status(master, ASK).map(s -> s.vms().stream().map(ClusterStatus.VmStatus::name)
        .collect(java.util.stream.Collectors.toSet())).orElse(Set.of());
    Set<String> checked = new java.util.TreeSet<>(answered200);
    checked.addAll(protectedVms);
    Map<String, String> lost = new TreeMap<>();
    for (String vm : checked) {
      List<String> at = running.getOrDefault(vm, List.of());
      if (at.size() != 1 || !protectedVms.contains(vm)) {
        lost.put(vm, "running at " + at + (protectedVms.contains(vm) ? ", protected" : ", NOT protected"));
      }
    }
    return lost;
  }

  private static void await(String what, Duration within, BooleanSupplier done) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("timed out waiting for " + what);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /**
   * Reads the lease files every 20 ms and keeps, per owner, the longest time one stood still: what a master sees of
   * its renewals, whatever delayed them (the lease actor, its I/O, the JVM).
   */
  private static final class LeaseWatch implements Runnable {
    private final DirectoryDatastore ds;
    private final Map<String, Long> longest = new ConcurrentHashMap<>();
    private final Map<String, VmLease> last = new ConcurrentHashMap<>();
    private final Map<String, Long> since = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread = new Thread(this, "lease-watch");

    LeaseWatch(Path ds) {
      this.ds = new DirectoryDatastore(ds, Runnable::run);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join();
    }

    Map<String, Long> longestByOwner() {
      return new TreeMap<>(longest);
    }

    @Override
    public void run() {
      while (!stop.get()) {
        long now = System.nanoTime();
        DatastoreScan scan;
        try {
          scan = ds.scan().toCompletableFuture().join();
        } catch (RuntimeException e) {
          scan = null; // a file renamed under the scan: read again
        }
        for (VmLease l : scan == null ? List.<VmLease>of() : scan.leases().values()) {
          VmLease before = last.put(l.vm(), l);
          if (before == null || !before.sameWrite(l)) {
            since.put(l.vm(), now);
          } else {
            long still = TimeUnit.NANOSECONDS.toMillis(now - since.get(l.vm()));
            longest.merge(l.owner(), still, Math::max);
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }
}
