package dev.vmha.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.vmha.Failures;
import dev.vmha.alerts.Alert;
import dev.vmha.election.ElectionFsm;
import dev.vmha.election.EmergencyAction;
import dev.vmha.election.Role;
import dev.vmha.history.EventLog;
import dev.vmha.history.HaEvent;
import dev.vmha.config.RestartSettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.Enforcement;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.OperationResult;
import dev.vmha.security.ClusterTls;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.master.Operation;
import dev.vmha.restart.ProtectionChange;
import dev.vmha.watchdog.Watchdog;
import java.time.Duration;
import dev.vmha.history.HistoryReader;
import dev.vmha.history.ExplainSources;
import dev.vmha.history.Explained;
import dev.vmha.history.HostExplainer;
import dev.vmha.history.Timeline;
import dev.vmha.history.VmExplainer;
import dev.vmha.config.CapacitySettings;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
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
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The agent's HTTP API, {@code /api/v1}, described route by route in {@code src/main/resources/openapi.yaml}
 * (also served at {@code GET /api/v1/openapi.yaml}). Any agent answers: a slave asks its master for the cluster view
 * and forwards operator requests to it. Every request needs a bearer token whose role allows it ({@link ApiAuth},
 * {@link ApiAccess}); every change asked is recorded with the token's name ({@code ApiRequest}).
 *
 * <ul>
 *   <li>reads ({@link #reads}): the master's view ({@code status}, {@code cluster}, {@code hosts}, {@code vms},
 *       {@code datastores}), the cluster's recent {@code events} (this agent's and those the others sent it,
 *       {@link EventLog#clusterRecent}), this agent's {@code alerts} and {@code history}, and {@code explain} of a VM
 *       or host from this agent's journals and the other hosts' decisions it heard;
 *   <li>operations ({@link #operations}): every change, a POST, audited and carried out by the master;
 *   <li>{@code GET /metrics}: Prometheus text (read role); {@code GET /health} (200 while the process serves) and
 *       {@code GET /ready} ({@link Readiness}), both without a token.
 * </ul>
 *
 * <p>Every refusal is an {@link ApiError}, from the handlers around the whole route too (unknown path, wrong method,
 * a master that does not answer): never a parser's message or a stack trace.
 */
public final class HttpApi extends AllDirectives {
  /** EventLog's mapper, which also writes {@link ApiError#field}'s Optional. */
  private static final ObjectMapper JSON = EventLog.JSON.copy().registerModule(new Jdk8Module());
  /** Writes a list of events each with its {@code type}, as one event is written. */
  private static final ObjectWriter EVENTS = JSON.writerFor(new TypeReference<List<HaEvent>>() {});
  /** The largest body of a request: a VM request is well under 1 KiB. */
  private static final long MAX_BODY = 64 * 1024;
  /** The cluster's recent events a stream starts with, and 1024 more its reader may lag behind: a slower one is closed. */
  private static final int STREAM_BUFFER = EventLog.CLUSTER_EVENTS + 1024;
  /** A comment line this often on a quiet stream, well within pekko-http's idle timeout (60 s) and a proxy's. */
  private static final Duration STREAM_KEEPALIVE = Duration.ofSeconds(15);
  private static final org.apache.pekko.http.javadsl.model.ContentType EVENT_STREAM =
      ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM);
  /** The page runs only its own script and talks only to its agent; nothing of it may be framed or sniffed. */
  private static final List<HttpHeader> PAGE_HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self';"
          + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));
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
  private Optional<CapacitySettings.Policy> policy = Optional.empty();
  /** The API's OpenAPI document, a resource (src/main/resources/openapi.yaml). */
  private static final String OPENAPI = "/openapi.yaml";

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

  /** Serves {@code GET /api/v1/history} and explain from {@code journals} (this host's); call before {@link #bind}. */
  public HttpApi servingHistory(Supplier<CompletionStage<List<HistoryReader.Journal>>> journals) {
    this.history = journals;
    return this;
  }

  /** Serves {@code GET /metrics} (Prometheus text) from {@code text}; call before {@link #bind}. */
  public HttpApi servingMetrics(Supplier<CompletionStage<String>> text) {
    this.metrics = text;
    return this;
  }

  /** Serves {@code GET /api/v1/alerts} from {@code recent}, oldest first; call before {@link #bind}. */
  public HttpApi servingAlerts(Supplier<List<Alert>> recent) {
    this.alerts = recent;
    return this;
  }

  /** Shows this agent's capacity policy in {@code GET /api/v1/cluster}; call before {@link #bind}. */
  public HttpApi servingPolicy(CapacitySettings.Policy p) {
    this.policy = Optional.of(p);
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
    return concat(path("health", () -> get(() -> json(StatusCodes.OK, Map.of("status", "up")))), dashboard(),
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

  /**
   * The dashboard's files: {@code /} and {@code /ui} lead to {@code /ui/}, its page. Paths first, then the method, so
   * that other requests meet no rejection from here (a method rejection would turn their 404 into a 405).
   */
  private Route dashboard() {
    return concat(
        pathSingleSlash(() -> get(() -> redirect(Uri.create("/ui/"), StatusCodes.FOUND))),
        path("ui", () -> get(() -> redirect(Uri.create("/ui/"), StatusCodes.FOUND))),
        pathPrefix("ui", () -> get(() -> respondWithHeaders(PAGE_HEADERS, () -> concat(
            pathSingleSlash(() -> getFromResource("web/index.html")),
            getFromResourceDirectory("web"),
            json(StatusCodes.NOT_FOUND, ApiError.of("no such file of the dashboard")))))));
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
    return concat(path("metrics", () -> get(this::metricsText)),
        pathPrefix(segment("api").slash("v1"), () -> concat(reads(), operations(caller))));
  }

  /** Every GET under /api/v1: nothing changes. */
  private Route reads() {
    return concat(
        read("openapi.yaml", this::openApi),
        read("status", () -> onSuccess(status(), s -> json(StatusCodes.OK, s))),
        read("cluster", () -> onSuccess(masterView(), v -> json(StatusCodes.OK,
            ClusterSummary.of(v, policy, alerts.get().size())))),
        read("hosts", () -> withCluster(c -> json(StatusCodes.OK, c.hosts()))),
        item("hosts", "host", ClusterStatus::hosts, ClusterStatus.HostStatus::id),
        explain("hosts", "host", HostExplainer::explain),
        read("vms", () -> withCluster(c -> json(StatusCodes.OK, c.vms()))),
        item("vms", "vm", ClusterStatus::vms, ClusterStatus.VmStatus::name),
        explain("vms", "vm", VmExplainer::explain),
        read("datastores", () -> withCluster(c -> json(StatusCodes.OK, c.datastores()))),
        read("events", () -> parameterMap(params -> events(EventQuery.parse(params)))),
        path(segment("events").slash("stream"), () -> get(this::eventStream)),
        read("history", () -> withHistory(j -> json(StatusCodes.OK, j))),
        read("alerts", () -> json(StatusCodes.OK, alerts.get())));
  }

  /**
   * GET of one path segment. The method is matched inside the path, for every route: a method matched outside would
   * cancel the other routes' method rejections, and a wrong method would answer 404 instead of 405.
   */
  private Route read(String segment, Supplier<Route> answer) {
    return path(segment, () -> get(answer));
  }

  /**
   * Every operation under /api/v1: a POST that changes the cluster, recorded with who asked ({@link #audited}) and
   * carried out by the master ({@link #toMaster}, answered by {@link #answer}). A new operation is added here, with its
   * role in {@link ApiAccess#ROUTES} and its description in openapi.yaml ({@code OpenApiTest} checks both). The
   * operators' changes to HA (issue 22) are decided by the master ({@code master.Operations}), the emergency actions
   * by the election ({@link #emergency}): 200 when done, 404 naming an unknown VM or host, 409 when the cluster
   * refuses it now.
   */
  private Route operations(ApiCaller caller) {
    return concat(
        path("vms", () -> post(() -> withSizeLimit(MAX_BODY, () -> entity(Unmarshaller.entityToString(),
            body -> powerOn(body, caller))))),
        path(segment("vms").slash(segment()).slash("power-off"), vm -> post(() -> powerOff(vm, caller))),
        path(segment("hosts").slash(segment()).slash("maintenance"), host -> post(() -> withSizeLimit(MAX_BODY,
            () -> entity(Unmarshaller.entityToString(), body -> maintenance(host, body, caller))))),
        pathPrefix("emergency", () -> concat(
            path("reset-election", () -> post(() -> emergency(caller, EmergencyAction.RESET_ELECTION, "all"))),
            pathPrefix("force-master", () -> path(segment(), host -> post(() -> named("host", host,
                () -> emergency(caller, EmergencyAction.FORCE_MASTER, host))))))),
        pathPrefix("local", () -> pathPrefix("emergency", () -> concat(
            path("ha-disable", () -> post(() -> parameterOptional("force", force -> enforcement(caller,
                Enforcement.SUSPENDED, force)))),
            path("ha-enable", () -> post(() -> enforcement(caller, Enforcement.ON, Optional.empty())))))),
        pathPrefix("cluster", () -> pathPrefix("ha", () -> path(segment(), verb -> post(() -> switchHa(
            Optional.empty(), verb, caller))))),
        pathPrefix("hosts", () -> pathPrefix(segment(), host -> pathPrefix("ha", () -> path(segment(), verb -> post(
            () -> switchHa(Optional.of(host), verb, caller)))))),
        pathPrefix("vms", () -> pathPrefix(segment(), vm -> post(() -> named("name", vm, () -> concat(
            path("retry", () -> operate(caller, "retry " + vm, vm, new Operation.Retry(vm, caller.token()))),
            pathPrefix("move-to", () -> path(segment(), to -> named("host", to, () -> operate(caller,
                "move " + vm + " to " + to, vm, new Operation.Move(vm, to, caller.token()))))),
            path("unprotect", () -> operate(caller, "unprotect " + vm, vm,
                new Operation.Unprotect(vm, caller.token()))),
            path("protect", () -> change(vm, false, c -> operate(caller, "protect " + vm, vm,
                new Operation.Protect(vm, c, caller.token())))),
            path("protection", () -> change(vm, true, c -> operate(caller, "set protection of " + vm, vm,
                new Operation.SetProtection(vm, c, caller.token()))))))))));
  }

  /**
   * GET /api/v1/events: the cluster's recent events this agent knows (its own and the other agents',
   * {@link EventLog#clusterRecent}) that the query selects, or 400 naming what is wrong with it.
   */
  private Route events(EventQuery.Parsed query) {
    if (query instanceof EventQuery.Valid v) {
      return json(StatusCodes.OK, EVENTS, v.query().select(events.clusterRecent()));
    }
    return json(StatusCodes.BAD_REQUEST, ((EventQuery.Invalid) query).error());
  }

  /** The master's cluster view, or 503 saying why there is none ({@code "noMaster": true}). */
  private Route withCluster(java.util.function.Function<ClusterStatus, Route> inner) {
    return onSuccess(masterView(), v -> v.cluster().map(inner).orElseGet(() -> json(StatusCodes.SERVICE_UNAVAILABLE,
        new NoMaster("no cluster view: " + v.note().orElse(""), true))));
  }

  /**
   * GET /api/v1/{collection}/{name}: the one the master knows by that name, else 404 naming it ({@code what}: the
   * field) and those it knows.
   */
  private <T> Route item(String collection, String what, Function<ClusterStatus, List<T>> all,
      Function<T, String> name) {
    return path(segment(collection).slash(segment()), id -> get(() -> withCluster(c -> all.apply(c).stream()
        .filter(x -> name.apply(x).equals(id)).findFirst().map(x -> json(StatusCodes.OK, x))
        .orElseGet(() -> {
          List<String> known = all.apply(c).stream().map(name).toList();
          return json(StatusCodes.NOT_FOUND, ApiError.field(what, "no " + (what.equals("vm") ? "VM" : what) + " \""
              + ApiError.clip(id) + "\" is known to the master (known: " + (known.isEmpty() ? "none"
              : ApiError.clip(String.join(", ", known), 200)) + ")"));
        }))));
  }

  /** How a VM or host is explained from the merged history ({@link VmExplainer}, {@link HostExplainer}). */
  private interface Explainer {
    Explained explain(List<HaEvent> merged, String subject, ZoneId zone);
  }

  /**
   * GET /api/v1/{collection}/{name}/explain: the explanation from this agent's journals and the other agents' recent
   * events it heard ({@link ExplainSources}; times in its verdict in UTC), merged as {@code ./vmha explain} merges
   * journals, citing {@link EventView}s as the event stream sends them (the dashboard shows both alike), with a
   * {@code sources} line that says how far back the other hosts' decisions reach; 404 when no event mentions it.
   */
  private Route explain(String collection, String what, Explainer explainer) {
    return path(segment(collection).slash(segment()).slash("explain"), id -> get(() -> withHistory(journals -> {
      ExplainSources from = ExplainSources.of(journals.stream().map(HistoryReader.Journal::events).toList(),
          events.clusterRecent());
      Explained x = explainer.explain(from.merged(), id, ZoneOffset.UTC);
      if (x.cited().isEmpty()) return json(StatusCodes.NOT_FOUND, ApiError.field(what, x.verdict()));
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put(what, id);
      answer.put("verdict", x.verdict());
      answer.put("cited", x.cited().stream().map(EventView::of).toList());
      answer.put("sources", from.describe());
      return json(StatusCodes.OK, answer);
    })));
  }

  /** This host's journals, or 503 when they cannot be read now. */
  private Route withHistory(java.util.function.Function<List<HistoryReader.Journal>, Route> inner) {
    return onComplete(history.get().toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS),
        t -> t.isSuccess() ? inner.apply(t.get()) : json(StatusCodes.SERVICE_UNAVAILABLE,
            ApiError.of("this agent cannot read its history: " + t.failed().get())));
  }

  /** GET /api/v1/openapi.yaml: the document that describes this API. */
  private Route openApi() {
    try (java.io.InputStream in = HttpApi.class.getResourceAsStream(OPENAPI)) {
      if (in == null) return json(StatusCodes.NOT_FOUND, ApiError.of("this build carries no " + OPENAPI));
      return complete(HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(
          ContentTypes.create(MediaTypes.applicationWithFixedCharset("yaml", HttpCharsets.UTF_8)),
          in.readAllBytes())));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * GET /api/v1/events/stream: the cluster's recent events, then each next one as the event log takes or hears it
   * ({@link EventLog#follow}: none lost or repeated in between), one {@code event: decision} with an {@link EventView}
   * per event. A reader more than 1024 events behind is closed (it reconnects and starts again from the recent ones),
   * so a slow one never holds up a decision; one that has gone is dropped at the next event.
   */
  private Route eventStream() {
    Source<ByteString, NotUsed> frames = Source.<HaEvent>queue(STREAM_BUFFER)
        .mapMaterializedValue(queue -> {
          events.follow(e -> {
            if (queue.offer(e).isEnqueued()) return true;
            if (!queue.isCompleted()) queue.complete();
            return false;
          });
          return NotUsed.getInstance();
        })
        .map(e -> ByteString.fromString("event: decision\ndata: " + JSON.writeValueAsString(EventView.of(e)) + "\n\n"))
        .keepAlive(STREAM_KEEPALIVE, () -> ByteString.fromString(":\n\n"));
    return complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .withEntity(HttpEntities.createChunked(EVENT_STREAM, frames)));
  }

  /**
   * An emergency action, taken by the election FSMs (this agent's, and the others' it relays it to): no master needs
   * to answer, since the master may be what is lost.
   */
  private Route emergency(ApiCaller caller, EmergencyAction action, String host) {
    String request = action == EmergencyAction.FORCE_MASTER ? "emergency force-master " + host
        : "emergency reset-election";
    return answer(audited(caller, request, "", () -> AskPattern.<ElectionFsm.Command, ElectionFsm.EmergencyResult>ask(
        election, ref -> new ElectionFsm.EmergencyAsked(action, host, caller.token(), ref), timeout,
        system.scheduler()).thenApply(r -> new OperationResult(r.ok(), r.message()))));
  }

  /**
   * This agent's host stops enforcing HA on itself, or starts again ({@code /api/v1/local/emergency/ha-disable
   * [?force=true]}, {@code ha-enable}): decided by its own election FSM, which holds the protected list — never
   * forwarded, since it is meant for a host that may reach neither the master nor the state files.
   */
  private Route enforcement(ApiCaller caller, Enforcement wanted, Optional<String> force) {
    if (force.isPresent() && !force.get().equals("true") && !force.get().equals("false")) {
      return json(StatusCodes.BAD_REQUEST, ApiError.field("force", "must be true or false"));
    }
    boolean forced = force.map(Boolean::parseBoolean).orElse(false);
    String request = wanted.on() ? "emergency ha-enable (local)" : "emergency ha-disable (local)"
        + (forced ? " --force" : "");
    return answer(audited(caller, request, "", () -> AskPattern.<ElectionFsm.Command, ElectionFsm.EmergencyResult>ask(
        election, ref -> new ElectionFsm.EnforcementAsked(wanted, forced, caller.token(), ref), timeout,
        system.scheduler()).thenApply(r -> new OperationResult(r.ok(), r.message()))));
  }

  /** A protection change in the body, checked by {@link VmRequestRule#checkChange}: 400 naming what is wrong. */
  private Route change(String vm, boolean needsOne, java.util.function.Function<ProtectionChange, Route> then) {
    return withSizeLimit(MAX_BODY, () -> entity(Unmarshaller.entityToString(), body -> {
      VmRequestRule.CheckedChange c = VmRequestRule.checkChange(vm, body, needsOne);
      return c instanceof VmRequestRule.ValidChange v ? then.apply(v.change())
          : json(StatusCodes.BAD_REQUEST, ((VmRequestRule.InvalidChange) c).error());
    }));
  }

  private Route switchHa(Optional<String> host, String verb, ApiCaller caller) {
    if (!verb.equals("enable") && !verb.equals("disable")) {
      return json(StatusCodes.NOT_FOUND, ApiError.of("no such operation: ha/" + ApiError.clip(verb)
          + "; use ha/enable or ha/disable"));
    }
    boolean enable = verb.equals("enable");
    Supplier<Route> act = () -> operate(caller, "HA " + verb + " for " + host.map(h -> "host " + h)
        .orElse("the cluster"), "", new Operation.SwitchHa(host, enable, caller.token()));
    return host.isPresent() ? named("host", host.get(), act) : act.get();
  }

  /** A VM or host name from the path, checked before anything is asked: 400 naming it when it cannot be one. */
  private Route named(String field, String name, Supplier<Route> then) {
    boolean host = field.equals("host");
    if (host ? dev.vmha.config.HaSettings.isValidHostId(name) : VmSpec.isValidName(name)) return then.get();
    return json(StatusCodes.BAD_REQUEST, ApiError.field(field, "not a " + (host ? "host id" : "VM name") + " ("
        + name.length() + " characters): " + VmSpec.NAME_RULE));
  }

  private Route operate(ApiCaller caller, String request, String vm, Operation operation) {
    return answer(audited(caller, request, vm, () -> toMaster(ref -> new MasterCoordinator.Operate(operation, ref))));
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
                  + " GET /api/v1/status before asking again"))
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
  private CompletionStage<OperationResult> audited(ApiCaller caller, String request, String vm,
      Supplier<CompletionStage<OperationResult>> act) {
    return role().thenCompose(r -> events.persisted(
            new HaEvent.ApiRequest(Instant.now(), r.hostId(), caller.token(), caller.role(), request, vm)))
        .handle((done, err) -> done).thenCompose(done -> act.get());
  }

  private CompletionStage<ElectionFsm.RoleInfo> role() {
    return AskPattern.ask(election, ElectionFsm.GetRole::new, timeout, system.scheduler());
  }

  /**
   * What this agent knows of the master: its role, and the master's cluster view or why there is none ({@code note}).
   */
  record MasterView(ElectionFsm.RoleInfo role, Optional<ClusterStatus> cluster, Optional<String> note) {}

  /** Asks the master's coordinator for its view, through this agent's election FSM; never the watchdog. */
  private CompletionStage<MasterView> masterView() {
    return role().thenCompose(r -> {
      String master = r.master().orElse("");
      if (r.coordinator().isEmpty()) {
        return CompletableFuture.completedFuture(new MasterView(r, Optional.empty(), Optional.of(
            r.role() == Role.UNINITIALIZED ? notJoined() : r.master().isEmpty() ? "no master elected yet"
                : "master " + master + " elected; its first heartbeat has not arrived yet")));
      }
      return AskPattern.<MasterCoordinator.Command, ClusterStatus>ask(r.coordinator().get(),
          MasterCoordinator.GetStatus::new, timeout, system.scheduler()).handle((c, err) -> c != null
              ? new MasterView(r, Optional.of(c), Optional.empty())
              : new MasterView(r, Optional.empty(), Optional.of("master " + master + " did not answer: "
                  + err.getMessage())));
    });
  }

  private CompletionStage<AgentStatus> status() {
    CompletionStage<Optional<Watchdog.Status>> dog = AskPattern.<Watchdog.Command, Watchdog.Status>ask(watchdog,
        Watchdog.GetStatus::new, timeout, system.scheduler()).thenApply(Optional::of)
        .exceptionally(err -> Optional.empty());
    return masterView().thenCombine(dog, (v, w) -> new AgentStatus(v.role().hostId(), v.role().role(),
        v.role().master(), v.cluster(), v.note(), w, auth.mode(), transport()));
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
  private Route answer(CompletionStage<OperationResult> result) {
    return onSuccess(result, r -> r.ok() ? json(StatusCodes.OK, new Done(true, r.message()))
        : r.notFound() ? json(StatusCodes.NOT_FOUND, ApiError.of(r.message()))
        : r.invalidField().map(f -> json(StatusCodes.BAD_REQUEST, ApiError.field(f, r.message())))
            .orElseGet(() -> r.alreadyProtected()
                ? json(StatusCodes.CONFLICT, new AlreadyProtected(r.message(), true))
                : json(StatusCodes.CONFLICT, ApiError.of(r.message()))));
  }

  /** A power-on of a VM that is protected already: {@code {"error": "...", "alreadyProtected": true}}. */
  record AlreadyProtected(String error, boolean alreadyProtected) {}

  /** No master view to answer from: {@code {"error": "...", "noMaster": true}}. */
  record NoMaster(String error, boolean noMaster) {}

  /** A request carried out: {@code {"ok": true, "message": "..."}}. */
  record Done(boolean ok, String message) {}

  /** Asks the master's coordinator, through this agent's election FSM, which knows who and where it is. */
  private CompletionStage<OperationResult> toMaster(
      java.util.function.Function<ActorRef<OperationResult>, MasterCoordinator.Command> request) {
    return role().thenCompose(r -> {
      if (r.coordinator().isEmpty()) {
        return CompletableFuture.completedFuture(new OperationResult(false,
            "no master elected yet; try again"));
      }
      return AskPattern.ask(r.coordinator().get(), request::apply, timeout, system.scheduler());
    });
  }

  private Route json(org.apache.pekko.http.javadsl.model.StatusCode code, Object value) {
    return json(code, JSON.writer(), value);
  }

  /** {@code value} as JSON written by {@code writer} (a list of events needs their type: {@link #EVENTS}). */
  private Route json(org.apache.pekko.http.javadsl.model.StatusCode code, ObjectWriter writer, Object value) {
    try {
      return complete(HttpResponse.create().withStatus(code)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, writer.writeValueAsString(value))));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not writable as JSON: " + value.getClass().getSimpleName(), e);
    }
  }
}
