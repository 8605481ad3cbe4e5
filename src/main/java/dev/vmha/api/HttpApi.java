package dev.vmha.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.EventLog;
import dev.vmha.config.RestartSettings;
import dev.vmha.config.TransportSettings;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.ReadyCondition;
import dev.vmha.restart.RestartPriority;
import dev.vmha.restart.VmProtection;
import dev.vmha.master.ClusterStatus;
import dev.vmha.security.ClusterTls;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.watchdog.Watchdog;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The agent's HTTP API. Any agent answers: a slave asks its master for the cluster view and forwards operator
 * requests to it. The seam for the later REST/CLI/web issue.
 *
 * <ul>
 *   <li>{@code GET /api/status}: {@link AgentStatus} as JSON;
 *   <li>{@code POST /api/vms}: {@link VmRequest}; powers the VM on under protection (200, or 409 with the reason);
 *   <li>{@code POST /api/vms/<name>/power-off}: an operator's power-off: the VM is unprotected, then stopped;
 *   <li>{@code GET /api/events}: this agent's recent events.
 * </ul>
 */
public final class HttpApi extends AllDirectives {
  private static final ObjectMapper JSON = EventLog.JSON;
  private final ActorSystem<?> system;
  private final ActorRef<ElectionFsm.Command> election;
  private final EventLog events;
  private final Duration timeout;
  private final RestartSettings restart;
  private final ActorRef<Watchdog.Command> watchdog;

  public HttpApi(
      ActorSystem<?> system, ActorRef<ElectionFsm.Command> election, ActorRef<Watchdog.Command> watchdog,
      EventLog events, Duration timeout, RestartSettings restart) {
    this.system = system;
    this.watchdog = watchdog;
    this.restart = restart;
    this.election = election;
    this.events = events;
    this.timeout = timeout;
  }

  public CompletionStage<ServerBinding> bind(String address, int port) {
    return Http.get(system).newServerAt(address, port).bind(routes());
  }

  Route routes() {
    return pathPrefix("api", () -> concat(
        path("status", () -> get(() -> onSuccess(status(), s -> json(StatusCodes.OK, s)))),
        path("events", () -> get(() -> json(StatusCodes.OK, events.recent()))),
        path("vms", () -> post(() -> entity(Unmarshaller.entityToString(), body -> powerOn(body)))),
        pathPrefix("vms", () -> pathPrefix(segment(), vm -> path("power-off", () -> post(() -> onSuccess(
            toMaster(ref -> new MasterCoordinator.PowerOffVm(vm, ref)),
            r -> json(r.ok() ? StatusCodes.OK : StatusCodes.CONFLICT, r))))))));
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
            r.role() == ElectionFsm.Role.UNINITIALIZED ? notJoined()
                : r.master() == null ? "no master elected yet"
                : "master " + r.master() + " elected; its first heartbeat has not arrived yet", w, transport()));
      }
      CompletionStage<ClusterStatus> cluster = AskPattern.ask(r.coordinator(), MasterCoordinator.GetStatus::new,
          timeout, system.scheduler());
      return cluster.<Object>handle((c, err) -> c != null ? c : err).thenCombine(dog, (c, w) ->
          c instanceof ClusterStatus cs ? new AgentStatus(r.hostId(), r.role().name(), r.master(), cs, null, w,
              transport())
              : new AgentStatus(r.hostId(), r.role().name(), r.master(), null, "master " + r.master()
                  + " did not answer: " + ((Throwable) c).getMessage(), w, transport()));
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

  private Route powerOn(String body) {
    VmSpec vm;
    String host;
    VmProtection protection;
    try {
      VmRequest req = JSON.readValue(body, VmRequest.class);
      if (req.name() == null || req.memoryMb() == null) throw new IllegalArgumentException("name and memoryMb are required");
      vm = new VmSpec(req.name(), req.memoryMb(), req.cpus() == null ? 1 : req.cpus());
      host = req.host();
      protection = protectionOf(req);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return json(StatusCodes.BAD_REQUEST, new MasterCoordinator.OperationResult(false, "bad request: " + e.getMessage()));
    }
    return onSuccess(toMaster(ref -> new MasterCoordinator.PowerOnVm(vm, host, protection, ref)),
        r -> json(r.ok() ? StatusCodes.OK : StatusCodes.CONFLICT, r));
  }

  /** The VM's configured protection with the request's fields laid over it. */
  private VmProtection protectionOf(VmRequest req) {
    VmProtection p = restart.protectionOf(req.name());
    return new VmProtection(
        req.priority() == null ? p.priority() : RestartPriority.parse(req.priority()),
        req.order() == null ? p.order() : req.order(),
        req.ready() == null ? p.ready() : ReadyCondition.parse(req.ready()),
        req.readyTimeoutSeconds() == null ? p.readyTimeout() : Duration.ofSeconds(req.readyTimeoutSeconds()),
        req.dependsOn() == null ? p.dependsOn() : req.dependsOn());
  }

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
      return complete(StatusCodes.INTERNAL_SERVER_ERROR, e.getMessage());
    }
  }
}
