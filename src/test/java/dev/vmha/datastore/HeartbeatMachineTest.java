package dev.vmha.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.datastore.HeartbeatEffect.Emit;
import dev.vmha.datastore.HeartbeatEffect.Round;
import dev.vmha.datastore.HeartbeatEffect.Unpublished;
import dev.vmha.datastore.HeartbeatEffect.Written;
import dev.vmha.history.HaEvent;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The datastore heartbeat as input scripts on the pure {@link HeartbeatMachine}: which rounds it starts, on which
 * datastores, what it reports and whom it tells the watchdog's flag is written. Rounds are answered by hand; the I/O
 * on real directories is {@link DatastoreHeartbeatTest}'s.
 */
class HeartbeatMachineTest {
  private static final Duration I = Duration.ofSeconds(1);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final VmSpec VM1 = new VmSpec("vm1", 512, 1);

  private HeartbeatConfig config = new HeartbeatConfig("host1", 2, I, List.of("ds1", "ds2", "ds3"));
  private HeartbeatState<String> state = HeartbeatState.initial(config.datastores());
  private List<HeartbeatEffect<String>> effects = List.of();

  private List<HeartbeatEffect<String>> feed(HeartbeatInput<String> in) {
    HeartbeatMachine.Step<String> step = HeartbeatMachine.step(state, in, config);
    state = step.state();
    effects = step.effects();
    return effects;
  }

  private Round<String> tick() {
    feed(new HeartbeatInput.Tick<>(T0));
    assertEquals(1, effects.size(), effects.toString());
    return (Round<String>) effects.get(0);
  }

  /** The round in flight ends: the named datastores answered, the others failed. */
  private List<HeartbeatEffect<String>> done(String... answered) {
    Map<String, DatastoreScan> scans = new HashMap<>();
    Map<String, String> failures = new HashMap<>();
    for (String ds : config.datastores()) {
      if (Arrays.asList(answered).contains(ds)) scans.put(ds, new DatastoreScan(ds, Map.of(), Map.of(), Map.of()));
      else failures.put(ds, ds + " unmounted");
    }
    return feed(new HeartbeatInput.RoundDone<>(T0, scans, failures, answered.length > 0));
  }

  private static Emit<String> access(String ds, boolean accessible, String why) {
    return new Emit<>(new HaEvent.DatastoreAccessChanged(T0, "host1", ds, accessible, why));
  }

  @Test
  void aRoundWritesTheHeartbeatOnTheDatastoresThatAnsweredFirstAndAHungRoundIsNotDoubled() {
    Round<String> first = tick();
    assertEquals(new Round<>(1, Set.of("ds1", "ds2"), Optional.empty()), first, "configured order at first");
    assertEquals(List.of(access("ds1", false, "ds1 unmounted")), done("ds2", "ds3"),
        "the first round reports only what it cannot reach");
    assertEquals(new Round<>(2, Set.of("ds2", "ds3"), Optional.empty()), tick(), "those that answered first");
    feed(new HeartbeatInput.Tick<>(T0));
    feed(new HeartbeatInput.Tick<>(T0));
    assertEquals(List.of(), effects, "a round in flight is not doubled");
    assertEquals(List.of(access("ds1", true, "")), done("ds1", "ds2", "ds3"));
    assertEquals(I.multipliedBy(4), state.view().now(), "the skipped ticks count");
    assertEquals(I.multipliedBy(4), state.view().lastOwnWrite());
    assertEquals(3, tick().counter());
    assertEquals(List.of(access("ds3", false, "ds3 unmounted")), done("ds1", "ds2"));
  }

  @Test
  void thePowerOnFileListsTheVmsOnOrWhileIsolatedTheVmsTheResponseStopped() {
    feed(new HeartbeatInput.LocalVms<>(T0, List.of(VM1)));
    assertEquals(Optional.of(new PowerOnFile("host1", false, List.of(VM1), WatchdogFlag.NOT_ARMED)), tick().powerOn());
    done("ds1", "ds2", "ds3");
    feed(new HeartbeatInput.DeclareIsolated<>(T0, List.of(VM1)));
    feed(new HeartbeatInput.LocalVms<>(T0, List.of()));
    assertEquals(Optional.of(new PowerOnFile("host1", true, List.of(VM1), WatchdogFlag.NOT_ARMED)), tick().powerOn());
    done("ds1", "ds2", "ds3");
    feed(new HeartbeatInput.ClearIsolation<>(T0));
    assertEquals(Optional.of(new PowerOnFile("host1", false, List.of(), WatchdogFlag.NOT_ARMED)), tick().powerOn());
  }

  @Test
  void whoWaitsForTheWatchdogsFlagIsToldOnceARoundStartedAfterwardsWroteEveryDatastore() {
    tick();
    feed(new HeartbeatInput.LocalWatchdog<>(T0, WatchdogFlag.ARMED, Optional.of("agent")));
    assertEquals(List.of(), done("ds1", "ds2", "ds3"), "that round was started before the flag changed");
    assertEquals(WatchdogFlag.ARMED, tick().powerOn().map(PowerOnFile::watchdog).orElse(WatchdogFlag.ARMED));
    done("ds1", "ds3");
    assertEquals(List.of(), effects.stream().filter(Written.class::isInstance).toList(), "ds2 failed: not yet");
    tick();
    assertEquals(List.of(new Written<>("agent")), done("ds1", "ds2", "ds3").stream()
        .filter(Written.class::isInstance).toList());
    tick();
    assertEquals(List.of(), done("ds1", "ds2", "ds3"), "told once");
  }

  /**
   * Without datastores no power-on file can tell a master that a cleanly stopped agent left its VMs running: were the
   * watchdog disarmed, a master that later judged the host DEAD (cut off after the stop) would start them beside the
   * running copies. So "agent stopped" is refused and the watchdog stays armed (LEFT_ARMED): it fires and stops them.
   */
  @Test
  void withoutDatastoresTheWatchdogsFlagCountsAsWrittenAtOnceButAgentStoppedIsRefused() {
    config = new HeartbeatConfig("host1", 2, I, List.of());
    state = HeartbeatState.initial(List.of());
    assertEquals(List.of(new Written<>("agent")),
        feed(new HeartbeatInput.LocalWatchdog<>(T0, WatchdogFlag.ARMED, Optional.of("agent"))));
    assertEquals(List.of(new Unpublished<>("agent")),
        feed(new HeartbeatInput.LocalWatchdog<>(T0, WatchdogFlag.AGENT_STOPPED, Optional.of("agent"))));
  }
}
