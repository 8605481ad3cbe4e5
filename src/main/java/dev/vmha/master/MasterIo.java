package dev.vmha.master;

import dev.vmha.Failures;
import dev.vmha.capacity.CapacityPlan;
import dev.vmha.datastore.Datastore;
import dev.vmha.host.HostVms;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The master's effects that are plain I/O, off the shell: the protected list and its lock read and written on the
 * datastores (without datastores, the list on this host's disk), pings, operators' power-offs, capacity planning.
 * Each is answered by exactly one {@link MasterInput}, also when it fails (the failure named in it), so the machine
 * always learns how its effect ended.
 */
final class MasterIo {
  private final MasterCoordinator.Deps deps;
  /** Capacity planning runs here, never on the master's dispatcher: a large cluster's run can take seconds. */
  private final Executor planner;
  private final Scheduler scheduler;
  /** A host's VM manager, as its last report names it. */
  private final Function<String, ActorRef<HostVms.Command>> vmsOf;

  MasterIo(MasterCoordinator.Deps deps, Executor planner, Scheduler scheduler,
      Function<String, ActorRef<HostVms.Command>> vmsOf) {
    this.deps = deps;
    this.planner = planner;
    this.scheduler = scheduler;
    this.vmsOf = vmsOf;
  }

  /** The input that answers {@code effect}, if it is one of these; empty for every other effect. */
  Optional<CompletionStage<MasterInput>> answer(MasterEffect effect) {
    if (effect instanceof MasterEffect.ReadList) {
      return Optional.of(ListCopies.read(deps.datastores()).thenApply(r -> r));
    }
    if (effect instanceof MasterEffect.WriteList w && deps.datastores().isEmpty()) {
      // without datastores the list goes to this host's own disk, for the next agent here (a failure is warned of)
      return Optional.of(deps.hostList().write(w.list()).handle((x, err) -> new MasterInput.ListWritten(
          w.list().version(), 0, err == null ? List.of() : List.of("this host's disk: " + Failures.rootMessage(err)))));
    }
    if (effect instanceof MasterEffect.WriteList w) {
      return Optional.of(ListCopies.write(w.datastores().stream().map(this::datastore).toList(), w.list())
          .thenApply(r -> r));
    }
    if (effect instanceof MasterEffect.WriteListLock w) {
      return Optional.of(datastore(w.datastore()).writeListLock(w.lock(), w.replacing()).handle((written, err) ->
          new MasterInput.LockWritten(w.datastore(), err != null ? Optional.of(Failures.rootMessage(err))
              : written ? Optional.empty() : Optional.of(MasterInput.LockWritten.TAKEN))));
    }
    if (effect instanceof MasterEffect.Ping p) {
      return Optional.of(p.target().map(t -> deps.pinger().ping(t, p.timeout()))
          .orElse(CompletableFuture.completedFuture(false))
          .handle((ok, err) -> new MasterInput.Pinged(p.host(), err == null && ok)));
    }
    if (effect instanceof MasterEffect.PowerOff p) {
      return Optional.of(AskPattern.<HostVms.Command, HostVms.Result>ask(vmsOf.apply(p.host()),
          ref -> new HostVms.PowerOff(p.vm(), ref), deps.settings().powerOnTimeout(), scheduler)
          .handle((r, err) -> new MasterInput.PoweredOff(p.request(), p.vm(), p.host(),
              err != null ? Optional.of(Failures.rootMessage(err)) : r.ok() ? Optional.empty() : Optional.of(r.error()))));
    }
    if (effect instanceof MasterEffect.Plan p) return Optional.of(plan(p));
    return Optional.empty();
  }

  private CompletionStage<MasterInput> plan(MasterEffect.Plan p) {
    Duration timeout = p.settings().planTimeout();
    return CompletableFuture.supplyAsync(() -> CapacityPlan.of(p.cluster(), p.settings()), planner)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((plan, err) -> err == null ? new MasterInput.Planned(p.version(), plan)
            : new MasterInput.PlanFailed(p.version(), err instanceof TimeoutException
                || err.getCause() instanceof TimeoutException
                ? "no plan within vmha.capacity.plan-timeout = " + timeout.toSeconds() + " s"
                : Failures.rootMessage(err)));
  }

  private Datastore datastore(String name) {
    List<Datastore> all = deps.datastores();
    return all.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
  }
}
