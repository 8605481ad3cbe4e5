package dev.vmha.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.vmha.Failures;
import dev.vmha.alerts.Alert;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.Role;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.config.RestartSettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.master.ClusterStatus;
import dev.vmha.security.ClusterTls;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.watchdog.Watchdog;
import java.time.Duration;
import dev.vmha.history.HistoryReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The agent's HTTP API. Any agent answers: a slave asks its master for the cluster view and forwards operator
 * requests to it. The seam for the later REST/CLI/web issue. Every request needs a bearer token whose role allows it
 * ({@link ApiAuth}, {@link ApiAccess}); every change asked is recorded with the token's name ({@code ApiRequest}).
 *
 * <ul>
 *   <li>{@code GET /api/status}: {@link AgentStatus} as JSON;
 *   <li>{@code POST /api/vms}: {@link VmRequest}, checked by {@link VmRequestRule}; powers the VM on under protection
 *       (200; 400 naming a wrong field; 409 when the cluster refuses it now, e.g. it is already protected);
 *   <li>{@code POST /api/vms/<name>/power-off}: an operator's power-off: the VM is unprotected, then stopped;
 *   <li>{@code GET /api/events}: this agent's recent events;
 *   <li>{@code GET /api/alerts}: this agent's recent alerts ({@link Alert});
 *   <li>{@code GET /metrics}: Prometheus text (read role); {@code GET /health} (200 while the process serves) and
 *       {@code GET /ready} ({@link Readiness}), both without a token;
 *   <li>{@code GET /api/history}: this host's persisted journals ({@link HistoryReader.Journal}), for
 *       {@code ./vmha history} while the agent holds its history file.
 * </ul>
 *
 * <p>Every refusal is an {@link ApiError}, from the handlers around the whole route too (unknown path, wrong method,
 * a master that does not answer): never a parser's message or a stack trace.
 */
public final class HttpApi extends AllDirectives {
  /** EventLog's mapper, which also writes {@link ApiError#field}'s Optional. */
  private static final ObjectMapper JSON = EventLog.JSON.copy().registerModule(new Jdk8Module());
  /** The largest body of a request: a VM request is well under 1 KiB. */
  private static final long MAX_BODY = 64 * 1024;
  private final ActorSystem<?> system;
  private final ActorRef<ElectionFsm.Command> election;
  private final EventLog events;
  private final Duration timeout;
  private final RestartSettings restart;
  private final ActorRef<Watchdog.Command> watchdog;
  private final ApiAdmission admission;
  private final ApiAuth auth;
  private Supplier<CompletionStage<List<HistoryReader.Journal>>> history = () ->
      CompletableFuture.failedFuture(new IllegalStateException("no history is served here"));
  private Supplier<CompletionStage<String>> metrics = () ->
      CompletableFuture.failedFuture(new IllegalStateException("no metrics are served here"));
  private Supplier<List<Alert>> alerts = List::of;

  public HttpApi(
      ActorSystem<?> system, ActorRef<ElectionFsm.Command> election, ActorRef<Watchdog.Command> watchdog,
      EventLog events, Duration timeout, RestartSettings restart, int maxRequestsInFlight, ApiAuth auth) {
    this.system = system;
    this.admission = new ApiAdmission(maxRequestsInFlight);
    this.auth = auth;
    this.watchdog = watchdog;
    this.restart = restart;
    this.election = election;
    this.events = events;
    this.timeout = timeout;
  }

  /** Serves {@code GET /api/history} from {@code journals} (this host's history); call before {@link #bind}. */
  public HttpApi servingHistory(Supplier<CompletionStage<List<HistoryReader.Journal>>> journals) {
    this.history = journals;
    return this;
  }

  /** Serves {@code GET /metrics} (Prometheus text) from {@code text}; call before {@link #bind}. */
  public HttpApi servingMetrics(Supplier<CompletionStage<String>> text) {
    this.metrics = text;
    return this;
  }

  /** Serves {@code GET /api/alerts} from {@code recent}, oldest first; call before {@link #bind}. */
  public HttpApi servingAlerts(Supplier<List<Alert>> recent) {
    this.alerts = recent;
    return this;
  }

