package dev.vmha.election;

import dev.vmha.LocalMessage;
import dev.vmha.JsonSerializable;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.DatastoreView;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.master.MasterCoordinator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The host's role: Uninitialized → Election → Master | Slave (seed 000). It also carries the network heartbeats:
 * a master beats to every host each {@code das.failuredetectioninterval}; a slave beats to its master with its
 * {@link HostReport}; a slave that hears no master for {@code hostTimeout} enters a new election.
 *
 * <p>An election collects ballots for {@code vmha.election.window}; the best {@link Rank} wins. A host that hears a
 * master during an election follows it. Two masters that hear each other (a healed partition, or two elections that
 * saw different ballots) settle it by rank: the lower one steps down.
 */
public final class ElectionFsm {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "vmha-election");

  public enum Role { UNINITIALIZED, ELECTION, MASTER, SLAVE }

  public sealed interface Command {}

  /** A candidate's ballot, sent to every host during its election. */
  public record Ballot(Rank rank) implements Command, JsonSerializable {}

  /** A master's network heartbeat, sent to every host. */
  public record MasterBeat(Rank master, ActorRef<MasterCoordinator.Command> coordinator)
      implements Command, JsonSerializable {}

  /** This host's latest report, from its VM manager. */
  public record LocalReport(HostReport report) implements Command, LocalMessage {}

  public record GetRole(ActorRef<RoleInfo> replyTo) implements Command, LocalMessage {}

  /** The host's role and, once known, its master's coordinator. */
  public record RoleInfo(String hostId, Role role, String master, ActorRef<MasterCoordinator.Command> coordinator)
      implements LocalMessage {}

  private enum Tick implements Command, LocalMessage { INSTANCE }

  private enum WindowClosed implements Command, LocalMessage { INSTANCE }

  private enum MasterLost implements Command, LocalMessage { INSTANCE }

  private record Peers(Set<ActorRef<Command>> refs) implements Command, LocalMessage {}

  private record ViewUpdate(DatastoreView view) implements Command, LocalMessage {}

  private ElectionFsm() {}

  public static Behavior<Command> create(
      String hostId, Duration interval, Duration hostTimeout, Duration electionWindow,
      ActorRef<DatastoreHeartbeat.Command> datastore,
      Function<Map<String, Duration>, Behavior<MasterCoordinator.Command>> coordinator,
      Consumer<HaEvent> events, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      ActorRef<Receptionist.Listing> listing = ctx.messageAdapter(Receptionist.Listing.class,
          l -> new Peers(l.getServiceInstances(KEY)));
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listing));
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      Fsm fsm = new Fsm(ctx, timers, hostId, hostTimeout, electionWindow, datastore,
          ctx.messageAdapter(DatastoreView.class, ViewUpdate::new), coordinator, events, clock);
      return fsm.uninitialized(new Shared(Set.of(), 0, Optional.empty()));
    }));
  }

  /** What every state keeps: the other hosts' FSMs, datastores seen, this host's latest report. */
  private record Shared(Set<ActorRef<Command>> peers, int datastoresSeen, Optional<HostReport> report) {
    Shared peers(Set<ActorRef<Command>> p) {
      return new Shared(p, datastoresSeen, report);
    }

    Shared seen(int n) {
      return new Shared(peers, n, report);
    }

    Shared report(HostReport r) {
      return new Shared(peers, datastoresSeen, Optional.of(r));
    }
  }

  private record Fsm(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, String hostId, Duration hostTimeout,
      Duration electionWindow, ActorRef<DatastoreHeartbeat.Command> datastore, ActorRef<DatastoreView> viewAdapter,
      Function<Map<String, Duration>, Behavior<MasterCoordinator.Command>> coordinatorFactory,
      Consumer<HaEvent> events, Clock clock) {

    Rank rank(Shared s) {
      return new Rank(s.datastoresSeen(), hostId);
    }

    /** Messages every state treats alike; returns null for those it leaves to the state. */
    private Shared common(Shared s, Command m) {
      if (m instanceof Peers p) return s.peers(p.refs());
      if (m instanceof ViewUpdate v) return s.seen(v.view().accessibleCount());
      if (m instanceof LocalReport r) return s.report(r.report());
      return null;
    }

    private void askView() {
      datastore.tell(new DatastoreHeartbeat.GetView(viewAdapter));
    }

    // ---- Uninitialized: waiting for this agent to be a cluster member

    Behavior<Command> uninitialized(Shared s) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared c = common(s, m);
            if (c != null) return uninitialized(c);
            if (m == Tick.INSTANCE) {
              askView();
              MemberStatus st = Cluster.get(ctx.getSystem()).selfMember().status();
              if (st == MemberStatus.up() || st == MemberStatus.weaklyUp()) {
                return startElection(s, "agent joined the cluster", Optional.empty());
              }
              return Behaviors.same();
            }
            if (m instanceof GetRole g) return reply(g, Role.UNINITIALIZED, null, null);
            return Behaviors.same();
          })
          .build();
    }

    // ---- Election: collect ballots for the election window

    /** @param lostMaster the master whose silence caused this election, if any */
    Behavior<Command> startElection(Shared s, String reason, Optional<String> lostMaster) {
      events.accept(new HaEvent.ElectionStarted(clock.instant(), hostId, reason));
      timers.startSingleTimer(WindowClosed.INSTANCE, electionWindow);
      return election(s, Map.of(), lostMaster);
    }

    Behavior<Command> election(Shared s, Map<String, Rank> ballots, Optional<String> lostMaster) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared c = common(s, m);
            if (c != null) return election(c, ballots, lostMaster);
            if (m == Tick.INSTANCE) {
              askView();
              Ballot b = new Ballot(rank(s));
              for (ActorRef<Command> p : s.peers()) if (!p.equals(ctx.getSelf())) p.tell(b);
              return Behaviors.same();
            }
            if (m instanceof Ballot b) {
              Map<String, Rank> next = new HashMap<>(ballots);
              next.put(b.rank().hostId(), b.rank());
              return election(s, next, lostMaster);
            }
            if (m instanceof MasterBeat beat && !beat.master().hostId().equals(hostId)) {
              timers.cancel(WindowClosed.INSTANCE);
              return follow(s, beat, "heard master " + beat.master().hostId() + " during the election");
            }
            if (m == WindowClosed.INSTANCE) return closeElection(s, ballots, lostMaster);
            if (m instanceof GetRole g) return reply(g, Role.ELECTION, null, null);
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> closeElection(Shared s, Map<String, Rank> ballots, Optional<String> lostMaster) {
      List<Rank> candidates = new ArrayList<>(ballots.values());
      candidates.removeIf(r -> r.hostId().equals(hostId));
      candidates.add(rank(s));
      Rank winner = ElectionRanking.winner(candidates);
      events.accept(new HaEvent.MasterElected(clock.instant(), hostId, winner.hostId(),
          ElectionRanking.ordered(candidates), ElectionRanking.RULE));
      if (winner.hostId().equals(hostId)) {
        // the lost master has been silent since before this election: the new master need not wait for it again
        Map<String, Duration> silent = new HashMap<>();
        lostMaster.ifPresent(m -> silent.put(m, hostTimeout.plus(electionWindow)));
        return becomeMaster(s, Role.ELECTION, silent);
      }
      events.accept(new HaEvent.RoleChanged(clock.instant(), hostId, Role.ELECTION.name(), Role.SLAVE.name(),
          winner.hostId()));
      timers.startSingleTimer(MasterLost.INSTANCE, hostTimeout);
      return slave(s, winner, Optional.empty());
    }

    // ---- Slave: follow the master, beat to it, elect anew when it falls silent

    private Behavior<Command> follow(Shared s, MasterBeat beat, String why) {
      events.accept(new HaEvent.RoleChanged(clock.instant(), hostId, "(" + why + ")", Role.SLAVE.name(),
          beat.master().hostId()));
      timers.startSingleTimer(MasterLost.INSTANCE, hostTimeout);
      return slave(s, beat.master(), Optional.of(beat.coordinator()));
    }

    Behavior<Command> slave(Shared s, Rank master, Optional<ActorRef<MasterCoordinator.Command>> coordinator) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared c = common(s, m);
            if (c != null) return slave(c, master, coordinator);
            if (m == Tick.INSTANCE) {
              askView();
              if (coordinator.isPresent() && s.report().isPresent()) {
                coordinator.get().tell(new MasterCoordinator.SlaveBeat(s.report().get()));
              }
              return Behaviors.same();
            }
            if (m instanceof MasterBeat beat) {
              if (beat.master().hostId().equals(master.hostId())) {
                timers.startSingleTimer(MasterLost.INSTANCE, hostTimeout);
                return slave(s, beat.master(), Optional.of(beat.coordinator()));
              }
              if (beat.master().outranks(master) && !beat.master().hostId().equals(hostId)) {
                return follow(s, beat, "master " + beat.master().hostId() + " outranks " + master.hostId());
              }
              return Behaviors.same();
            }
            if (m == MasterLost.INSTANCE) {
              events.accept(new HaEvent.RoleChanged(clock.instant(), hostId, Role.SLAVE.name(), Role.ELECTION.name(),
                  null));
              return startElection(s, "no heartbeat from master " + master.hostId() + " for " + hostTimeout.toMillis()
                  + " ms", Optional.of(master.hostId()));
            }
            if (m instanceof GetRole g) return reply(g, Role.SLAVE, master.hostId(), coordinator.orElse(null));
            return Behaviors.same();
          })
          .build();
    }

    // ---- Master: run the coordinator, beat to every host, step down for a better master

    private Behavior<Command> becomeMaster(Shared s, Role from, Map<String, Duration> knownSilence) {
      events.accept(new HaEvent.RoleChanged(clock.instant(), hostId, from.name(), Role.MASTER.name(), hostId));
      ActorRef<MasterCoordinator.Command> coordinator = ctx.spawnAnonymous(coordinatorFactory.apply(knownSilence));
      ctx.watch(coordinator);
      return master(s, coordinator);
    }

    Behavior<Command> master(Shared s, ActorRef<MasterCoordinator.Command> coordinator) {
      return Behaviors.receive(Command.class)
          .onAnyMessage(m -> {
            Shared c = common(s, m);
            if (c != null) return master(c, coordinator);
            if (m == Tick.INSTANCE) {
              askView();
              MasterBeat beat = new MasterBeat(rank(s), coordinator);
              for (ActorRef<Command> p : s.peers()) if (!p.equals(ctx.getSelf())) p.tell(beat);
              s.report().ifPresent(r -> coordinator.tell(new MasterCoordinator.SlaveBeat(r)));
              return Behaviors.same();
            }
            if (m instanceof MasterBeat beat && beat.master().outranks(rank(s))) {
              ctx.unwatch(coordinator);
              ctx.stop(coordinator);
              events.accept(new HaEvent.RoleChanged(clock.instant(), hostId, Role.MASTER.name(), Role.SLAVE.name(),
                  beat.master().hostId()));
              timers.startSingleTimer(MasterLost.INSTANCE, hostTimeout);
              return slave(s, beat.master(), Optional.of(beat.coordinator()));
            }
            if (m instanceof GetRole g) return reply(g, Role.MASTER, hostId, coordinator);
            return Behaviors.same();
          })
          .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> {
            // the coordinator failed beyond its own restarts: stop being master, let the cluster elect again
            events.accept(new HaEvent.RoleChanged(clock.instant(), hostId, Role.MASTER.name(), Role.ELECTION.name(),
                null));
            return startElection(s, "master coordinator stopped", Optional.empty());
          })
          .build();
    }

    private Behavior<Command> reply(
        GetRole g, Role role, String master, ActorRef<MasterCoordinator.Command> coordinator) {
      g.replyTo().tell(new RoleInfo(hostId, role, master, coordinator));
      return Behaviors.same();
    }
  }
}
