package dev.vmha.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmha.hypervisor.VmSpec;
import dev.vmha.restart.RestartPlanner.Homeless;
import dev.vmha.restart.RestartPlanner.HostRoom;
import dev.vmha.restart.RestartPlanner.Input;
import dev.vmha.restart.RestartPlanner.Plan;
import dev.vmha.restart.RestartPlanner.Skip;
import dev.vmha.restart.RestartPlanner.Start;
import dev.vmha.restart.RestartPlanner.Wait;
import dev.vmha.restart.WaitReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestartPlannerTest {

  private static final VmProtection MEDIUM = VmProtection.defaults();

  private static VmProtection prot(RestartPriority priority, int order, String... dependsOn) {
    return new VmProtection(priority, order, ReadyCondition.RESOURCES_ALLOCATED, Duration.ofSeconds(600),
        List.of(dependsOn));
  }

  private static Homeless vm(String name, long mb) {
    return vm(name, mb, MEDIUM);
  }

  private static Homeless vm(String name, long mb, VmProtection p) {
    return new Homeless(new VmSpec(name, mb, 1), p, "lost1");
  }

  private static HostRoom host(String id, long freeMb) {
    return host(id, freeMb, 32);
  }

  private static HostRoom host(String id, long freeMb, int slots) {
    return new HostRoom(id, freeMb, slots);
  }

  private static Plan plan(List<Homeless> homeless, List<HostRoom> hosts) {
    return plan(homeless, Map.of(), Set.of(), hosts);
  }

  private static Plan plan(List<Homeless> homeless, Map<String, VmProtection> starting, Set<String> satisfied,
      List<HostRoom> hosts) {
    return RestartPlanner.plan(new Input(homeless, starting, satisfied, hosts, Optional.empty()));
  }

  private static Plan planWithDefault(List<Homeless> homeless, List<HostRoom> hosts, String defaultHost) {
    return RestartPlanner.plan(new Input(homeless, Map.of(), Set.of(), hosts, Optional.of(defaultHost)));
  }

  private static List<String> started(Plan p) {
    return p.starts().stream().map(s -> s.vm().name()).toList();
  }

  private static List<String> targets(Plan p) {
    return p.starts().stream().map(s -> s.hosts().get(0)).toList();
  }

  private static List<String> waiting(Plan p) {
    return p.waits().stream().map(w -> w.vm().name()).toList();
  }

  private static List<String> skipped(Plan p) {
    return p.skips().stream().map(s -> s.vm().name()).toList();
  }

  private static Wait waitOf(Plan p, String vm) {
    return p.waits().stream().filter(w -> w.vm().name().equals(vm)).findFirst().orElseThrow();
  }

  private static void assertContains(String expected, String actual) {
    assertTrue(actual.contains(expected), "'" + expected + "' in: " + actual);
  }

  // ---- placement (the cases of the former Placement)

  @Test
  void mostFreeMemoryFirstThenFallbacksBestFirst() {
    Plan p = plan(List.of(vm("vm1", 1000)),
        List.of(host("h1", 2000), host("h2", 8000), host("h3", 4000), host("h4", 500)));
    Start s = p.starts().get(0);
    assertEquals(new VmSpec("vm1", 1000, 1), s.vm());
    assertEquals(List.of("h2", "h3", "h1"), s.hosts(), "h4 cannot hold the VM and is no fallback");
    assertEquals("priority medium order 0: h2 has the most free memory (8000 MB)", s.why());
    assertEquals(List.of(), p.waits());
    assertEquals(List.of(), p.skips());
  }

  @Test
  void tiesGoToTheLowerHostIdInNaturalOrder() {
    Plan p = plan(List.of(vm("vm1", 100)),
        List.of(host("host10", 4000), host("host2", 4000), host("host9", 4000), host("host1", 1000)));
    assertEquals(List.of("host2", "host9", "host10", "host1"), p.starts().get(0).hosts());
  }

  @Test
  void freeMemoryIsDecrementedAsVmsArePlaced() {
    // h1 4000, h2 3000: vm1 (2000) -> h1 (2000 left); vm2 (1500) -> h2 (1500 left); vm3 (1000) -> h1, which has
    // more left (1000 left); vm4 (1500) -> h2, the only fit (0 left); vm5 (1000) -> h1, the only fit (0 left)
    Plan p = plan(List.of(vm("vm1", 2000), vm("vm2", 1500), vm("vm3", 1000), vm("vm4", 1500), vm("vm5", 1000)),
        List.of(host("h1", 4000), host("h2", 3000)));
    assertEquals(List.of("h1", "h2", "h1", "h2", "h1"), targets(p));
    assertEquals(
        List.of(List.of("h1", "h2"), List.of("h2", "h1"), List.of("h1", "h2"), List.of("h2"), List.of("h1")),
        p.starts().stream().map(Start::hosts).toList(), "a host with too little left is no fallback");
  }

  @Test
  void loadIsSpreadAcrossEqualHosts() {
    List<Homeless> vms = new ArrayList<>();
    for (int i = 1; i <= 6; i++) vms.add(vm("vm" + i, 1000));
    Plan p = plan(vms, List.of(host("h1", 10000), host("h2", 10000), host("h3", 10000)));
    assertEquals(List.of("h1", "h2", "h3", "h1", "h2", "h3"), targets(p));
  }

  @Test
  void vmsThatFitNowhereWaitAndSmallerOnesStillStart() {
    // by name: big nowhere; huge nowhere; medium -> h1 (500 left); small -> h2 (0 left); tiny -> h1
    Plan p = plan(
        List.of(vm("big", 5000), vm("small", 1000), vm("huge", 100000), vm("medium", 2500), vm("tiny", 1)),
        List.of(host("h1", 3000), host("h2", 1000)));
    assertEquals(List.of("medium", "small", "tiny"), started(p));
    assertEquals(List.of("h1", "h2", "h1"), targets(p));
    assertEquals(List.of("big", "huge"), waiting(p));
    assertTrue(p.waits().stream().allMatch(w -> w.reason() == WaitReason.NO_ROOM));
  }

  @Test
  void withinAGroupVmsStartInNameOrder() {
    Plan p = plan(List.of(vm("z", 10), vm("a", 10), vm("m", 10)), List.of(host("h1", 100)));
    assertEquals(List.of("a", "m", "z"), started(p));
  }

  @Test
  void noHostsMeansEveryProtectedVmWaitsForRoom() {
    Plan p = plan(List.of(vm("vm1", 1), vm("vm2", 2)), List.of());
    assertEquals(List.of("vm1", "vm2"), waiting(p));
    assertEquals("no live host has room: needs 1 MB; there is no live host; no VM of this plan took room before it",
        waitOf(p, "vm1").why());
  }

  @Test
  void noVmsMeansAnEmptyPlan() {
    assertEquals(new Plan(List.of(), List.of(), List.of()), plan(List.of(), List.of(host("h1", 100))));
  }

  @Test
  void exactFitStartsAndLeavesNothing() {
    Plan p = plan(List.of(vm("vm1", 4096), vm("vm2", 1)), List.of(host("h1", 4096)));
    assertEquals(List.of("vm1"), started(p));
    assertEquals(List.of("vm2"), waiting(p));
  }

  @Test
  void hostWithNoFreeMemoryIsNeverChosen() {
    Plan p = plan(List.of(vm("vm1", 1)), List.of(host("h0", 0), host("h1", 1)));
    assertEquals(List.of("h1"), p.starts().get(0).hosts());
  }

  // ---- priorities and groups

  @Test
  void disabledVmsAreSkipped() {
    Plan p = plan(List.of(vm("off", 10, prot(RestartPriority.DISABLED, 0)), vm("on", 10)), List.of(host("h1", 100)));
    assertEquals(List.of("on"), started(p));
    assertEquals(List.of(new Skip(new VmSpec("off", 10, 1), "restart priority disabled: not protected")), p.skips());
  }

  @ParameterizedTest(name = "{0} order {1} before {2} order {3}")
  @CsvSource({
      "HIGHEST, 0, HIGH, 0",
      "HIGH, 0, MEDIUM, 0",
      "MEDIUM, 0, LOW, 0",
      "LOW, 0, LOWEST, 0",
      "LOWEST, 0, BEST_EFFORT, 0",
      "LOWEST, 9, BEST_EFFORT, 0",
      "HIGH, 7, MEDIUM, 0",
      "MEDIUM, 0, MEDIUM, 1",
      "BEST_EFFORT, 2, BEST_EFFORT, 10"})
  void anEarlierGroupStartsAndTheLaterOneWaitsForIt(RestartPriority ep, int eo, RestartPriority lp, int lo) {
    // the later VM's name sorts first: the group decides, not the name
    Plan p = plan(List.of(vm("a-later", 10, prot(lp, lo)), vm("z-earlier", 10, prot(ep, eo))),
        List.of(host("h1", 100)));
    assertEquals(List.of("z-earlier"), started(p));
    Wait w = waitOf(p, "a-later");
    assertEquals(WaitReason.EARLIER_GROUP, w.reason());
    assertEquals("start group " + lp.configName() + " order " + lo + " waits until the earlier groups are ready: "
        + ep.configName() + " order " + eo + ": z-earlier (started by this plan)", w.why());
  }

  @Test
  void allPrioritiesAtOnceOnlyTheHighestStartsAndEachLaterGroupNamesWhatItWaitsFor() {
    List<Homeless> vms = new ArrayList<>();
    for (RestartPriority rp : RestartPriority.values()) vms.add(vm("vm-" + rp.configName(), 10, prot(rp, 0)));
    Plan p = plan(vms, List.of(host("h1", 1000)));
    assertEquals(List.of("vm-highest"), started(p));
    assertEquals(List.of("vm-high", "vm-medium", "vm-low", "vm-lowest", "vm-best-effort"), waiting(p));
    assertTrue(p.waits().stream().allMatch(w -> w.reason() == WaitReason.EARLIER_GROUP));
    assertContains("highest order 0: vm-highest (started by this plan)", waitOf(p, "vm-best-effort").why());
    assertEquals(List.of("vm-disabled"), skipped(p));
  }

  @Test
  void vmsOfOneGroupStartTogether() {
    VmProtection high = prot(RestartPriority.HIGH, 3);
    Plan p = plan(List.of(vm("b", 10, high), vm("a", 10, high), vm("c", 10, high)), List.of(host("h1", 100)));
    assertEquals(List.of("a", "b", "c"), started(p));
  }

  @Test
  void anEarlierGroupStillStartingBlocksLaterGroups() {
    Map<String, VmProtection> starting = Map.of("dns1", prot(RestartPriority.HIGH, 0),
        "dhcp1", prot(RestartPriority.HIGHEST, 0), "dns2", prot(RestartPriority.HIGH, 0));
    Plan p = plan(List.of(vm("web1", 10)), starting, Set.of(), List.of(host("h1", 100)));
    assertEquals(List.of(), started(p));
    Wait w = waitOf(p, "web1");
    assertEquals(WaitReason.EARLIER_GROUP, w.reason());
    assertEquals("start group medium order 0 waits until the earlier groups are ready: highest order 0: dhcp1"
        + " (starting); high order 0: dns1 (starting), dns2 (starting)", w.why());
  }

  @Test
  void startingVmsOfTheSameOrALaterGroupOrDisabledBlockNothing() {
    Map<String, VmProtection> starting = Map.of("same", MEDIUM, "later", prot(RestartPriority.LOW, 0),
        "off", prot(RestartPriority.DISABLED, 0));
    Plan p = plan(List.of(vm("web1", 10)), starting, Set.of(), List.of(host("h1", 100)));
    assertEquals(List.of("web1"), started(p));
  }

  @Test
  void anEarlierVmWithoutRoomDoesNotBlockLaterGroups() {
    Plan p = plan(
        List.of(vm("huge", 5000, prot(RestartPriority.HIGHEST, 0)), vm("small", 100, prot(RestartPriority.LOW, 4))),
        List.of(host("h1", 1000)));
    assertEquals(List.of("small"), started(p));
    assertEquals(WaitReason.NO_ROOM, waitOf(p, "huge").reason());
  }

  @Test
  void earlierGroupsClaimCapacityFirst() {
    // the medium VM's name sorts first, but the high one is placed first; the medium one waits for its turn
    Plan p = plan(List.of(vm("a-medium", 800), vm("z-high", 800, prot(RestartPriority.HIGH, 0))),
        List.of(host("h1", 1000)));
    assertEquals(List.of("z-high"), started(p));
    assertEquals(WaitReason.EARLIER_GROUP, waitOf(p, "a-medium").reason(), "not NO_ROOM: its turn has not come");
  }

  // ---- dependencies

  @Test
  void aChainStartsOneLinkAtATime() {
    Plan p = plan(List.of(vm("app", 10, prot(RestartPriority.MEDIUM, 0, "db")),
        vm("db", 10, prot(RestartPriority.MEDIUM, 0, "dns")), vm("dns", 10)), List.of(host("h1", 100)));
    assertEquals(List.of("dns"), started(p));
    assertEquals(WaitReason.DEPENDENCY, waitOf(p, "db").reason());
    assertEquals("waits for dns (started by this plan) to be ready", waitOf(p, "db").why(),
        "dns sorts after db, yet the reason knows it was started");
    assertEquals("waits for db (homeless, waiting: dependency) to be ready", waitOf(p, "app").why());
  }

  @Test
  void satisfiedDependenciesLetTheVmStart() {
    Plan p = plan(List.of(vm("db", 10, prot(RestartPriority.MEDIUM, 0, "dns1", "dns2"))), Map.of(),
        Set.of("dns1", "dns2"), List.of(host("h1", 100)));
    assertEquals(List.of("db"), started(p));
  }

  @Test
  void eachUnmetDependencyIsNamedWithWhatIsKnownOfIt() {
    Plan p = plan(List.of(
            vm("app", 10, prot(RestartPriority.MEDIUM, 0, "ok", "boot", "ghost", "off", "fat")),
            vm("off", 10, prot(RestartPriority.DISABLED, 0)),
            vm("fat", 5000)),
        Map.of("boot", MEDIUM), Set.of("ok"), List.of(host("h1", 100)));
    assertEquals("waits for boot (starting, not ready yet), ghost (not running, or unknown to HA), off (homeless, not"
        + " restarted), fat (homeless, waiting: no room) to be ready", waitOf(p, "app").why());
  }

  @Test
  void aVmWaitingForADependencyDoesNotBlockLaterGroups() {
    Plan p = plan(
        List.of(vm("db", 10, prot(RestartPriority.HIGHEST, 0, "ghost")), vm("web", 10, prot(RestartPriority.LOWEST, 0))),
        List.of(host("h1", 100)));
    assertEquals(List.of("web"), started(p));
    assertEquals(WaitReason.DEPENDENCY, waitOf(p, "db").reason());
  }

  @Test
  void anEarlierGroupIsCheckedBeforeDependencies() {
    Plan p = plan(List.of(vm("db", 10, prot(RestartPriority.LOW, 0, "ghost"))), Map.of("dns", MEDIUM), Set.of(),
        List.of(host("h1", 100)));
    assertEquals(WaitReason.EARLIER_GROUP, waitOf(p, "db").reason());
  }

  // ---- default failover host

  @Test
  void theDefaultFailoverHostIsPreferredWhenItFits() {
    Plan p = planWithDefault(List.of(vm("vm1", 500)), List.of(host("h1", 1000), host("h2", 8000)), "h1");
    assertEquals(List.of("h1", "h2"), p.starts().get(0).hosts());
    assertEquals("priority medium order 0: the default failover host h1 has room (1000 MB free)",
        p.starts().get(0).why());
  }

  @Test
  void theDefaultFailoverHostIsPassedOverWhenItDoesNotFit() {
    Plan p = planWithDefault(List.of(vm("vm1", 2000)), List.of(host("h1", 1000), host("h2", 8000)), "h1");
    assertEquals(List.of("h2"), p.starts().get(0).hosts());
    assertEquals("priority medium order 0: h2 has the most free memory (8000 MB); the default failover host h1 has"
        + " only 1000 MB free", p.starts().get(0).why());
  }

  @Test
  void theDefaultFailoverHostIsPassedOverWithoutAFreeStartSlot() {
    Plan p = planWithDefault(List.of(vm("vm1", 10)), List.of(host("h1", 1000, 0), host("h2", 800)), "h1");
    assertEquals(List.of("h2"), p.starts().get(0).hosts());
    assertContains("the default failover host h1 has no free start slot", p.starts().get(0).why());
  }

  @Test
  void aDefaultFailoverHostThatIsNotLiveIsIgnored() {
    Plan p = planWithDefault(List.of(vm("vm1", 10)), List.of(host("h1", 1000)), "h9");
    assertEquals(List.of("h1"), p.starts().get(0).hosts());
    assertContains("the default failover host h9 is not a live host", p.starts().get(0).why());
  }

  @Test
  void theDefaultFailoverHostFillsUpThenTheOthersTakeOver() {
    Plan p = planWithDefault(List.of(vm("vm1", 600), vm("vm2", 600), vm("vm3", 600)),
        List.of(host("h1", 1200), host("h2", 8000), host("h3", 4000)), "h1");
    assertEquals(List.of("h1", "h1", "h2"), targets(p));
  }

  // ---- start slots

  @Test
  void aHostWithoutFreeStartSlotsIsNoTargetAndNoFallback() {
    Plan p = plan(List.of(vm("a", 100), vm("b", 100), vm("c", 100)),
        List.of(host("h1", 10000, 1), host("h2", 5000, 1)));
    assertEquals(List.of("a", "b"), started(p));
    assertEquals(List.of(List.of("h1", "h2"), List.of("h2")), p.starts().stream().map(Start::hosts).toList());
    Wait w = waitOf(p, "c");
    assertEquals(WaitReason.NO_START_SLOT, w.reason());
    assertEquals("fits by memory on h1, h2 but none has a free start slot (das.perHostConcurrentFailoversLimit"
        + " power-ons in flight)", w.why());
  }

  @Test
  void aBestEffortVmWithoutAStartSlotWaitsRatherThanBeingGivenUp() {
    Plan p = plan(List.of(vm("be", 100, prot(RestartPriority.BEST_EFFORT, 0))), List.of(host("h1", 1000, 0)));
    assertEquals(WaitReason.NO_START_SLOT, waitOf(p, "be").reason());
    assertEquals(List.of(), p.skips());
  }

  // ---- no room for everything

  @Test
  void aProtectedVmWithoutRoomWaitsAndTheReasonNamesWhatTookTheRoom() {
    Plan p = plan(List.of(vm("a", 600), vm("b", 600), vm("c", 600)), List.of(host("h1", 1000), host("h2", 900)));
    assertEquals(List.of("a", "b"), started(p));
    Wait w = waitOf(p, "c");
    assertEquals(WaitReason.NO_ROOM, w.reason());
    assertEquals("no live host has room: needs 600 MB; the most free memory left is 400 MB (h1); placed before it"
        + " by this plan: a, b", w.why());
  }

  @Test
  void aBestEffortVmWithoutRoomIsGivenUpWithTheSameDetail() {
    VmProtection be = prot(RestartPriority.BEST_EFFORT, 0);
    Plan p = plan(List.of(vm("a", 600, be), vm("b", 600, be)), List.of(host("h1", 1000)));
    assertEquals(List.of("a"), started(p));
    assertEquals(List.of(new Skip(new VmSpec("b", 600, 1), "best-effort, tried once: no live host has room: needs 600"
        + " MB; the most free memory left is 400 MB (h1); placed before it by this plan: a")), p.skips());
  }

  @Test
  void bestEffortIsGivenUpWhenProtectedVmsStartedEarlierLeftTooLittle() {
    Plan p = plan(List.of(vm("be", 800, prot(RestartPriority.BEST_EFFORT, 0))), Map.of(), Set.of("db"),
        List.of(host("h2", 200), host("h1", 200)));
    assertEquals(List.of("be"), skipped(p));
    assertEquals("best-effort, tried once: no live host has room: needs 800 MB; the most free memory left is 200 MB"
        + " (h1); no VM of this plan took room before it", p.skips().get(0).why());
  }

  @Test
  void theReasonListsAFewOfTheVmsThatTookTheRoom() {
    List<Homeless> vms = new ArrayList<>();
    for (int i = 1; i <= 8; i++) vms.add(vm("vm" + i, 100));
    Plan p = plan(vms, List.of(host("h1", 700)));
    assertEquals(List.of("vm8"), waiting(p));
    assertContains("placed before it by this plan: vm1, vm2, vm3, vm4, vm5 and 2 more", waitOf(p, "vm8").why());
  }

  // ---- determinism and input

  @Test
  void theSameInputInAnyOrderGivesTheSamePlan() {
    List<Homeless> vms = new ArrayList<>();
    RestartPriority[] ps = RestartPriority.values();
    for (int i = 0; i < 40; i++) {
      String[] deps = i % 7 == 0 ? new String[] {"vm" + (i + 3)} : new String[0];
      vms.add(vm("vm" + i, 100 + 37L * (i % 11), prot(ps[i % ps.length], i % 3, deps)));
    }
    List<HostRoom> hosts = List.of(host("h1", 2000, 3), host("h2", 2000, 2), host("h3", 1500), host("h10", 2000));
    Map<String, VmProtection> starting = Map.of("x", prot(RestartPriority.LOW, 1));
    Plan first = plan(vms, starting, Set.of("vm3"), hosts);
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      List<Homeless> shuffledVms = new ArrayList<>(vms);
      List<HostRoom> shuffledHosts = new ArrayList<>(hosts);
      Collections.shuffle(shuffledVms, random);
      Collections.shuffle(shuffledHosts, random);
      assertEquals(first, plan(shuffledVms, starting, Set.of("vm3"), shuffledHosts));
    }
    assertEquals(40, first.starts().size() + first.waits().size() + first.skips().size(), "every VM is accounted for");
  }

  @Test
  void inputIsCopiedAndChecked() {
    List<Homeless> vms = new ArrayList<>(List.of(vm("a", 1)));
    Input in = new Input(vms, Map.of(), Set.of(), List.of(host("h1", 10)), Optional.empty());
    vms.clear();
    assertEquals(List.of("a"), started(RestartPlanner.plan(in)));
    assertThrows(IllegalArgumentException.class,
        () -> new Input(List.of(vm("a", 1), vm("a", 2)), Map.of(), Set.of(), List.of(), Optional.empty()));
    assertThrows(IllegalArgumentException.class,
        () -> new Input(List.of(), Map.of(), Set.of(), List.of(host("h1", 1), host("h1", 2)), Optional.empty()));
  }
}
