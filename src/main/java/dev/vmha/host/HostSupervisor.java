package dev.vmha.host;

import com.typesafe.config.Config;
import dev.vmha.LocalMessage;
import dev.vmha.config.HaSettings;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.DatastoreHeartbeat;
import dev.vmha.datastore.HostListFile;
import dev.vmha.datastore.WatchdogFlag;
import dev.vmha.election.ElectionFsm;
import dev.vmha.history.DecisionLog;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.BoundedHypervisor;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.isolation.Enforcement;
import dev.vmha.isolation.MajorityRecordFile;
import dev.vmha.isolation.SelfFence;
import dev.vmha.master.MasterCoordinator;
import dev.vmha.ping.PingTarget;
import dev.vmha.timing.TimingRules;
import dev.vmha.watchdog.Watchdog;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;

/**
 * Root of a host's agent: starts the datastore heartbeat, the election FSM (which runs the master coordinator while
 * this host is master), the VM manager and the self-fence, restarting any of them that fails. If a child stops for good, the agent
 * stops, to be restarted by its service manager from its persisted state, like the watchdog that restarts FDM.
 */
public final class HostSupervisor {
  public sealed interface Command {}

  /** Gives the election FSM to the HTTP API. */
  public record GetElection(ActorRef<ActorRef<ElectionFsm.Command>> replyTo) implements Command, LocalMessage {}

  /** Gives the watchdog to the HTTP API (its status). */
  public record GetWatchdog(ActorRef<ActorRef<Watchdog.Command>> replyTo) implements Command, LocalMessage {}

  /** Gives the datastore heartbeat to the metrics (its view: every host's datastore heartbeat age). */
  public record GetDatastoreHeartbeat(ActorRef<ActorRef<DatastoreHeartbeat.Command>> replyTo)
      implements Command, LocalMessage {}

  private record Quarantined(ThisActorSystemQuarantinedEvent event) implements Command, LocalMessage {}

  /** The election decided an operator's emergency disable or enable of HA's enforcement on this host. */
  private record EnforcementSet(Enforcement enforcement) implements Command, LocalMessage {}

  /** The election heard whether its master counts this host on its side (without datastores): for the self-fence. */
  private record CountedByMaster(SelfFence.CountedByMaster counted) implements Command, LocalMessage {}

  private record DuplicateHost(DuplicateMemberWatch.MustStop stop) implements Command, LocalMessage {}

  /** The time a refused agent has to leave the cluster is up. */
  private enum LeaveDue implements Command, LocalMessage { INSTANCE }

  /** The time a removed agent's next incarnation has to join the cluster that removed it is up. */
  private enum RejoinDue implements Command, LocalMessage { INSTANCE }

  /** Heartbeats, election, leases and fencing: apart from API and history work (application.conf). */
  public static final DispatcherSelector HA = DispatcherSelector.fromConfig("vmha.ha-dispatcher");
  private static final String HA_IO = "vmha.ha-io";
  private static final String HYPERVISOR_IO = "vmha.hypervisor-io";

  private HostSupervisor() {}

