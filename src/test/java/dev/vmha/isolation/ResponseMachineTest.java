package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.isolation.ResponseMachine.Effect;
import dev.vmha.isolation.ResponseMachine.Input;
import dev.vmha.isolation.ResponseMachine.Listing;
import dev.vmha.isolation.ResponseMachine.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The isolation response as input scripts on the pure {@link ResponseMachine}: what it asks the hypervisor, in which
 * order, and that it answers only with what the final list shows off, after every power-off answered.
 */
class ResponseMachineTest {
  private static final Duration POLL = Duration.ofSeconds(1);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(300);
  private static final ResponseMachine.Config CONFIG = new ResponseMachine.Config(ResponseMachineTest::responseOf,
      SHUTDOWN_TIMEOUT, POLL);
  private static final VmSpec P1 = vm("p1");
  private static final VmSpec P2 = vm("p2");
  private static final VmSpec S1 = vm("s1");
  private static final VmSpec L1 = vm("l1");

  private ResponseMachine.State state;
  private List<Effect> effects;

  private static VmSpec vm(String name) {
    return new VmSpec(name, 512, 1);
  }

  private static IsolationResponse responseOf(String vm) {
    return switch (vm.charAt(0)) {
      case 'p' -> IsolationResponse.POWER_OFF;
      case 's' -> IsolationResponse.SHUTDOWN;
      default -> IsolationResponse.LEAVE_POWERED_ON;
    };
  }

  private List<Effect> start() {
    ResponseMachine.Step s = ResponseMachine.start();
    state = s.state();
    effects = s.effects();
    return effects;
  }

  private List<Effect> feed(Input in) {
    ResponseMachine.Step s = ResponseMachine.step(state, in, CONFIG);
    state = s.state();
    effects = s.effects();
    return effects;
  }

  private static Input listed(Listing l, VmSpec... vms) {
    return new Input.Listed(l, List.of(vms), Optional.empty());
  }

  @Test
  void eachVmGetsItsResponseAndOnlyVmsReallyOffAreReported() {
    assertEquals(List.of(new Effect.ListVms(Listing.FIRST)), start());
    assertEquals(List.of(new Effect.PowerOff("p1"), new Effect.ShutdownGuest("s1"),
        new Effect.Repeat(Timer.POLL, POLL), new Effect.Schedule(Timer.DEADLINE, SHUTDOWN_TIMEOUT)),
        feed(listed(Listing.FIRST, P1, S1, L1)));
    assertEquals(List.of(), feed(new Input.PoweredOff("p1", Optional.empty())), "s1 still shuts down");
    assertEquals(List.of(new Effect.ListVms(Listing.POLL)), feed(new Input.Fired(Timer.POLL)));
    assertEquals(List.of(), feed(listed(Listing.POLL, S1, L1)), "s1 still on");
    feed(new Input.Fired(Timer.POLL));
    assertEquals(List.of(new Effect.CancelTimers(), new Effect.ListVms(Listing.FINAL)),
        feed(listed(Listing.POLL, L1)));
    assertEquals(List.of(new Effect.Reply(List.of(P1, S1), List.of(L1), List.of())), feed(listed(Listing.FINAL, L1)));
    assertEquals(List.of(), feed(new Input.Fired(Timer.POLL)), "the run is over");
  }

  @Test
  void aGuestThatIgnoresTheShutdownIsPoweredOffAtTheDeadlineAndTheAnswerAwaitsEveryPowerOff() {
    start();
    feed(listed(Listing.FIRST, P1, S1));
    assertEquals(List.of(new Effect.CancelTimers(), new Effect.PowerOff("s1")), feed(new Input.Fired(Timer.DEADLINE)));
    assertEquals(List.of(), feed(new Input.PoweredOff("s1", Optional.empty())), "p1's power-off is not answered yet");
    assertEquals(List.of(new Effect.CancelTimers(), new Effect.ListVms(Listing.FINAL)),
        feed(new Input.PoweredOff("p1", Optional.empty())));
    assertEquals(List.of(new Effect.Reply(List.of(P1, S1), List.of(), List.of())), feed(listed(Listing.FINAL)));
  }

  @Test
  void aVmWhosePowerOffFailsIsNotOfferedForRestart() {
    start();
    feed(listed(Listing.FIRST, P1, P2));
    feed(new Input.PoweredOff("p2", Optional.of("p2 hangs")));
    feed(new Input.PoweredOff("p1", Optional.empty()));
    assertEquals(List.of(new Effect.Reply(List.of(P1), List.of(P2), List.of("p2: p2 hangs"))),
        feed(listed(Listing.FINAL, P2)));
  }

  @Test
  void withoutTheHypervisorsWordNothingCountsAsStopped() {
    start();
    assertEquals(List.of(new Effect.Reply(List.of(), List.of(), List.of("cannot list VMs: down"))),
        feed(new Input.Listed(Listing.FIRST, List.of(), Optional.of("down"))));
    start();
    feed(listed(Listing.FIRST, P1));
    feed(new Input.PoweredOff("p1", Optional.empty()));
    assertEquals(List.of(new Effect.Reply(List.of(), List.of(), List.of("cannot confirm the VMs are off: down"))),
        feed(new Input.Listed(Listing.FINAL, List.of(), Optional.of("down"))));
  }

  @Test
  void nothingToStopIsConfirmedAtOnce() {
    start();
    assertEquals(List.of(new Effect.CancelTimers(), new Effect.ListVms(Listing.FINAL)), feed(listed(Listing.FIRST, L1)));
    assertEquals(List.of(new Effect.Reply(List.of(), List.of(L1), List.of())), feed(listed(Listing.FINAL, L1)));
  }
}
