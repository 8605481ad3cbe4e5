package dev.vmha.election;

import static dev.vmha.election.ElectionCase.HOST9_LIST;
import static dev.vmha.election.ElectionCase.HOST_TIMEOUT;
import static dev.vmha.election.ElectionCase.INTERVAL;
import static dev.vmha.election.ElectionCase.ISOLATION_ADDRESS;
import static dev.vmha.election.ElectionCase.PING_TICKS;
import static dev.vmha.election.ElectionCase.PING_TIMEOUT;
import static dev.vmha.election.ElectionCase.SELF;
import static dev.vmha.election.ElectionCase.SETTINGS;
import static dev.vmha.election.ElectionCase.TIMEOUT_TICKS;
import static dev.vmha.election.ElectionCase.WINDOW;
import static dev.vmha.election.ElectionCase.WINDOW_TICKS;
import static dev.vmha.election.ElectionCase.host9List;
import static dev.vmha.election.ElectionCase.ms;
import static dev.vmha.election.ElectionCase.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.config.HaSettings;
import dev.vmha.config.IsolationResponse;
import dev.vmha.datastore.ListPromise;
import dev.vmha.datastore.ProtectedList;
import dev.vmha.election.ElectionEffect.ApplyIsolationResponse;
import dev.vmha.election.ElectionEffect.ClearIsolationFlag;
import dev.vmha.election.ElectionEffect.CountedByMaster;
import dev.vmha.election.ElectionEffect.DeclareIsolated;
import dev.vmha.election.ElectionEffect.PingIsolationAddress;
import dev.vmha.election.ElectionEffect.ReplyRole;
import dev.vmha.election.ElectionEffect.ReportTo;
import dev.vmha.election.ElectionEffect.ReportToOwn;
import dev.vmha.election.ElectionEffect.SendBallot;
import dev.vmha.election.ElectionEffect.SendMasterBeat;
import dev.vmha.election.ElectionEffect.StartCoordinator;
import dev.vmha.election.ElectionEffect.StopCoordinator;
import dev.vmha.election.ElectionEffect.StoreReplica;
import dev.vmha.election.ElectionInput.Membership;
import dev.vmha.history.HaEvent;
import dev.vmha.host.HostReport;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.Enforcement;
import dev.vmha.ping.PingTarget;
import dev.vmha.restart.VmProtection;
import dev.vmha.timing.TimingRules;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The election as input scripts on the pure {@link ElectionMachine}, in virtual time ({@link ElectionScript}): every
 * figure of the timeline (seed 003, vSphere defaults) is checked to the virtual millisecond against the configured
 * interval, hostTimeout, election window and icmpPingTimeout, and every effect the shell would carry out is asserted.
 * The actor wiring is {@link ElectionFsmTest}'s.
 */
class ElectionMachineTest {
  /** The cluster's nodelist names host9 too (this host is 127.0.0.1:2551, the default). */
  private static final String HOST9_ADDRESS = "127.0.0.9:2551";
  private static final HaSettings WITH_HOST9 = settings(
      "vmha.cluster.seed-nodes = [\"127.0.0.1:2551\", \"" + HOST9_ADDRESS + "\"]");
  /** How long an answering isolation address takes to answer: well within an interval. */
  private static final Duration ANSWER_AFTER = INTERVAL.dividedBy(10);
  private static final VmSpec VM1 = new VmSpec("vm1", 512, 1);
  /** This host's report (the VM manager's reference is the shell's business). */
  private static final HostReport REPORT = new HostReport(SELF, new PingTarget("127.0.0.1", 1), 4096, 4,
      List.of(VM1), null, false, List.of(), List.of(), 1);

  private ElectionScript s;

  // ---- the timeline of seed 003