  /**
   * @param incarnations told the members of the cluster that removes this agent, for its next incarnation
   * @param removedBy the members of the cluster that removed the last incarnation (empty after a cold start): this
   *     one must join them
   */
  public static Behavior<Command> create(HaSettings s, Function<Drivers.Io, Drivers> driversFor, DecisionLog events,
      Clock clock, Incarnations incarnations, List<Address> removedBy) {
    return Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
      Drivers d = driversFor.apply(new Drivers.Io(
          ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(HYPERVISOR_IO)),
          ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(HA_IO))));
      Hypervisor hypervisor = new BoundedHypervisor(d.hypervisor(), s.hypervisorBounds());
      Instant started = clock.instant();
      events.accept(new HaEvent.AgentStarted(started, s.hostId(), s.hostAddress() + ":" + s.clusterPort(),
          d.datastores().stream().map(Datastore::name).toList()));
      if (d.datastores().size() < s.heartbeatDsPerHost()) {
        ctx.getLog().warn("{} has {} datastores, fewer than das.heartbeatdsperhost = {}: datastore heartbeats are"
            + " less redundant than configured", s.hostId(), d.datastores().size(), s.heartbeatDsPerHost());
      }
      ActorRef<DatastoreHeartbeat.Command> datastore = ctx.spawn(restarting(DatastoreHeartbeat.create(s.hostId(), s.hostAddress() + ":" + s.clusterPort(),
          s.heartbeatDsPerHost(), s.failureDetectionInterval(), d.datastores(), events, clock)), "datastore-heartbeat",
          HA);
      if (!d.datastores().isEmpty()) {
        ctx.spawn(ClusterJoin.create(s.hostId(), Agent.seedAddresses(s), removedBy, s.failureDetectionInterval(),
            s.hostTimeout(), datastore), "cluster-join");
      }
      if (!removedBy.isEmpty()) {
        Config pekko = ctx.getSystem().settings().config();
        timers.startSingleTimer(RejoinDue.INSTANCE, TimingRules.rejoinLimit(
            pekko.getDuration("pekko.cluster.seed-node-timeout"),
            pekko.getDuration("pekko.cluster.retry-unsuccessful-join-after")));
      }
      Executor io = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(HA_IO));
      HostListFile hostList = new HostListFile(s.dataDir(), io);
      MasterCoordinator.Deps masterDeps = new MasterCoordinator.Deps(s, d.datastores(), hostList, datastore,
          d.pinger(), events, clock);
      ActorRef<ElectionFsm.Command> election = ctx.spawn(restarting(ElectionFsm.create(s, d.isolationPinger(),
          datastore, start -> restarting(MasterCoordinator.create(masterDeps, start)), events, clock, started,
          enforcement -> ctx.getSelf().tell(new EnforcementSet(enforcement)),
          counted -> ctx.getSelf().tell(new CountedByMaster(counted)),
          // the list the last master here wrote before its restarts' power-ons: held as the replica
          d.datastores().isEmpty() ? Optional.of(hostList) : Optional.empty())), "election", HA);
      ActorRef<Watchdog.Command> watchdog = ctx.spawn(restarting(Watchdog.create(s.hostId(), d.watchdog(),
          s.watchdog().timeout(), s.leaseTiming(), flag -> publishWatchdog(datastore, flag, s, ctx.getSystem()),
          events, clock)), "watchdog", HA);
      ActorRef<HostVms.Command> vms = ctx.spawn(restarting(HostVms.create(s.hostId(),
          new PingTarget(s.hostAddress(), s.httpPort()), s.hostMemoryMb(), s.hostCpus(), s.failureDetectionInterval(),
          hypervisor, d.datastores().stream().findFirst(), s.leaseTiming(), report -> {
            election.tell(new ElectionFsm.LocalReport(report));
            datastore.tell(new DatastoreHeartbeat.LocalVms(report.poweredOn()));
          }, renewal -> watchdog.tell(new Watchdog.LeasesRenewed(renewal)), s.detectionTiming().slaveStall(), events,
          clock)), "vms", HA);
      // a host fences itself when its heartbeat reaches no datastore for hostTimeout (or, without datastores, when
      // it sees a minority that long): the master acts on a silent host only after that
      MajorityRecordFile majority = new MajorityRecordFile(s.dataDir(), io);
      ActorRef<SelfFence.Command> fence = ctx.spawn(restarting(SelfFence.create(s.hostId(), !d.datastores().isEmpty(),
          s.failureDetectionInterval(), s.hostTimeout(), datastore, vms, majority, events, clock)), "self-fence", HA);
      disarmAtJvmExit(ctx.getSystem(), watchdog, s);
      // a member that removed this host (declared it dead while it was cut off) quarantines it: this incarnation can
      // never rejoin, so it stops, and the agent's run loop starts a new one that joins as a slave
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(ThisActorSystemQuarantinedEvent.class,
          ctx.messageAdapter(ThisActorSystemQuarantinedEvent.class, Quarantined::new)));
      // another agent of this id joined the cluster before this one: this one leaves and its run loop ends
      ctx.spawn(DuplicateMemberWatch.create(events, clock, ctx.messageAdapter(DuplicateMemberWatch.MustStop.class,
          DuplicateHost::new)), "duplicate-member-watch", HA);
      ctx.watch(datastore);
      ctx.watch(election);
      ctx.watch(vms);
      ctx.watch(fence);
      return Behaviors.receive(Command.class)
          .onMessage(GetElection.class, g -> {
            g.replyTo().tell(election);
            return Behaviors.same();
          })
          .onMessage(EnforcementSet.class, e -> {
            // an operator's emergency disable (or enable), decided by the election: the self-fence and the leases
            fence.tell(new SelfFence.Enforce(e.enforcement()));
            vms.tell(new HostVms.Enforce(e.enforcement()));
            return Behaviors.same();
          })
          .onMessage(CountedByMaster.class, c -> {
            fence.tell(c.counted());
            return Behaviors.same();
          })
          .onMessage(GetWatchdog.class, g -> {
            g.replyTo().tell(watchdog);
            return Behaviors.same();
          })
          .onMessage(GetDatastoreHeartbeat.class, g -> {
            g.replyTo().tell(datastore);
            return Behaviors.same();
          })
          .onMessage(Quarantined.class, q -> {
            ctx.getLog().warn("{} was removed from the cluster by {}: restarting the agent", s.hostId(),
                q.event().remoteAddress().address());
            List<Address> members = new ArrayList<>(List.of(q.event().remoteAddress().address()));
            for (Member m : Cluster.get(ctx.getSystem()).state().getMembers()) {
              if (!members.contains(m.address())) members.add(m.address());
            }
            incarnations.removedBy(members);
            return Behaviors.stopped();
          })
          .onMessage(DuplicateHost.class, dup -> {
            ctx.getLog().error("{}; give each host its own vmha.host.id", dup.stop().why());
            incarnations.refuse(dup.stop().why() + "; give each host its own vmha.host.id");
            Cluster cluster = Cluster.get(ctx.getSystem());
            cluster.manager().tell(new Leave(cluster.selfMember().address()));
            // a member that left is removed, and Pekko stops its actor system; one that cannot reach the others stops
            timers.startSingleTimer(LeaveDue.INSTANCE, s.hostTimeout());
            return Behaviors.same();
          })
          .onMessageEquals(LeaveDue.INSTANCE, Behaviors::stopped)
          .onMessageEquals(RejoinDue.INSTANCE, () -> {
            MemberStatus status = Cluster.get(ctx.getSystem()).selfMember().status();
            if (status == MemberStatus.up() || status == MemberStatus.weaklyUp()) return Behaviors.same();
            ctx.getLog().warn("{} could not join the cluster that removed it ({}) in time: that cluster is gone;"
                + " restarting the agent to join as on a cold start", s.hostId(), removedBy);
            return Behaviors.stopped();
          })
          .onSignal(Terminated.class, t -> {
            ctx.getLog().error("{} stopped for good; stopping the agent so its service manager restarts it",
                t.getRef().path().name());
            return Behaviors.stopped();
          })
          .build();
    }));
  }

  /**
   * A planned stop of the agent (SIGTERM: systemctl stop) disarms the watchdog, once the power-on files say so, before
   * anything else stops: the VMs keep running. Without datastores nothing can say so and the watchdog is left armed:
   * the VMs stop when it fires, and the majority record stays, so a new agent carries the fence clock on as after a
   * crash. An actor system stopped for any other reason (removed from the cluster, started again by the run loop)
   * leaves it armed and counting.
   */
  private static void disarmAtJvmExit(ActorSystem<?> system, ActorRef<Watchdog.Command> watchdog, HaSettings s) {
    CoordinatedShutdown cs = CoordinatedShutdown.get(system);
    cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "disarm-watchdog", () -> {
      if (!cs.getShutdownReason().filter(CoordinatedShutdown.jvmExitReason()::equals).isPresent()) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      return AskPattern.<Watchdog.Command, Watchdog.Status>ask(watchdog, Watchdog.Stop::new, s.hostTimeout(),
          system.scheduler()).handle((st, err) -> {
            system.log().warn("{} stops: watchdog {}", s.hostId(), err == null ? st.phase() + ", " + st.detail()
                : "did not answer (" + err + "): it fires");
            return Done.getInstance();
          });
    });
  }

  /** "Armed" is written with the next round; "disarmed" completes true once a round wrote it everywhere. */
  private static CompletionStage<Boolean> publishWatchdog(
      ActorRef<DatastoreHeartbeat.Command> datastore, WatchdogFlag flag, HaSettings s, ActorSystem<?> system) {
    if (flag == WatchdogFlag.ARMED) {
      datastore.tell(new DatastoreHeartbeat.LocalWatchdog(flag, Optional.empty()));
      return CompletableFuture.completedFuture(true);
    }
    return AskPattern.ask(datastore, r -> new DatastoreHeartbeat.LocalWatchdog(flag, Optional.of(r)),
        s.hostTimeout(), system.scheduler());
  }

  private static <T> Behavior<T> restarting(Behavior<T> b) {
    return Behaviors.supervise(b).onFailure(SupervisorStrategy.restart());
  }
}
