package dev.vmha.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.vmha.config.IsolationResponse;
import dev.vmha.hypervisor.Hypervisor;
import dev.vmha.hypervisor.HypervisorException;
import dev.vmha.hypervisor.VmSpec;
import dev.vmha.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The isolation response per VM, with guests that shut down, guests that ignore it, and power-offs that fail. */
class IsolationResponderTest {
  private static final Duration POLL = Duration.ofSeconds(1);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(300);

  ActorTestKit kit;
  ManualTime time;

  @BeforeEach
  void start() {
    // Pekko's own ManualTime scheduler, which sleeps 100 ms before each step (VirtualTime's does not): the responder
    // starts its timers while it handles the VM list, which this test has no reply to await
    kit = ActorTestKit.create("IsolationResponderTest", ConfigFactory.parseString(
        "pekko.scheduler.implementation = \"" + ExplicitlyTriggeredScheduler.class.getName() + "\"")
        .withFallback(VirtualTime.config()));
    time = ManualTime.get(kit.system());
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  /** A hypervisor whose guests obey a shutdown or not, and whose power-off of one VM fails. */
  static final class Guests implements Hypervisor {
    final Map<String, VmSpec> on = new LinkedHashMap<>();
    final Set<String> stubborn;
    final Set<String> unkillable;
    final List<String> calls = new ArrayList<>();

    Guests(List<String> vms, Set<String> stubborn, Set<String> unkillable) {
      vms.forEach(v -> on.put(v, new VmSpec(v, 512, 1)));
      this.stubborn = stubborn;
      this.unkillable = unkillable;
    }

    @Override
    public synchronized CompletionStage<List<VmSpec>> poweredOn() {
      return CompletableFuture.completedFuture(List.copyOf(on.values()));
    }

    @Override
    public CompletionStage<Void> powerOn(VmSpec vm) {
      throw new UnsupportedOperationException("an isolated host starts nothing");
    }

    @Override
    public synchronized CompletionStage<Void> powerOff(String vm) {
      calls.add("off " + vm);
      if (unkillable.contains(vm)) return CompletableFuture.failedFuture(new HypervisorException(vm + " hangs"));
      on.remove(vm);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Void> shutdownGuest(String vm) {
      calls.add("shutdown " + vm);
      if (!stubborn.contains(vm)) on.remove(vm);
      return CompletableFuture.completedFuture(null);
    }
  }

  private static IsolationResponse responseOf(String vm) {
    return switch (vm.charAt(0)) {
      case 'p' -> IsolationResponse.POWER_OFF;
      case 's' -> IsolationResponse.SHUTDOWN;
      default -> IsolationResponse.LEAVE_POWERED_ON;
    };
  }

  @Test
  void eachVmGetsItsResponseAndOnlyVmsReallyOffAreReported() {
    Guests hv = new Guests(List.of("p1", "s1", "l1"), Set.of(), Set.of());
    TestProbe<IsolationResponder.Applied> reply = kit.createTestProbe();
    kit.spawn(IsolationResponder.create(hv, IsolationResponderTest::responseOf, SHUTDOWN_TIMEOUT, POLL, reply.ref()));
    time.timePasses(POLL); // the guest's shutdown is seen at the next poll
    IsolationResponder.Applied a = reply.receiveMessage();
    assertEquals(List.of("p1", "s1"), a.stopped().stream().map(VmSpec::name).toList());
    assertEquals(List.of("l1"), a.keptRunning().stream().map(VmSpec::name).toList());
    assertEquals(List.of(), a.failures());
  }

  @Test
  void aGuestThatIgnoresTheShutdownIsPoweredOffAfterTheTimeoutAndNotBefore() {
    Guests hv = new Guests(List.of("s1"), Set.of("s1"), Set.of());
    TestProbe<IsolationResponder.Applied> reply = kit.createTestProbe();
    kit.spawn(IsolationResponder.create(hv, IsolationResponderTest::responseOf, SHUTDOWN_TIMEOUT, POLL, reply.ref()));
    time.expectNoMessageFor(SHUTDOWN_TIMEOUT.minus(POLL), reply);
    assertEquals(List.of("shutdown s1"), hv.calls);
    time.timePasses(POLL);
    IsolationResponder.Applied a = reply.receiveMessage();
    assertEquals(List.of("shutdown s1", "off s1"), hv.calls);
    assertEquals(List.of("s1"), a.stopped().stream().map(VmSpec::name).toList());
  }

  @Test
  void aVmWhosePowerOffFailsIsNotOfferedForRestart() {
    Guests hv = new Guests(List.of("p1", "p2"), Set.of(), Set.of("p2"));
    TestProbe<IsolationResponder.Applied> reply = kit.createTestProbe();
    kit.spawn(IsolationResponder.create(hv, IsolationResponderTest::responseOf, SHUTDOWN_TIMEOUT, POLL, reply.ref()));
    IsolationResponder.Applied a = reply.receiveMessage();
    assertEquals(List.of("p1"), a.stopped().stream().map(VmSpec::name).toList(), "p2 still runs: never restart it");
    assertEquals(List.of("p2"), a.keptRunning().stream().map(VmSpec::name).toList());
    assertEquals(1, a.failures().size());
  }
}
