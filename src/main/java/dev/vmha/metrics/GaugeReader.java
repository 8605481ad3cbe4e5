package dev.vmha.metrics;

import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.election.ElectionFsm;
import dev.vmha.master.ClusterStatus;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Reads {@link Gauges} for a scrape from this agent's actors: its election FSM (role), as master its own coordinator
 * (a slave never asks its master: it shows what it knows itself), and its datastore heartbeat (the view). Each ask is
 * bounded by {@code timeout} ({@link TimingRules#gaugeAskBound}); one that fails leaves its part empty.
 */
public record GaugeReader(ActorRef<ElectionFsm.Command> election, ActorRef<DatastoreHeartbeat.Command> datastore,
    Duration timeout, Scheduler scheduler) {


  public CompletionStage<Gauges> read() {
    CompletionStage<Optional<DatastoreView>> view = optional(AskPattern.ask(datastore, DatastoreHeartbeat.GetView::new,
        timeout, scheduler));
    CompletionStage<Optional<ElectionFsm.RoleInfo>> role = optional(AskPattern.ask(election, ElectionFsm.GetRole::new,
        timeout, scheduler));
    CompletionStage<Optional<ClusterStatus>> cluster = role.thenCompose(r -> r
        .filter(i -> i.role() == dev.vmha.election.Role.MASTER).flatMap(ElectionFsm.RoleInfo::coordinator)
        .map(c -> optional(AskPattern.<MasterCoordinator.Command, ClusterStatus>ask(c,
            MasterCoordinator.GetStatus::new, timeout, scheduler)))
        .orElse(CompletableFuture.completedFuture(Optional.empty())));
    return role.thenCombine(cluster, (r, c) -> new Gauges(r.map(ElectionFsm.RoleInfo::role), c, Optional.empty()))
        .thenCombine(view, (g, v) -> new Gauges(g.role(), g.cluster(), v));
  }

  private static <T> CompletionStage<Optional<T>> optional(CompletionStage<T> answer) {
    return answer.handle((t, err) -> Optional.ofNullable(err == null ? t : null));
  }
}