  @Test
  void aloneItElectsItselfExactlyWhenTheElectionWindowCloses() {
    s = new ElectionScript(SETTINGS, 0);
    assertEquals(Role.UNINITIALIZED, s.role().role());

    s.tick(); // the first tick finds the node up
    long start = s.now();
    HaEvent.ElectionStarted started = only(HaEvent.ElectionStarted.class, 0);
    assertEquals("agent joined the cluster", started.reason());
    assertEquals(start, ms(started.at()));
    assertEquals(Role.ELECTION, s.role().role());

    int mark = s.mark();
    for (int t = 1; t < WINDOW_TICKS; t++) {
      assertEquals(Role.ELECTION, s.tick().role(), "still in the election at +" + t + " s");
    }
    assertEquals(List.of(), s.events(mark), "nothing decided before the window closes");
    assertEquals(List.of(new SendBallot<String>(new Rank(2, SELF))), s.since(s.mark() - 4, SendBallot.class),
        "it ballots every interval");

    ReplyRole<String> r = s.tick();
    long close = start + WINDOW.toMillis();
    HaEvent.MasterElected elected = only(HaEvent.MasterElected.class, mark);
    assertEquals(SELF, elected.master());
    assertEquals(List.of("host5(2 ds)"), elected.candidates());
    assertEquals(ElectionRanking.RULE, elected.rule());
    assertEquals(close, ms(elected.at()));
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.ELECTION, Role.MASTER, Optional.of(SELF)), List.of(changed.from(), changed.to(), changed.master()));
    assertEquals(close, ms(changed.at()));
    assertEquals(Role.MASTER, r.role());
    assertEquals(Optional.of(SELF), r.master());
    assertEquals(List.of(new StartCoordinator<String>(Map.of(), Optional.empty())),
        s.since(0, StartCoordinator.class), "no lost master: no known silence; no list replicated to it");
    assertEquals(List.of(), s.since(0, PingIsolationAddress.class),
        "a host that lost no master does not check for isolation");

    // it stays master and beats every interval
    int master = s.mark();
    for (int t = 0; t < 3; t++) assertEquals(Role.MASTER, s.tick().role());
    assertEquals(3, s.since(master, SendMasterBeat.class).size());
    assertEquals(1, s.since(0, StartCoordinator.class).size());
  }

  @Test
  void aMasterHeardDuringTheElectionMakesItASlaveOfThatMaster() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    long start = s.now();
    s.tick();
    s.tick();
    int mark = s.mark();
    // a master is followed whatever its rank: here even one that sees fewer datastores
    s.feed(beat(new Rank(1, "host1"), "coord1", null));
    ReplyRole<String> r = s.role();
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host1"), r.master());
    assertEquals(Optional.of("coord1"), r.coordinator());
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.SLAVE, Optional.of("host1")), List.of(changed.to(), changed.master()));
    assertEquals(start + 2 * INTERVAL.toMillis(), ms(changed.at()));
    assertEquals(1, s.since(mark, ElectionEffect.Cancel.class).size(), "the window no longer closes");

    // the slave beats its report to the master every interval, and never elects itself, window or not
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    for (int t = 0; t < WINDOW_TICKS + TIMEOUT_TICKS; t++) {
      int before = s.mark();
      assertEquals(Role.SLAVE, s.tick().role());
      assertEquals(List.of(new ReportTo<>("coord1", REPORT, Optional.<Long>empty())),
          s.since(before, ReportTo.class));
      s.feed(beat(new Rank(1, "host1"), "coord1", null));
    }
    assertEquals(List.of(), s.events(0, HaEvent.MasterElected.class));
    assertEquals(List.of(), s.events(mark, HaEvent.ElectionStarted.class));
    assertEquals(List.of(), s.since(0, StartCoordinator.class), "a slave runs no coordinator");
  }

  /**
   * Seed 4099: a slave offers its replica of the list in its reports while its master's beats carry none (a master
   * that restarted and reads no datastore's copy), and stops once they do.
   */
  @Test
  void aSlaveOffersItsReplicaWhileItsMastersBeatsCarryNoListOrAnOlderOne() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(beat(new Rank(2, "host9"), "coord9", ElectionCase.host9List(4)));
    s.feed(new ElectionInput.ReplicaStored<>(s.at(), ElectionCase.host9List(4)));
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    int before = s.mark();
    s.tick();
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(4L))), s.since(before, ReportTo.class),
        "listed: no replica; it holds v4 of host9's list");
    s.feed(beat(new Rank(2, "host9"), "coord9", null));
    before = s.mark();
    s.tick();
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(ElectionCase.host9List(4)), Optional.of(4L))),
        s.since(before, ReportTo.class));
    s.feed(beat(new Rank(2, "host9"), "coord9", ElectionCase.host9List(5)));
    s.feed(new ElectionInput.ReplicaStored<>(s.at(), ElectionCase.host9List(5)));
    before = s.mark();
    s.tick();
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(5L))), s.since(before, ReportTo.class));
    // seed 5 without datastores: a master that started with no list of its own beats an older one: offered again
    s.feed(beat(new Rank(2, "host9"), "coord9", ElectionCase.host9List(0)));
    before = s.mark();
    s.tick();
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(ElectionCase.host9List(5)), Optional.of(5L))),
        s.since(before, ReportTo.class), "an older list counts as none");
  }

  /**
   * Without datastores the replica outlives this agent only on its disk: a slave stores each newer replica it takes
   * (one store at a time; the newest held when the last one ends), and reports holding its master's list only up to
   * the version stored, so that a majority that holds a restart's list holds it across restarts of their agents.
   */
  @Test
  void withoutDatastoresASlaveStoresEachNewerReplicaAndReportsHoldingOnlyWhatIsStored() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    int mark = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(4)));
    assertEquals(List.of(new StoreReplica<String>(host9List(4))), s.since(mark, StoreReplica.class));
    mark = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(4)));
    s.tick();
    assertEquals(List.of(), s.since(mark, StoreReplica.class), "the same list: its store is out");
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.<Long>empty())), s.since(mark, ReportTo.class),
        "v4 is in memory only: not held");

    s.feed(new ElectionInput.ReplicaStored<>(s.at(), host9List(4)));
    mark = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(4)));
    s.tick();
    assertEquals(List.of(), s.since(mark, StoreReplica.class), "stored already");
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(4L))), s.since(mark, ReportTo.class));

    mark = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(5)));
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(6)));
    assertEquals(List.of(new StoreReplica<String>(host9List(5))), s.since(mark, StoreReplica.class),
        "one store at a time");
    s.feed(new ElectionInput.ReplicaStored<>(s.at(), host9List(5)));
    assertEquals(List.of(new StoreReplica<String>(host9List(5)), new StoreReplica<String>(host9List(6))),
        s.since(mark, StoreReplica.class), "the newest held, once the last store ended");
    mark = s.mark();
    s.feed(new ElectionInput.ReplicaNotStored<>(s.at()));
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(6)));
    assertEquals(List.of(), s.since(mark, StoreReplica.class), "a failed store is not tried again at once");
    s.tick();
    assertEquals(List.of(new StoreReplica<String>(host9List(6))), s.since(mark, StoreReplica.class),
        "but at the next tick");
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(5L))), s.since(mark, ReportTo.class),
        "it holds v5 on its disk");
  }

  /**
   * Without datastores a slave promises the epoch its master proposes, on its disk, and reports the promise once it is
   * there; from then on it neither takes, stores nor reports as held a list of an older epoch, however high its
   * number (seed 195: a deposed master's later writes), and it offers what it held before the promise. The promise
   * read from its disk as the agent starts binds it as well (seed 54: a host lost power after its promise).
   */
  @Test
  void withoutDatastoresASlavePromisesItsMastersEpochAndThenRefusesListsOfOlderEpochs() {
    ProtectedList epoch1 = host9List((1L << 32) + 7);
    ProtectedList deposed = host9List((1L << 32) + 9);
    ProtectedList epoch2 = host9List(2L << 32);
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    s.feed(new ElectionInput.ReplicaStored<>(s.at(), epoch1));
    int mark = s.mark();
    s.feed(new ElectionInput.MasterBeatHeard<>(s.at(), new Rank(2, "host9"), "coord9", Optional.empty(),
        Optional.empty(), 2));
    assertEquals(List.of(new ElectionEffect.StorePromise<String>(TWO_TO_HOST9)),
        s.since(mark, ElectionEffect.StorePromise.class));
    s.tick();
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(epoch1), Optional.of(epoch1.version()),
        ListPromise.NONE)),
        s.since(mark, ReportTo.class), "its replica offered; the promise not on its disk yet");

    s.feed(new ElectionInput.PromiseOnDisk<>(s.at(), TWO_TO_HOST9));
    mark = s.mark();
    s.feed(beat(new Rank(1, "host8"), "coord8", deposed));
    s.feed(beat(new Rank(2, "host9"), "coord9", null));
    s.tick();
    assertEquals(OptionalLong.of(epoch1.version()), s.role().listVersion(), "the older epoch's list is not taken");
    assertEquals(List.of(), s.since(mark, StoreReplica.class));
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(epoch1), Optional.of(epoch1.version()),
        TWO_TO_HOST9)),
        s.since(mark, ReportTo.class), "the promise reported with the replica held before it");

    mark = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", epoch2));
    assertEquals(List.of(new StoreReplica<String>(epoch2)), s.since(mark, StoreReplica.class), "its epoch's list");

    s = new ElectionScript(SETTINGS, 0);
    s.feed(new ElectionInput.PromiseOnDisk<>(s.at(), TWO_TO_HOST9));
    s.feed(new ElectionInput.DiskListRead<>(s.at(), epoch1));
    s.tick();
    mark = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", deposed));
    assertEquals(OptionalLong.of(epoch1.version()), s.role().listVersion(), "the promise outlives the agent");
    assertEquals(List.of(), s.since(mark, StoreReplica.class));
  }

  private static final ListPromise TWO_TO_HOST9 = new ListPromise(2, "host9");

  /**
   * Without datastores a host promises an epoch to one master only (session 15): it promised epoch 2 to host9, then
   * follows host10, which outranks host9 and proposes epoch 2 as well (both saw epoch 1 last). It stores no promise
   * for host10 and reports the one it made, to host9: host10 then proposes again, and never counts this host for an
   * epoch host9 may act in.
   */
  @Test
  void withoutDatastoresASlavePromisesAnEpochToOneMasterOnly() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    s.feed(new ElectionInput.MasterBeatHeard<>(s.at(), new Rank(2, "host9"), "coord9", Optional.empty(),
        Optional.empty(), 2));
    s.feed(new ElectionInput.PromiseOnDisk<>(s.at(), TWO_TO_HOST9));
    int mark = s.mark();
    s.feed(new ElectionInput.MasterBeatHeard<>(s.at(), new Rank(2, "host10"), "coord10", Optional.empty(),
        Optional.empty(), 2));
    assertEquals(List.of(), s.since(mark, ElectionEffect.StorePromise.class), "epoch 2 is promised to host9");
    s.tick();
    assertEquals(List.of(new ReportTo<>("coord10", REPORT, Optional.empty(), Optional.empty(), TWO_TO_HOST9)),
        s.since(mark, ReportTo.class), "its promise, to host9, reported to host10");
    s.feed(new ElectionInput.MasterBeatHeard<>(s.at(), new Rank(2, "host10"), "coord10", Optional.empty(),
        Optional.empty(), 3));
    assertEquals(List.of(new ElectionEffect.StorePromise<String>(new ListPromise(3, "host10"))),
        s.since(mark, ElectionEffect.StorePromise.class), "a later epoch is promised");
  }

  /**
   * Without datastores an agent takes, stores and promises nothing before the read of the promise on its disk answers:
   * until then a list heard may be of an epoch older than the one promised there (and the real read is asynchronous,
   * so beats can come first). A read that fails leaves it so: the shell logs why.
   */
  @Test
  void withoutDatastoresNothingIsTakenOrPromisedBeforeThePromiseOnDiskIsKnown() {
    ProtectedList deposed = host9List((1L << 32) + 9);
    s = new ElectionScript(SETTINGS, 0, false);
    s.tick();
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    int mark = s.mark();
    s.feed(new ElectionInput.MasterBeatHeard<>(s.at(), new Rank(2, "host9"), "coord9", Optional.of(deposed),
        Optional.empty(), 1));
    s.tick();
    assertEquals(OptionalLong.empty(), s.role().listVersion(), "the promise there may be of epoch 2");
    assertEquals(List.of(), s.since(mark, StoreReplica.class));
    assertEquals(List.of(), s.since(mark, ElectionEffect.StorePromise.class), "a later promise may be there");

    s.feed(new ElectionInput.PromiseOnDisk<>(s.at(), TWO_TO_HOST9));
    s.feed(beat(new Rank(2, "host9"), "coord9", deposed));
    assertEquals(OptionalLong.empty(), s.role().listVersion(), "of epoch 1: refused");
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(2L << 32)));
    assertEquals(OptionalLong.of(2L << 32), s.role().listVersion(), "of the epoch promised: taken");
  }

  /**
   * The list read from this host's disk as the agent starts is held and counts as stored; a store that finds a newer
   * list there (a master on this host wrote it) holds that one.
   */
  @Test
  void withoutDatastoresTheListOnDiskIsHeldAndCountsAsStored() {
    s = new ElectionScript(SETTINGS, 0);
    int mark = s.mark();
    s.feed(new ElectionInput.DiskListRead<>(s.at(), host9List(4)));
    assertEquals(OptionalLong.of(4), s.role().listVersion());
    s.tick();
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(4)));
    s.tick();
    assertEquals(List.of(), s.since(mark, StoreReplica.class), "on the disk already");
    assertEquals(List.of(new ReportTo<>("coord9", REPORT, Optional.of(4L))), s.since(mark, ReportTo.class));

    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(5)));
    s.feed(new ElectionInput.ReplicaStored<>(s.at(), host9List(7)));
    assertEquals(OptionalLong.of(7), s.role().listVersion(), "the newer list on disk is held");
  }

  /** A master's coordinator writes its own list; with heartbeat datastores no host stores one. */
  @Test
  void aMasterOrAHostWithDatastoresStoresNoReplica() {
    becomeMaster();
    s.feed(new ElectionInput.ListChanged<>(s.at(), host9List(4).with(VM1, SELF, VmProtection.defaults(), SELF)));
    s.tick();
    assertEquals(List.of(), s.since(0, StoreReplica.class));

    s = new ElectionScript(settings("vmha.datastores = [\"/mnt/ds1\", \"/mnt/ds2\"]"), 0);
    s.tick();
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(4)));
    s.tick();
    assertEquals(Role.SLAVE, s.role().role());
    assertEquals(List.of(), s.since(0, StoreReplica.class));
  }

  /**
   * Seed 003, a slave that loses its master and hears no ballot: T0 loss of the master's heartbeat; T0+10 s
   * election; T0+25 s elects itself and pings the isolation addresses; the address answers, which settles it: it is
   * partitioned, not isolated, and becomes master of its side at once — not when the ping timeout is over.
   */
  @Test
  void aSlaveThatLosesItsMasterElectsAtHostTimeoutAndBecomesMasterAsSoonAsTheIsolationAddressAnswers() {
    long t0 = slaveOfHost9UntilT0(SETTINGS);
    PingIsolationAddress<String> ping = electsItselfAtT0PlusTimeoutPlusWindow(t0);
    int mark = s.mark();
    s.pass(ANSWER_AFTER);
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ping.address(), true));
    long expected = t0 + HOST_TIMEOUT.plus(WINDOW).plus(ANSWER_AFTER).toMillis();
    HaEvent.SelfDiagnosed diagnosed = only(HaEvent.SelfDiagnosed.class, mark);
    assertEquals("PARTITIONED", diagnosed.result());
    assertEquals(expected, ms(diagnosed.at()));
    HaEvent.RoleChanged toMaster = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.ELECTION, Role.MASTER), List.of(toMaster.from(), toMaster.to()));
    assertEquals(expected, ms(toMaster.at()));
    assertEquals(Role.MASTER, s.role().role());
    // the new master knows its lost master has been silent since T0 (as counted when the window closed), and
    // through the isolation check; it starts from the protected list its old master replicated in its heartbeats
    assertEquals(List.of(new StartCoordinator<String>(Map.of("host9", HOST_TIMEOUT.plus(WINDOW).plus(ANSWER_AFTER)),
        Optional.of(HOST9_LIST))), s.since(0, StartCoordinator.class));
    // the ping timeout passing later changes nothing
    int settled = s.mark();
    for (int t = 0; t <= PING_TICKS; t++) assertEquals(Role.MASTER, s.tick().role());
    assertEquals(List.of(), s.events(settled, HaEvent.SelfDiagnosed.class));
    assertEquals(1, s.since(0, StartCoordinator.class).size());
  }

  /**
   * Seed 003, isolated slave: T0+25 s elects itself and pings the isolation addresses; nothing answers and no
   * election traffic, so at T0+30 s it declares itself isolated and runs the isolation response; the power-on file
   * gets the flag once the VMs are off. When the isolation address answers again (checked every hostTimeout) it
   * leaves isolation and elects; the flag is cleared hostTimeout later.
   */
  @Test
  void aSlaveThatLosesItsMasterAndReachesNoIsolationAddressDeclaresItselfIsolatedAtT0Plus30() {
    long t0 = reportingSlaveOfHost9UntilT0();
    PingIsolationAddress<String> ping = electsItselfAtT0PlusTimeoutPlusWindow(t0);
    int mark = s.mark();
    for (int t = 1; t < PING_TICKS; t++) assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(List.of(), s.events(mark));
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ping.address(), false)); // an unanswered ping changes nothing
    assertEquals(List.of(), s.events(mark));

    ReplyRole<String> r = s.tick();
    long isolatedAt = t0 + HOST_TIMEOUT.plus(WINDOW).plus(PING_TIMEOUT).toMillis();
    assertEquals(isolatedAt, s.now());
    assertEquals(Role.ISOLATED, r.role());
    HaEvent.SelfDiagnosed diagnosed = only(HaEvent.SelfDiagnosed.class, mark);
    assertEquals("ISOLATED", diagnosed.result());
    assertEquals(isolatedAt, ms(diagnosed.at()));
    HaEvent.RoleChanged toIsolated = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.ELECTION, Role.ISOLATED), List.of(toIsolated.from(), toIsolated.to()));
    assertEquals(isolatedAt, ms(toIsolated.at()));
    assertEquals(List.of(), s.since(0, StartCoordinator.class), "an isolated host runs no coordinator");

    // the isolation response goes to the VM manager; what it stopped goes into the power-on file with the flag
    assertEquals(List.of(new ApplyIsolationResponse<String>(REPORT, Map.of())),
        s.since(mark, ApplyIsolationResponse.class));
    int applied = s.mark();
    s.feed(new ElectionInput.ResponseApplied<>(s.at(), List.of(VM1), List.of(), List.of()));
    assertEquals(List.of(new DeclareIsolated<String>(List.of(VM1))), s.since(applied, DeclareIsolated.class));
    HaEvent.IsolationResponseApplied event = only(HaEvent.IsolationResponseApplied.class, applied);
    assertEquals(List.of("vm1"), event.stopped());
    assertEquals(SETTINGS.isolationResponse(), event.response(), "the setting applied is recorded for replay");

    // isolation addresses are pinged again every hostTimeout
    int isolated = s.mark();
    for (int t = 1; t < TIMEOUT_TICKS; t++) assertEquals(Role.ISOLATED, s.tick().role());
    assertEquals(List.of(), s.since(isolated, PingIsolationAddress.class), "no re-check before hostTimeout");
    assertEquals(Role.ISOLATED, s.tick().role());
    long recheck = isolatedAt + HOST_TIMEOUT.toMillis();
    assertEquals(List.of(new PingIsolationAddress<String>(ISOLATION_ADDRESS, PING_TIMEOUT)),
        s.since(isolated, PingIsolationAddress.class));
    int back = s.mark();
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ISOLATION_ADDRESS, true));
    assertEquals(Role.ELECTION, s.role().role());
    assertTrue(only(HaEvent.IsolationEnded.class, back).reason().contains(ISOLATION_ADDRESS));
    assertEquals("isolation over", only(HaEvent.ElectionStarted.class, back).reason());

    // the flag stays on the datastores for hostTimeout, so the master surely reads it, then it is cleared
    s.pass(HOST_TIMEOUT.minusMillis(1));
    assertEquals(List.of(), s.since(back, ClearIsolationFlag.class));
    s.pass(Duration.ofMillis(1));
    assertEquals(recheck + HOST_TIMEOUT.toMillis(), s.now());
    assertEquals(1, s.since(back, ClearIsolationFlag.class).size());
  }

  /** A master whose coordinator reports every other host silent checks its own isolation (seed 003). */
  @Test
  void aMasterThatHearsNoHostAndNoIsolationAddressDeclaresItselfIsolatedAfterThePingTimeout() {
    becomeMaster();
    int mark = s.mark();
    long silentAt = s.now();
    s.feed(new ElectionInput.AllHostsSilent<>(s.at(), 3));
    assertEquals(Role.MASTER, s.role().role(), "still master while it checks");
    HaEvent.IsolationCheckStarted check = only(HaEvent.IsolationCheckStarted.class, mark);
    assertEquals(List.of(ISOLATION_ADDRESS), check.addresses());
    assertEquals(silentAt, ms(check.at()));
    assertEquals(List.of(new PingIsolationAddress<String>(ISOLATION_ADDRESS, PING_TIMEOUT)),
        s.since(mark, PingIsolationAddress.class));
    for (int t = 1; t < PING_TICKS; t++) assertEquals(Role.MASTER, s.tick().role());
    assertEquals(List.of(), s.events(mark, HaEvent.SelfDiagnosed.class));
    assertEquals(PING_TICKS - 1, s.since(mark, SendMasterBeat.class).size(), "it beats on while it checks");

    assertEquals(Role.ISOLATED, s.tick().role());
    HaEvent.SelfDiagnosed diagnosed = only(HaEvent.SelfDiagnosed.class, mark);
    assertEquals("ISOLATED", diagnosed.result());
    assertEquals(silentAt + PING_TIMEOUT.toMillis(), ms(diagnosed.at()));
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.MASTER, Role.ISOLATED), List.of(changed.from(), changed.to()));
    assertEquals(1, s.since(mark, StopCoordinator.class).size(), "its coordinator is stopped");
  }

  @Test
  void aMasterThatHearsNoHostButReachesTheIsolationAddressStaysMaster() {
    becomeMaster();
    int mark = s.mark();
    s.feed(new ElectionInput.AllHostsSilent<>(s.at(), 3));
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ISOLATION_ADDRESS, true));
    for (int t = 1; t <= PING_TICKS; t++) assertEquals(Role.MASTER, s.tick().role());
    assertEquals("PARTITIONED", only(HaEvent.SelfDiagnosed.class, mark).result());
    assertEquals(List.of(), s.events(mark, HaEvent.RoleChanged.class));
    assertEquals(List.of(), s.since(mark, StopCoordinator.class), "the same coordinator carries on");
    assertEquals(1, s.since(0, StartCoordinator.class).size());
  }

  @Test
  void aMasterIgnoresLowerMastersAndStepsDownForTheSameDatastoreCountAndAHigherHostId() {
    becomeMaster();
    int mark = s.mark();
    s.feed(beat(new Rank(1, "host9"), "other", null)); // fewer datastores, though a higher id: lower
    s.feed(beat(new Rank(2, "host3"), "other", null)); // same datastores, lower id
    assertEquals(Role.MASTER, s.tick().role());
    assertEquals(List.of(), s.events(mark));

    // same datastores, a higher id in natural order (host10 > host5, though "host10" < "host5" as text)
    s.feed(beat(new Rank(2, "host10"), "other", null));
    ReplyRole<String> r = s.role();
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host10"), r.master());
    assertEquals(Optional.of("other"), r.coordinator());
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.MASTER, Role.SLAVE, Optional.of("host10")), List.of(changed.from(), changed.to(), changed.master()));
    assertEquals(1, s.since(mark, StopCoordinator.class).size());
  }

  @Test
  void aMasterStepsDownForAMasterThatSeesMoreDatastores() {
    becomeMaster();
    int mark = s.mark();
    s.feed(beat(new Rank(3, "host1"), "other", null));
    ReplyRole<String> r = s.role();
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host1"), r.master());
    assertEquals(1, s.since(mark, StopCoordinator.class).size());
    // it follows the new master as any slave does: lost after hostTimeout without its beat
    long since = s.now();
    for (int t = 1; t < TIMEOUT_TICKS; t++) assertEquals(Role.SLAVE, s.tick().role());
    assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(since + HOST_TIMEOUT.toMillis(), ms(only(HaEvent.ElectionStarted.class, mark).at()));
  }

  @Test
  void aHigherBallotWinsTheElectionAndASilentWinnerCausesANewElectionAfterHostTimeout() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    long start = s.now();
    s.tick();
    s.tick();
    // same datastores and a higher id: better; a higher id but fewer datastores: worse
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host9")));
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(1, "host99")));
    int mark = s.mark();
    for (int t = 3; t < WINDOW_TICKS; t++) assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(List.of(), s.events(mark));

    ReplyRole<String> r = s.tick();
    long close = start + WINDOW.toMillis();
    HaEvent.MasterElected elected = only(HaEvent.MasterElected.class, mark);
    assertEquals("host9", elected.master());
    assertEquals(List.of("host9(2 ds)", "host5(2 ds)", "host99(1 ds)"), elected.candidates());
    assertEquals(close, ms(elected.at()));
    HaEvent.RoleChanged changed = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.ELECTION, Role.SLAVE, Optional.of("host9")), List.of(changed.from(), changed.to(), changed.master()));
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host9"), r.master());
    assertEquals(Optional.empty(), r.coordinator(), "the winner's coordinator is known only from its first beat");
    assertEquals(List.of(), s.since(0, StartCoordinator.class));

    // the winner never beats: hostTimeout after the window closed, a new election
    int slaveMark = s.mark();
    for (int t = 1; t < TIMEOUT_TICKS; t++) assertEquals(Role.SLAVE, s.tick().role());
    assertEquals(List.of(), s.events(slaveMark));
    assertEquals(List.of(), s.since(slaveMark, ReportTo.class), "no report before its coordinator is known");
    assertEquals(Role.ELECTION, s.tick().role());
    HaEvent.ElectionStarted again = only(HaEvent.ElectionStarted.class, slaveMark);
    assertTrue(again.reason().contains("host9"), again.reason());
    assertEquals(close + HOST_TIMEOUT.toMillis(), ms(again.at()));
  }

  @Test
  void theBallotWinnerThatBeatsInTimeKeepsItAsSlave() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host9")));
    for (int t = 1; t < WINDOW_TICKS; t++) assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(Role.SLAVE, s.tick().role());
    for (int t = 1; t < TIMEOUT_TICKS; t++) s.tick(); // its first beat comes just before hostTimeout
    s.feed(beat(new Rank(2, "host9"), "coord9", null));
    assertEquals(Optional.of("coord9"), s.role().coordinator());
    int mark = s.mark();
    for (int t = 0; t < TIMEOUT_TICKS + 5; t++) {
      assertEquals(Role.SLAVE, s.tick().role());
      s.feed(beat(new Rank(2, "host9"), "coord9", null));
    }
    assertEquals(List.of(), s.events(mark));
  }

  // ---- cold start (issue 18 item 9)

  /**
   * Agents started together come up a moment apart. host9 (same datastores, higher id: the better rank) beats on the
   * datastores but balloted only after this host's window closed; this host must not elect itself alone but wait
   * for its ballot and follow it.
   */
  @Test
  void aColdStartWaitsForTheBallotOfAHostStartingWithItAndElectsTheBestRanked() {
    s = new ElectionScript(SETTINGS, 0);
    s.beating.put("host9", 0L);
    s.tick();
    long start = s.now();
    int mark = s.mark();
    for (int t = 1; t < WINDOW_TICKS + 3; t++) {
      assertEquals(Role.ELECTION, s.tick().role(), "waiting for host9's ballot at +" + t + " intervals");
    }
    assertEquals(List.of(), s.events(mark, HaEvent.MasterElected.class), "no election before host9's ballot");
    assertEquals(1, s.since(mark, ElectionEffect.Log.class).size(), "it says once why it waits");

    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host9")));
    ReplyRole<String> r = s.tick();
    assertEquals(start + WINDOW.plus(INTERVAL.multipliedBy(3)).toMillis(), s.now());
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host9"), r.master());
    assertEquals(List.of("host9(2 ds)", "host5(2 ds)"), only(HaEvent.MasterElected.class, mark).candidates());
    assertEquals(List.of(), s.since(0, StartCoordinator.class));
  }

  /**
   * The wait is bounded: a host that beats but never ballots is given up hostTimeout after the window (here
   * cold-start-wait is 0: only the hosts seen starting are waited for).
   */
  @Test
  void aColdStartWaitsForASilentStartingHostAtMostHostTimeoutBeyondTheWindow() {
    s = new ElectionScript(settings("vmha.election.cold-start-wait = 0s"), 0);
    s.beating.put("host9", 0L);
    s.tick();
    long start = s.now();
    long bound = WINDOW.plus(HOST_TIMEOUT).toMillis();
    while (s.now() < start + bound - INTERVAL.toMillis()) assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(Role.MASTER, s.tick().role());
    assertEquals(start + bound, ms(only(HaEvent.MasterElected.class, 0).at()));
    assertEquals(SELF, only(HaEvent.MasterElected.class, 0).master());
  }

  /**
   * Issue 18 item 9 in the lab: a configured host (in the nodelist) whose agent takes longer to start than window +
   * hostTimeout, and is neither a member nor beating on the datastores yet. The cold start waits for it; once it is
   * up (a member beating with its address) and ballots, the better-ranked host9 wins.
   */
  @Test
  void aColdStartWaitsForAConfiguredHostNotYetStartedAndElectsItWhenItBallots() {
    s = new ElectionScript(WITH_HOST9, 0);
    s.tick();
    long start = s.now();
    while (s.now() < start + WINDOW.plus(HOST_TIMEOUT).plus(Duration.ofSeconds(5)).toMillis()) {
      assertEquals(Role.ELECTION, s.tick().role(), "waiting for host9 at +" + (s.now() - start) + " ms");
    }
    assertEquals(List.of(), s.events(0, HaEvent.MasterElected.class));

    s.addresses.put("host9", HOST9_ADDRESS);
    s.beating.put("host9", 0L);
    s.tick();
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host9")));
    ReplyRole<String> r = s.tick();
    assertEquals(Role.SLAVE, r.role());
    assertEquals(Optional.of("host9"), r.master());
    assertEquals(List.of("host9(2 ds)", "host5(2 ds)"), only(HaEvent.MasterElected.class, 0).candidates());
  }

  /** A configured host known by the cluster's members (its role names it) is awaited by its id. */
  @Test
  void aColdStartKnowsAConfiguredHostByTheMembersAddresses() {
    s = new ElectionScript(WITH_HOST9, 0);
    s.cluster = new Membership(true, Set.of(SELF), Set.of(), Map.of(HOST9_ADDRESS, "host9"));
    s.tick();
    for (int t = 1; t <= WINDOW_TICKS; t++) s.tick();
    assertEquals(List.of(new ElectionEffect.Log<String>("election kept open: cold start: no ballot yet from host9")),
        s.since(0, ElectionEffect.Log.class));
  }

  /**
   * Seed 38777 without datastores: host4's messages to host1 were lost from host1's start, so host1's cold start waited
   * cold-start-wait for host4's ballot while host4, master from the others' window, counted host1's silence; host1
   * followed nobody and fenced nothing, and host4 restarted its VMs. A member this host's own failure detector does
   * not reach sends no ballot that can come: the cold start closes at the window without it.
   */
  @Test
  void aColdStartDoesNotWaitForAConfiguredMemberItCannotReach() {
    s = new ElectionScript(WITH_HOST9, 0);
    s.cluster = new Membership(true, Set.of(SELF), Set.of("host9"), Map.of(HOST9_ADDRESS, "host9"));
    s.tick();
    long start = s.now();
    for (int t = 1; t < WINDOW_TICKS; t++) s.tick();
    assertEquals(Role.MASTER, s.tick().role());
    assertEquals(start + WINDOW.toMillis(), ms(only(HaEvent.MasterElected.class, 0).at()));
  }

  /** With heartbeat datastores a master sees this host's heartbeat there: the cold start waits for that member. */
  @Test
  void withDatastoresAColdStartStillWaitsForAConfiguredMemberItCannotReach() {
    s = new ElectionScript(settings("vmha.cluster.seed-nodes = [\"127.0.0.1:2551\", \"" + HOST9_ADDRESS + "\"]"
        + ", vmha.datastores = [\"/mnt/ds1\", \"/mnt/ds2\"]"), 0);
    s.cluster = new Membership(true, Set.of(SELF), Set.of("host9"), Map.of(HOST9_ADDRESS, "host9"));
    s.tick();
    for (int t = 1; t <= WINDOW_TICKS + 2; t++) assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(List.of(), s.events(0, HaEvent.MasterElected.class));
  }

  /** A configured host that is down at a cold start delays the first election by cold-start-wait at most. */
  @Test
  void aConfiguredHostThatIsDownDelaysTheFirstElectionByColdStartWaitFromTheAgentsStart() {
    s = new ElectionScript(WITH_HOST9, 0);
    long deadline = WITH_HOST9.coldStartWait().toMillis();
    s.tick();
    while (s.now() < deadline - INTERVAL.toMillis()) assertEquals(Role.ELECTION, s.tick().role());
    assertEquals(Role.MASTER, s.tick().role());
    assertEquals(deadline, ms(only(HaEvent.MasterElected.class, 0).at()));
    assertEquals(SELF, only(HaEvent.MasterElected.class, 0).master());
  }

  /** Stale heartbeat files of hosts that are down (they never move) do not hold a cold start back. */
  @Test
  void aColdStartDoesNotWaitForHostsWhoseHeartbeatStandsStill() {
    s = new ElectionScript(SETTINGS, 0);
    s.beating.put("host9", 0L);
    s.nextDatastoreRound();
    s.beating.clear(); // host9's file stays as it was: host9 is down
    s.tick();
    long start = s.now();
    for (int t = 1; t < WINDOW_TICKS; t++) s.tick();
    assertEquals(Role.MASTER, s.tick().role());
    assertEquals(start + WINDOW.toMillis(), s.now());
  }

  /**
   * vSphere: a later host never overthrows a running master. A host that joins while the others run (they beat on
   * the datastores) follows the master it hears, even a lower-ranked one, and stays its slave whatever ballots come.
   */
  @Test
  void aHostJoiningARunningClusterFollowsItsMasterAndNeverOverthrowsIt() {
    s = new ElectionScript(SETTINGS, 0);
    s.beating.put("host1", 0L);
    s.beating.put("host9", 0L);
    s.tick();
    s.feed(beat(new Rank(1, "host1"), "coord1", null));
    assertEquals(Role.SLAVE, s.role().role());
    int mark = s.mark();
    for (int t = 0; t < WINDOW_TICKS + TIMEOUT_TICKS; t++) {
      s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(1, "host0")));
      ReplyRole<String> r = s.tick();
      assertEquals(Role.SLAVE, r.role());
      assertEquals(Optional.of("host1"), r.master());
      s.feed(beat(new Rank(1, "host1"), "coord1", null));
    }
    assertEquals(List.of(), s.events(0, HaEvent.MasterElected.class));
    assertEquals(List.of(), s.events(mark, HaEvent.ElectionStarted.class));
  }

  /** After a master loss the election never waits for the cold-start rule: the timeline stays T0 + T + W. */
  @Test
  void anElectionAfterMasterLossDoesNotWaitForBeatingHosts() {
    long t0 = slaveOfHost9UntilT0(SETTINGS);
    s.beating.put("host7", 0L);
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
  }

  // ---- beyond the timeline

  /**
   * A guest shutdown may take das.isolationShutdownTimeout (300 s), far longer than an isolation that the next
   * re-check ends: a response that completes after the host left isolation is still recorded, so the history says
   * why those VMs stopped, but it no longer flags the power-on file (the flag's clearing is already under way).
   */
  @Test
  void anIsolationResponseThatCompletesAfterTheIsolationEndedIsRecordedWithoutTheFlag() {
    isolatedSlave();
    s.pass(HOST_TIMEOUT);
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ISOLATION_ADDRESS, true));
    assertEquals(Role.ELECTION, s.role().role());
    int late = s.mark();
    s.feed(new ElectionInput.ResponseApplied<>(s.at(), List.of(VM1), List.of(), List.of()));
    assertEquals(List.of("vm1"), only(HaEvent.IsolationResponseApplied.class, late).stopped());
    assertEquals(List.of(), s.since(late, DeclareIsolated.class));
  }

  /** An isolated host without a report from its VM manager yet asks it to apply the response once one comes. */
  @Test
  void anIsolatedHostWithoutAReportAppliesTheResponseOnceItHasOne() {
    s = new ElectionScript(SETTINGS, 0);
    long t0 = slaveOfHost9UntilT0(SETTINGS);
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
    s.pass(PING_TIMEOUT);
    assertEquals(Role.ISOLATED, s.role().role());
    int mark = s.mark();
    s.tick();
    assertEquals(List.of(), s.since(mark, ApplyIsolationResponse.class));
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    s.tick();
    s.tick();
    assertEquals(List.of(new ApplyIsolationResponse<String>(REPORT, Map.of())),
        s.since(mark, ApplyIsolationResponse.class), "asked once");
  }

  /** An isolated host that hears a master follows it; the flag is cleared hostTimeout later. */
  @Test
  void anIsolatedHostThatHearsAMasterFollowsIt() {
    isolatedSlave();
    int mark = s.mark();
    s.feed(beat(new Rank(1, "host1"), "coord1", null));
    assertEquals(Role.SLAVE, s.role().role());
    assertEquals("heard master host1", only(HaEvent.IsolationEnded.class, mark).reason());
    assertEquals(Optional.of("isolation over"), only(HaEvent.RoleChanged.class, mark).why());
    s.pass(HOST_TIMEOUT.minusMillis(1));
    s.feed(beat(new Rank(1, "host1"), "coord1", null));
    assertEquals(List.of(), s.since(mark, ClearIsolationFlag.class));
    s.pass(Duration.ofMillis(1));
    assertEquals(1, s.since(mark, ClearIsolationFlag.class).size());
    assertEquals(List.of(), s.since(mark, PingIsolationAddress.class), "no more re-checks");
  }

  /**
   * Election traffic during the self-diagnosis: the host is partitioned, not isolated; at the ping timeout it
   * becomes master of its side, knowing the lost master silent since T0.
   */
  @Test
  void aBallotHeardDuringTheSelfDiagnosisMakesItMasterOfItsSideAtThePingTimeout() {
    long t0 = slaveOfHost9UntilT0(SETTINGS);
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
    int mark = s.mark();
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(1, "host7")));
    s.pass(PING_TIMEOUT);
    HaEvent.SelfDiagnosed d = only(HaEvent.SelfDiagnosed.class, mark);
    assertEquals("PARTITIONED", d.result());
    assertTrue(d.signals().electionTrafficSeen());
    assertEquals(Role.MASTER, s.role().role());
    assertEquals(List.of(new StartCoordinator<String>(Map.of("host9", HOST_TIMEOUT.plus(WINDOW).plus(PING_TIMEOUT)),
        Optional.of(HOST9_LIST))), s.since(mark, StartCoordinator.class));
  }

  /** A master whose coordinator stopped beyond its restarts stops being master and elects again. */
  @Test
  void aMasterWhoseCoordinatorStoppedElectsAgain() {
    becomeMaster();
    int mark = s.mark();
    s.feed(new ElectionInput.CoordinatorStopped<>(s.at()));
    assertEquals(Role.ELECTION, s.role().role());
    assertEquals("master coordinator stopped", only(HaEvent.ElectionStarted.class, mark).reason());
    assertEquals(List.of(), s.since(mark, StopCoordinator.class), "it has stopped already");
  }

  /**
   * The protected-list replica: a master's own changes go out with its heartbeats; a slave keeps the newest list
   * heard, never an older one, and hands it to the coordinator it starts.
   */
  @Test
  void theReplicaIsTheNewestListHeardAndTravelsWithTheMastersHeartbeats() {
    long t0 = slaveOfHost9UntilT0(SETTINGS);
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(2)));
    assertEquals(OptionalLong.of(3), s.role().listVersion(), "an older list does not replace the newer one");
    s.feed(beat(new Rank(2, "host9"), "coord9", host9List(4)));
    assertEquals(OptionalLong.of(4), s.role().listVersion());
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ISOLATION_ADDRESS, true)); // no diagnosis: ignored
    electsItselfAtT0PlusTimeoutPlusWindow(s.now());
    s.feed(new ElectionInput.IsolationPinged<>(s.at(), ISOLATION_ADDRESS, true));
    assertEquals(Optional.of(host9List(4)), s.since(0, StartCoordinator.class).get(0).replica());
    s.feed(new ElectionInput.ListChanged<>(s.at(), host9List(5)));
    int mark = s.mark();
    s.tick();
    assertEquals(List.of(new SendMasterBeat<String>(new Rank(2, SELF), Optional.of(host9List(5)), Optional.empty())),
        s.since(mark, SendMasterBeat.class));
    assertTrue(t0 < s.now());
  }

  /**
   * Seeds 709, 23, 271, 486 and 746 without datastores: a master's beats carry its coordinator's list, never a newer
   * one it heard from a master it outranks — else a slave holding that newer list counts its master as listed and
   * never offers it, and the master, powered back with an empty list, never restarts the VMs it lost. It takes the
   * other master's list only when it steps down for it.
   */
  @Test
  void aMastersBeatsCarryItsCoordinatorsListNotOneHeardFromALowerMaster() {
    becomeMaster();
    ProtectedList none = ProtectedList.empty(SELF);
    s.feed(new ElectionInput.ListChanged<>(s.at(), none));
    s.feed(beat(new Rank(2, "host3"), "other", host9List(6))); // same datastores, lower id: outranked
    int mark = s.mark();
    assertEquals(Role.MASTER, s.tick().role());
    assertEquals(List.of(new SendMasterBeat<String>(new Rank(2, SELF), Optional.of(none), Optional.empty())),
        s.since(mark, SendMasterBeat.class));
    s.feed(beat(new Rank(2, "host10"), "coord10", host9List(6))); // a higher id: it steps down and takes the list
    assertEquals(Role.SLAVE, s.role().role());
    assertEquals(OptionalLong.of(6), s.role().listVersion());
  }

  /**
   * Seed 2454 without datastores: a master whose agent stalled past T − i (its slaves may have elected another master
   * meanwhile) stops its coordinator and elects anew before it beats again — its beat, still a master's, made the
   * master elected meanwhile step down for it — and in the election it follows the master it hears, though it
   * outranks it. A shorter stall is only late news.
   */
  @Test
  void aMasterWhoseAgentStalledPastItsSlavesElectionStopsItsCoordinatorAndElectsAnew() {
    becomeMaster();
    Duration bound = SETTINGS.detectionTiming().masterStall();
    int mark = s.mark();
    s.feed(new ElectionInput.Stalled<>(s.at(), bound.minusMillis(1)));
    assertEquals(Role.MASTER, s.role().role(), "only late news");
    s.feed(new ElectionInput.Stalled<>(s.at(), bound));
    assertEquals(Role.ELECTION, s.role().role());
    assertEquals(1, s.since(mark, StopCoordinator.class).size());
    mark = s.mark();
    s.tick();
    assertEquals(List.of(), s.since(mark, SendMasterBeat.class), "no master's beat after the stall");
    s.feed(beat(new Rank(2, "host3"), "coord3", null)); // the master elected meanwhile: a lower id
    assertEquals(Role.SLAVE, s.role().role());
  }

  /**
   * Without datastores (seed 678's one-way loss): a master's beats carry the side its coordinator last counted (none
   * while it holds no majority), and a slave tells its self-fence whether its master's latest beat counts it; a beat
   * with no side makes no claim, and a host that becomes master counts itself.
   */
  @Test
  void theMastersBeatsCarryItsSideAndASlaveTellsItsFenceWhetherItIsOnIt() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    Rank host9 = new Rank(2, "host9");
    int mark = s.mark();
    s.feed(sided(host9, Set.of("host9", SELF)));
    s.feed(sided(host9, Set.of("host9", "host3")));
    s.feed(beat(host9, "coord9", null));
    assertEquals(List.of(new CountedByMaster<String>("host9", true), new CountedByMaster<String>("host9", false),
        new CountedByMaster<String>("host9", true)), s.since(mark, CountedByMaster.class));
    becomeMaster();
    assertEquals(List.of(new CountedByMaster<String>(SELF, true)), s.since(0, CountedByMaster.class));
    s.feed(new ElectionInput.SideChanged<>(s.at(), Optional.of(Set.of(SELF, "host2")), false));
    mark = s.mark();
    s.tick();
    assertEquals(Optional.of(Set.of(SELF, "host2")), s.since(mark, SendMasterBeat.class).get(0).side());
    s.feed(new ElectionInput.SideChanged<>(s.at(), Optional.empty(), true));
    mark = s.mark();
    s.tick();
    assertEquals(Optional.empty(), s.since(mark, SendMasterBeat.class).get(0).side(), "no majority: no claim");
  }

  /**
   * Without datastores (seed 4138): a master's beats that reach nobody it hears from leave no slave out, so a master
   * its coordinator finds outnumbered (fewer than half of the hosts on its side) tells its own self-fence it is left
   * out (the hosts it hears follow another master, whose beats it cannot hear); a side with a majority counts it
   * again. Half is not left out (CanonicalCasesTest's even split, found in session 10: after the heal Pekko showed
   * every host reachable a second before the other master's beats came, and the half side's master fenced): the
   * others hold no strict majority, so nobody restarts its VMs.
   */
  @Test
  void aMasterOutnumberedOnItsSideTellsItsFenceItIsLeftOutButNotAtHalf() {
    becomeMaster();
    int mark = s.mark();
    s.feed(new ElectionInput.SideChanged<>(s.at(), Optional.empty(), true));
    s.feed(new ElectionInput.SideChanged<>(s.at(), Optional.of(Set.of(SELF, "host2")), false));
    s.feed(new ElectionInput.SideChanged<>(s.at(), Optional.empty(), false));
    assertEquals(List.of(new CountedByMaster<String>(SELF, false), new CountedByMaster<String>(SELF, true),
        new CountedByMaster<String>(SELF, true)), s.since(mark, CountedByMaster.class));
  }

  /**
   * Without datastores (seed 4294: a host whose agent restarted could not hear master host3, and its cold start waited
   * for the ballots of host2, a slave, while host3 judged it DEAD): a slave passes its master's last beat on to a host
   * whose ballot it hears, while that beat is fresh ({@code TimingRules.relayedBeatFresh}); the host follows the
   * master from it, or fences when the beat leaves it out. With datastores no beat is relayed.
   */
  @Test
  void withoutDatastoresASlavePassesItsMastersFreshBeatOnToAHostThatBallots() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    Rank host9 = new Rank(2, "host9");
    ElectionInput.MasterBeatHeard<String> last = sided(host9, Set.of("host9", SELF, "host3"));
    s.feed(last);
    int mark = s.mark();
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host3")));
    assertEquals(List.of(new ElectionEffect.RelayBeat<>("host3", last)), s.since(mark, ElectionEffect.RelayBeat.class));
    for (int t = 0; t < 3; t++) s.tick();
    mark = s.mark();
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host3")));
    assertEquals(List.of(), s.since(mark, ElectionEffect.RelayBeat.class), "the master's last beat is "
        + "over two intervals old: it may be lost");

    s = new ElectionScript(settings("vmha.datastores = [\"/mnt/ds1\", \"/mnt/ds2\"]"), 0);
    s.tick();
    s.feed(beat(host9, "coord9", null));
    s.feed(new ElectionInput.BallotHeard<>(s.at(), new Rank(2, "host3")));
    assertEquals(Role.SLAVE, s.role().role());
    assertEquals(List.of(), s.since(0, ElectionEffect.RelayBeat.class), "with datastores");
  }

  /** A master gives its own coordinator its host's report each interval, as a slave gives its master's. */
  @Test
  void aMasterReportsToItsOwnCoordinator() {
    becomeMaster();
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    int mark = s.mark();
    s.tick();
    assertEquals(List.of(new ReportToOwn<String>(REPORT)), s.since(mark, ReportToOwn.class));
  }

  /**
   * While the service registry lists fewer election FSMs than there are members, a ballot cannot reach them all:
   * the election stays open an interval at a time, for two windows at most (TimingRules.electionListingBound).
   */
  @Test
  void anElectionWaitsForTheRegistryToListEveryMemberForTwoWindowsAtMost() {
    long t0 = slaveOfHost9UntilT0(SETTINGS);
    s.cluster = new Membership(true, Set.of(SELF, "host7", "host8"), Set.of(), Map.of());
    s.pass(HOST_TIMEOUT);
    assertEquals(Role.ELECTION, s.role().role());
    int mark = s.mark();
    s.pass(WINDOW);
    assertEquals(List.of(new ElectionEffect.Log<String>(
        "election kept open: 1 of 3 members listed: a ballot cannot reach the others yet")),
        s.since(mark, ElectionEffect.Log.class));
    s.pass(TimingRules.electionListingBound(WINDOW).minus(WINDOW).minusMillis(1));
    assertEquals(List.of(), s.events(mark, HaEvent.MasterElected.class));
    s.pass(Duration.ofMillis(1));
    assertEquals(t0 + HOST_TIMEOUT.plus(TimingRules.electionListingBound(WINDOW)).toMillis(),
        ms(only(HaEvent.MasterElected.class, mark).at()));
  }

  // ---- helpers

  /**
   * Starts the machine if needed, makes it a slave of host9 beating every interval, then host9 falls silent. Returns
   * T0, the virtual time of host9's last beat.
   */
  /** A fresh host with a report from its VM manager, slave of host9 until T0 (the master is lost then). */
  private long reportingSlaveOfHost9UntilT0() {
    s = new ElectionScript(SETTINGS, 0);
    s.feed(new ElectionInput.Reported<>(s.at(), REPORT));
    return slaveOfHost9UntilT0(SETTINGS);
  }

  private long slaveOfHost9UntilT0(HaSettings settings) {
    if (s == null) s = new ElectionScript(settings, 0);
    s.tick();
    s.feed(beat(new Rank(2, "host9"), "coord9", HOST9_LIST));
    assertEquals(Role.SLAVE, s.role().role());
    for (int t = 0; t < 5; t++) {
      assertEquals(Role.SLAVE, s.tick().role());
      s.feed(beat(new Rank(2, "host9"), "coord9", HOST9_LIST));
    }
    assertEquals(OptionalLong.of(HOST9_LIST.version()), s.role().listVersion(), "it holds host9's list");
    return s.now();
  }

  /**
   * From T0: a slave until T0+hostTimeout, then an election that closes at T0+hostTimeout+window, which it wins
   * alone; having heard no ballot it pings the isolation address at once. Returns that ping.
   */
  private PingIsolationAddress<String> electsItselfAtT0PlusTimeoutPlusWindow(long t0) {
    int mark = s.mark();
    for (int t = 1; t < TIMEOUT_TICKS; t++) {
      ReplyRole<String> r = s.tick();
      assertEquals(Role.SLAVE, r.role(), "still a slave at T0+" + t + " s");
      assertEquals(Optional.of("host9"), r.master());
    }
    assertEquals(List.of(), s.events(mark), "nothing before T0+hostTimeout");

    assertEquals(Role.ELECTION, s.tick().role());
    HaEvent.ElectionStarted election = only(HaEvent.ElectionStarted.class, mark);
    assertEquals(t0 + HOST_TIMEOUT.toMillis(), ms(election.at()));
    assertTrue(election.reason().contains("host9"), election.reason());
    assertTrue(election.reason().contains(Long.toString(HOST_TIMEOUT.toMillis())), election.reason());
    HaEvent.RoleChanged toElection = only(HaEvent.RoleChanged.class, mark);
    assertEquals(List.of(Role.SLAVE, Role.ELECTION), List.of(toElection.from(), toElection.to()));

    int electionMark = s.mark();
    for (int t = 1; t < WINDOW_TICKS; t++) {
      assertEquals(Role.ELECTION, s.tick().role(), "still electing at T0+" + (TIMEOUT_TICKS + t) + " s");
    }
    assertEquals(List.of(), s.events(electionMark));
    assertEquals(List.of(), s.since(electionMark, PingIsolationAddress.class));

    assertEquals(Role.ELECTION, s.tick().role(), "elected, but checking for isolation first");
    long closed = t0 + HOST_TIMEOUT.plus(WINDOW).toMillis();
    HaEvent.MasterElected elected = only(HaEvent.MasterElected.class, electionMark);
    assertEquals(SELF, elected.master());
    assertEquals(closed, ms(elected.at()));
    HaEvent.IsolationCheckStarted check = only(HaEvent.IsolationCheckStarted.class, electionMark);
    assertEquals(closed, ms(check.at()));
    assertEquals(List.of(ISOLATION_ADDRESS), check.addresses());
    assertEquals(List.of(), s.events(electionMark, HaEvent.RoleChanged.class));
    assertEquals(List.of(), s.since(0, StartCoordinator.class));
    List<PingIsolationAddress<String>> pings = s.since(electionMark, PingIsolationAddress.class);
    assertEquals(List.of(new PingIsolationAddress<String>(ISOLATION_ADDRESS, PING_TIMEOUT)), pings);
    return pings.get(0);
  }

  /** A slave of host9 with its report, isolated at T0 + T + W + P. */
  private void isolatedSlave() {
    long t0 = reportingSlaveOfHost9UntilT0();
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
    s.pass(PING_TIMEOUT);
    assertEquals(Role.ISOLATED, s.role().role());
  }

  /** Alone in the cluster it becomes master when the first window closes. */
  private void becomeMaster() {
    s = new ElectionScript(SETTINGS, 0);
    for (int t = 0; t <= WINDOW_TICKS; t++) s.tick();
    assertEquals(Role.MASTER, s.role().role());
  }

  // ---- issue 22: HA disabled, emergency actions

  /** The protected list this host holds says HA is disabled for it: isolated, it stops none of its VMs. */
  @Test
  void anIsolatedHostWhoseHaIsDisabledAppliesNoIsolationResponse() {
    long t0 = reportingSlaveOfHost9UntilT0();
    s.feed(new ElectionInput.ListChanged<>(s.at(), host9List(100).switched(
        new ProtectedList.HaSwitch(true, List.of(SELF)), "host9")));
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
    s.pass(PING_TIMEOUT);
    assertEquals(Role.ISOLATED, s.role().role(), "it still knows it is isolated");
    assertEquals(List.of(), s.since(0, ApplyIsolationResponse.class), "but its VMs keep running");
  }

  /**
   * Issue 22: the protected list this host holds gives vm7 its own isolation response (set at the master with {@code
   * vm set --isolation-response}); isolated, the host applies it to vm7 and the configured one to the others.
   */
  @Test
  void anIsolatedHostAppliesEachVmsOwnIsolationResponseFromTheListItHolds() {
    long t0 = reportingSlaveOfHost9UntilT0();
    ProtectedList list = host9List(100);
    VmProtection d = list.vms().get("vm7").protection();
    s.feed(new ElectionInput.ListChanged<>(s.at(), list.reprotected("vm7", new VmProtection(d.priority(), d.order(),
        d.ready(), d.readyTimeout(), d.dependsOn(), Optional.of(IsolationResponse.LEAVE_POWERED_ON)), "host9")));
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
    s.pass(PING_TIMEOUT);
    assertEquals(Role.ISOLATED, s.role().role());
    ApplyIsolationResponse<String> apply = s.since(0, ApplyIsolationResponse.class).get(0);
    assertEquals(Map.of("vm7", IsolationResponse.LEAVE_POWERED_ON), apply.listed());
    Function<String, IsolationResponse> responses = apply.responseFor(vm -> IsolationResponse.POWER_OFF);
    assertEquals(IsolationResponse.LEAVE_POWERED_ON, responses.apply("vm7"));
    assertEquals(IsolationResponse.POWER_OFF, responses.apply("vm1"), "the others: the configured response");
  }

  // ---- issue 22: emergency HA disable on this host (seed 001's host-emergency-ha-disable)

  private ElectionInput.EnforcementAsked<String> enforcement(Enforcement e, boolean force) {
    return new ElectionInput.EnforcementAsked<>(s.at(), e, force, "admin1");
  }

  /**
   * Refused (nothing changes) while the list this host holds shows HA enabled for it; allowed once a newer list
   * shows it disabled, with an event naming who asked; --force allows it without, and the event says forced.
   */
  @Test
  void anEmergencyDisableNeedsTheListToShowHaDisabledForThisHostOrForce() {
    s = new ElectionScript(SETTINGS, 0);
    slaveOfHost9UntilT0(SETTINGS);
    int mark = s.mark();
    s.feed(enforcement(Enforcement.SUSPENDED, false));
    assertFalse(answer(mark).ok());
    assertTrue(answer(mark).message().contains("HA is enabled for " + SELF), answer(mark).message());
    assertEquals(List.of(), s.since(mark, ElectionEffect.SetEnforcement.class));
    assertEquals(Enforcement.ON, s.state().enforcement());

    s.feed(new ElectionInput.ListChanged<>(s.at(), host9List(100).switched(
        new ProtectedList.HaSwitch(true, List.of(SELF)), "host9")));
    mark = s.mark();
    s.feed(enforcement(Enforcement.SUSPENDED, false));
    assertTrue(answer(mark).ok(), answer(mark).message());
    assertEquals(List.of(new ElectionEffect.SetEnforcement<String>(Enforcement.SUSPENDED)),
        s.since(mark, ElectionEffect.SetEnforcement.class));
    HaEvent.HostEnforcementChanged changed = only(HaEvent.HostEnforcementChanged.class, mark);
    assertEquals(List.of(Enforcement.SUSPENDED, false, "admin1"),
        List.of(changed.enforcement(), changed.forced(), changed.askedBy()));

    mark = s.mark();
    s.feed(enforcement(Enforcement.ON, false));
    assertTrue(answer(mark).ok());
    assertEquals(Enforcement.ON, s.state().enforcement());
    mark = s.mark();
    s.feed(enforcement(Enforcement.SUSPENDED, true));
    assertTrue(answer(mark).ok(), "HA is disabled for it: no force needed, so not forced");
    assertFalse(only(HaEvent.HostEnforcementChanged.class, mark).forced());
  }

  @Test
  void aForcedEmergencyDisableIsRecordedAsForced() {
    s = new ElectionScript(SETTINGS, 0);
    int mark = s.mark();
    s.feed(enforcement(Enforcement.SUSPENDED, true));
    assertTrue(answer(mark).ok(), answer(mark).message());
    assertTrue(only(HaEvent.HostEnforcementChanged.class, mark).forced());
    assertEquals(Enforcement.SUSPENDED, s.state().enforcement());
  }

  /**
   * Suspended, an isolated host applies no isolation response (its VMs keep running); a newer list that shows HA
   * enabled for it again restores enforcement at once: a master may restart its VMs now.
   */
  @Test
  void whileSuspendedAnIsolatedHostAppliesNoResponseAndANewerListWithHaEnabledRestoresEnforcement() {
    long t0 = reportingSlaveOfHost9UntilT0();
    s.feed(enforcement(Enforcement.SUSPENDED, true));
    electsItselfAtT0PlusTimeoutPlusWindow(t0);
    s.pass(PING_TIMEOUT);
    assertEquals(Role.ISOLATED, s.role().role());
    assertEquals(List.of(), s.since(0, ApplyIsolationResponse.class), "its VMs keep running");

    int mark = s.mark();
    s.feed(new ElectionInput.ListChanged<>(s.at(), host9List(200)));
    assertEquals(List.of(new ElectionEffect.SetEnforcement<String>(Enforcement.ON)),
        s.since(mark, ElectionEffect.SetEnforcement.class));
    assertTrue(only(HaEvent.HostEnforcementChanged.class, mark).askedBy().contains("HA enabled for " + SELF));
    assertEquals(Enforcement.ON, s.state().enforcement());
  }

  private ElectionInput.Emergency<String> emergency(EmergencyAction action, String host, boolean relayed) {
    return new ElectionInput.Emergency<>(s.at(), action, host, "ops-token", relayed);
  }

  private ElectionEffect.AnswerEmergency<String> answer(int from) {
    List<ElectionEffect.AnswerEmergency<String>> a = s.since(from, ElectionEffect.AnswerEmergency.class);
    assertEquals(1, a.size(), "one answer");
    return a.get(0);
  }

  @Test
  void aSlaveForcedToBeMasterBecomesMasterAtOnceAndStillStepsDownForABetterMaster() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(beat(new Rank(1, "host1"), "coord1", null));
    assertEquals(Role.SLAVE, s.role().role());
    int mark = s.mark();
    s.feed(emergency(EmergencyAction.FORCE_MASTER, SELF, false));
    assertTrue(answer(mark).ok(), answer(mark).message());
    assertEquals(Role.MASTER, s.role().role());
    assertEquals(1, s.since(mark, StartCoordinator.class).size());
    assertEquals(List.of(), s.since(mark, ElectionEffect.RelayEmergency.class), "aimed at this host: not relayed");
    HaEvent.EmergencyAsked asked = only(HaEvent.EmergencyAsked.class, mark);
    assertEquals(List.of(EmergencyAction.FORCE_MASTER, "ops-token"), List.of(asked.action(), asked.askedBy()));
    s.tick();
    assertEquals(Role.MASTER, s.role().role(), "the master-lost timer of the slave it was is cancelled");

    int better = s.mark();
    s.feed(beat(new Rank(2, "host9"), "coord9", null));
    assertEquals(Role.SLAVE, s.role().role(), "the ranking still decides between two masters");
    assertEquals(1, s.since(better, StopCoordinator.class).size());
  }

  @Test
  void forceMasterAimedAtAnotherHostIsRelayedAndChangesNothingHere() {
    s = new ElectionScript(SETTINGS, 0);
    s.tick();
    s.feed(beat(new Rank(1, "host1"), "coord1", null));
    int mark = s.mark();
    s.feed(emergency(EmergencyAction.FORCE_MASTER, "host2", false));
    assertEquals(List.of(new ElectionEffect.RelayEmergency<String>(EmergencyAction.FORCE_MASTER, "host2",
        "ops-token")), s.since(mark, ElectionEffect.RelayEmergency.class));
    assertTrue(answer(mark).ok());
    assertEquals(Role.SLAVE, s.role().role());
    int relayed = s.mark();
    s.feed(emergency(EmergencyAction.FORCE_MASTER, "host2", true));
    assertEquals(List.of(), s.since(relayed, ElectionEffect.RelayEmergency.class), "a relayed one goes no further");
  }

  @Test
  void aResetMasterStopsItsCoordinatorFirstElectsAnewAndRelaysTheResetOnce() {
    becomeMaster();
    int mark = s.mark();
    s.feed(emergency(EmergencyAction.RESET_ELECTION, "all", false));
    assertTrue(answer(mark).ok());
    assertEquals(Role.ELECTION, s.role().role());
    List<ElectionEffect<String>> out = s.effects.subList(mark, s.effects.size());
    assertTrue(out.indexOf(new StopCoordinator<String>()) >= 0, out.toString());
    assertTrue(only(HaEvent.ElectionStarted.class, mark).reason().contains("ops-token"));
    assertEquals(1, s.since(mark, ElectionEffect.RelayEmergency.class).size());
    int again = s.mark();
    for (int t = 0; t <= WINDOW_TICKS; t++) s.tick();
    assertEquals(Role.MASTER, s.role().role(), "alone, it wins the new election");
    assertEquals(1, s.since(again, StartCoordinator.class).size());
  }

  @Test
  void anEmergencyBeforeJoiningOrWhileCheckingIsolationIsRefused() {
    s = new ElectionScript(SETTINGS, 0);
    int mark = s.mark();
    s.feed(emergency(EmergencyAction.FORCE_MASTER, SELF, false));
    assertTrue(!answer(mark).ok() && answer(mark).message().contains("not a cluster member"), answer(mark).message());
    isolatedSlave();
    int isolated = s.mark();
    s.feed(emergency(EmergencyAction.FORCE_MASTER, SELF, false));
    assertTrue(!answer(isolated).ok(), answer(isolated).message());
    assertEquals(Role.ISOLATED, s.role().role());
  }

  /** A master's heartbeat as another host sends it now. */
  private ElectionInput.MasterBeatHeard<String> beat(Rank master, String coordinator, ProtectedList list) {
    return new ElectionInput.MasterBeatHeard<>(s.at(), master, coordinator, Optional.ofNullable(list), Optional.empty());
  }

  /** A master's heartbeat without a list, counting {@code side} as heard. */
  private ElectionInput.MasterBeatHeard<String> sided(Rank master, Set<String> side) {
    return new ElectionInput.MasterBeatHeard<>(s.at(), master, "coord9", Optional.empty(), Optional.of(side));
  }

  private <E extends HaEvent> E only(Class<E> type, int from) {
    List<E> found = s.events(from, type);
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in " + s.events(from));
    return found.get(0);
  }

}