  public CompletionStage<ServerBinding> bind(String address, int port) {
    return Http.get(system).newServerAt(address, port).bind(
        handleExceptions(errors(), () -> handleRejections(rejections(), this::routes)));
  }

  /** Every request passes the token check first (ApiAuth); the routes see who sent it. */
  Route routes() {
    // /health and /ready need no token (probes of a service manager or load balancer carry none; they tell only
    // that the agent runs and whether it has a master); /health answers even when the API is saturated
    return concat(path("health", () -> get(() -> json(StatusCodes.OK, Map.of("status", "up")))),
        admitted(() -> concat(path("ready", () -> get(this::ready)), authorized())));
  }

  private Route authorized() {
    return extractRequest(req -> {
      ApiAccess.Decision d = auth.check(req.getHeader("Authorization").map(HttpHeader::value), req.method().name(),
          req.getUri().path());
      if (d instanceof ApiAccess.Allowed a) return routes(a.caller());
      ApiAccess.Refused r = (ApiAccess.Refused) d;
      Route refused = json(StatusCodes.get(r.status()), Map.of("error", r.error()));
      return r.status() == 401
          ? respondWithHeader(HttpHeader.parse("WWW-Authenticate", "Bearer realm=\"vmha\""), () -> refused) : refused;
    });
  }

  /** GET /ready: 200 when this agent is a member with a master ({@link Readiness}), else 503 with why. */
  private Route ready() {
    CompletionStage<Readiness.Answer> answer = role().handle((r, err) ->
        Readiness.of(Cluster.get(system).selfMember().status(), java.util.Optional.ofNullable(err == null ? r : null)));
    return onSuccess(answer, a -> json(a.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, a));
  }

  /** GET /metrics: Prometheus' text format, or 503 when the metrics cannot be read now. */
  private Route metricsText() {
    return onSuccess(metrics.get().toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((t, err) -> err == null ? t : err), r -> r instanceof String text
            ? complete(HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, text)))
            : json(StatusCodes.SERVICE_UNAVAILABLE, ApiError.of("metrics not available: " + r)));
  }

  private Route routes(ApiCaller caller) {
    return concat(path("metrics", () -> get(this::metricsText)), pathPrefix("api", () -> concat(
        path("status", () -> get(() -> onSuccess(status(), s -> json(StatusCodes.OK, s)))),
        path("alerts", () -> get(() -> json(StatusCodes.OK, alerts.get()))),
        path("events", () -> get(() -> json(StatusCodes.OK, events.recent()))),
        path("history", () -> get(() -> onSuccess(history.get().toCompletableFuture()
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((j, err) -> err == null ? j : err),
            r -> r instanceof Throwable t ? json(StatusCodes.SERVICE_UNAVAILABLE,
                ApiError.of("this agent cannot read its history: " + t)) : json(StatusCodes.OK, r)))),
        path("vms", () -> post(() -> withSizeLimit(MAX_BODY, () -> entity(Unmarshaller.entityToString(),
            body -> powerOn(body, caller))))),
        pathPrefix("vms", () -> pathPrefix(segment(), vm -> path("power-off", () -> post(() -> powerOff(vm, caller))))),
        pathPrefix("v1", () -> pathPrefix("hosts", () -> pathPrefix(segment(), host -> path("maintenance",
            () -> post(() -> withSizeLimit(MAX_BODY, () -> entity(Unmarshaller.entityToString(),
                body -> maintenance(host, body, caller)))))))))));
  }

  /**
   * Any other failure of a request answers JSON: a logged 500 (a master that does not answer in time is a 503 already,
   * from {@link #admitted}).
   */
  private ExceptionHandler errors() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          system.log().error("HTTP API: request failed", cause);
          return json(StatusCodes.INTERNAL_SERVER_ERROR, ApiError.of("internal error: " + Failures.rootMessage(cause)));
        })
        .build();
  }

  /**
   * Pekko's answers to unknown paths, wrong methods, a body over {@link #MAX_BODY} (413) and the like, as
   * {@link ApiError} JSON with the same status.
   */
  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(r -> {
      String text = r.entity() instanceof HttpEntity.Strict strict ? strict.getData().utf8String() : "";
      try {
        return r.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
            JSON.writeValueAsString(ApiError.of(ApiError.clip(text, 200)))));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /**
   * At most {@code vmha.api.max-requests-in-flight} requests at once ({@link ApiAdmission}): the next ones get 503 with
   * Retry-After at once, as does a request whose master did not answer in time, so load waits for the API and never
   * the heartbeats, leases and fencing. A failure inside is passed on (failWith) after the place is given back.
   */
  private Route admitted(java.util.function.Supplier<Route> inner) {
    return extractRequestContext(ctx -> {
      if (!admission.tryEnter()) {
        return busy("the agent is serving " + admission.limit() + " requests already (vmha.api.max-requests-in-flight)");
      }
      return mapRouteResultFuture(result -> result.whenComplete((r, err) -> admission.leave()),
          () -> handleExceptions(ExceptionHandler.newBuilder()
              .match(Throwable.class, HttpApi::isTimeout, e -> busy("no answer within " + timeout.toMillis()
                  + " ms: the agent or its master is busy; a change asked for may still take effect, so check"
                  + " GET /api/status before asking again"))
              .matchAny(this::failWith)
              .build(), inner));
    });
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) return true;
    }
    return false;
  }

  private Route busy(String why) {
    return respondWithHeader(RetryAfter.create(1L), () -> json(StatusCodes.SERVICE_UNAVAILABLE,
        ApiError.of("busy, try again: " + why)));
  }

  /** Records who asked for a change (persisted before it is acted on), then acts; a failing history does not block. */
  private CompletionStage<MasterCoordinator.OperationResult> audited(ApiCaller caller, String request, String vm,
      Supplier<CompletionStage<MasterCoordinator.OperationResult>> act) {
    return role().thenCompose(r -> events.persisted(
            new HaEvent.ApiRequest(Instant.now(), r.hostId(), caller.token(), caller.role(), request, vm)))
        .handle((done, err) -> done).thenCompose(done -> act.get());
  }

  private CompletionStage<ElectionFsm.RoleInfo> role() {
    return AskPattern.ask(election, ElectionFsm.GetRole::new, timeout, system.scheduler());
  }

  private CompletionStage<AgentStatus> status() {
    CompletionStage<Watchdog.Status> dog = AskPattern.<Watchdog.Command, Watchdog.Status>ask(watchdog,
        Watchdog.GetStatus::new, timeout, system.scheduler()).exceptionally(err -> null);
    return role().thenCompose(r -> {
      if (r.coordinator() == null) {
        return dog.thenApply(w -> new AgentStatus(r.hostId(), r.role().name(), r.master(), null,
            r.role() == Role.UNINITIALIZED ? notJoined()
                : r.master() == null ? "no master elected yet"
                : "master " + r.master() + " elected; its first heartbeat has not arrived yet", w, auth.mode(), transport()));
      }
      CompletionStage<ClusterStatus> cluster = AskPattern.ask(r.coordinator(), MasterCoordinator.GetStatus::new,
          timeout, system.scheduler());
      return cluster.<Object>handle((c, err) -> c != null ? c : err).thenCombine(dog, (c, w) ->
          c instanceof ClusterStatus cs ? new AgentStatus(r.hostId(), r.role().name(), r.master(), cs, null, w,
              auth.mode(), transport())
              : new AgentStatus(r.hostId(), r.role().name(), r.master(), null, "master " + r.master()
                  + " did not answer: " + ((Throwable) c).getMessage(), w, auth.mode(), transport()));
    });
  }

  /** The transport this actor system really runs, whatever was meant to be configured. */
  private TransportSettings.Kind transport() {
    return ClusterTls.running(system.settings().config());
  }

  /** Why this agent has no role yet: it is not a cluster member, and for how long — never a silent retry. */
  private String notJoined() {
    return "not a cluster member yet: this agent's actor system started " + system.uptime() + " s ago and its"
        + " membership is " + Cluster.get(system).selfMember().status() + "; the log says why it cannot join (Pekko's"
        + " \"Couldn't join seed nodes\": no seed answered, or the seeds refuse it; \"removed from the cluster\": a"
        + " previous incarnation was quarantined and this one joins anew)";
  }

  private Route powerOn(String body, ApiCaller caller) {
    VmRequestRule.Checked checked = VmRequestRule.check(body, restart);
    if (checked instanceof VmRequestRule.Invalid i) return json(StatusCodes.BAD_REQUEST, i.error());
    VmRequestRule.Valid v = (VmRequestRule.Valid) checked;
    String request = "power-on " + v.vm().name() + v.host().map(h -> " at " + h).orElse("");
    return answer(audited(caller, request, v.vm().name(), () -> toMaster(
        ref -> new MasterCoordinator.PowerOnVm(v.vm(), v.host(), Optional.of(v.protection()), ref))));
  }

  /** Maintenance mode for a host, asked of the master by the caller (named in the events as who asked). */
  private Route maintenance(String host, String body, ApiCaller caller) {
    StringBuilder error = new StringBuilder();
    Optional<MaintenanceRequest> r = MaintenanceRequest.parse(body, error);
    if (r.isEmpty()) return json(StatusCodes.BAD_REQUEST, ApiError.field("enter", error.toString()));
    boolean enter = r.get().enter();
    return answer(audited(caller, (enter ? "enter" : "exit") + " maintenance of host " + host, "-",
        () -> toMaster(ref -> new MasterCoordinator.SetMaintenance(host, enter, caller.token(), ref))));
  }

  private Route powerOff(String vm, ApiCaller caller) {
    if (!VmSpec.isValidName(vm)) {
      return json(StatusCodes.BAD_REQUEST, ApiError.field("name", "not a VM name (" + vm.length() + " characters): "
          + VmSpec.NAME_RULE));
    }
    return answer(audited(caller, "power-off " + vm, vm,
        () -> toMaster(ref -> new MasterCoordinator.PowerOffVm(vm, ref))));
  }

  /**
   * The master's answer: 200 with its message, 400 naming the field it refused, else 409 with why — and
   * {@code "alreadyProtected": true} when a power-on found the VM protected already (nothing changed).
   */
  private Route answer(CompletionStage<MasterCoordinator.OperationResult> result) {
    return onSuccess(result, r -> r.ok() ? json(StatusCodes.OK, new Done(true, r.message()))
        : r.invalidField().map(f -> json(StatusCodes.BAD_REQUEST, ApiError.field(f, r.message())))
            .orElseGet(() -> r.alreadyProtected()
                ? json(StatusCodes.CONFLICT, new AlreadyProtected(r.message(), true))
                : json(StatusCodes.CONFLICT, ApiError.of(r.message()))));
  }

  /** A power-on of a VM that is protected already: {@code {"error": "...", "alreadyProtected": true}}. */
  record AlreadyProtected(String error, boolean alreadyProtected) {}

  /** A request carried out: {@code {"ok": true, "message": "..."}}. */
  record Done(boolean ok, String message) {}

  /** Asks the master's coordinator, through this agent's election FSM, which knows who and where it is. */
  private CompletionStage<MasterCoordinator.OperationResult> toMaster(
      java.util.function.Function<ActorRef<MasterCoordinator.OperationResult>, MasterCoordinator.Command> request) {
    return role().thenCompose(r -> {
      if (r.coordinator() == null) {
        return CompletableFuture.completedFuture(new MasterCoordinator.OperationResult(false,
            "no master elected yet; try again"));
      }
      return AskPattern.ask(r.coordinator(), request::apply, timeout, system.scheduler());
    });
  }

  private Route json(org.apache.pekko.http.javadsl.model.StatusCode code, Object value) {
    try {
      return complete(HttpResponse.create().withStatus(code)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(value))));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not writable as JSON: " + value.getClass().getSimpleName(), e);
    }
  }
}
