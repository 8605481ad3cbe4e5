package dev.vmha.restart;

import java.util.Comparator;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The placement rules a failover follows, shared by {@link RestartPlanner} (what the master does now) and
 * capacity.FailoverPlanner (what it would do after any N host failures), so that the capacity plan is the failover.
 */
public final class Placement {
  private Placement() {}

  /**
   * The order VMs claim room in: protected priorities highest first, then best-effort; within a priority ascending
   * start order; then by name, so that the same VMs always claim room in the same order.
   */
  public static <T> Comparator<T> startOrder(
      Function<T, RestartPriority> priority, ToIntFunction<T> order, Function<T, String> name) {
    return Comparator.comparing(priority).thenComparingInt(order).thenComparing(name);
  }

  /** A host fits a VM when its free memory is at least the VM's memory. */
  public static boolean fits(long freeMemoryMb, long needMb) {
    return freeMemoryMb >= needMb;
  }

  /**
   * The order restart targets are tried in, among hosts that fit the VM: the default failover host first, then the
   * most free memory (spreading load), ties by host id ({@code ids}: dev.vmha.HostIdOrder on the ids).
   */
  public static <R> Comparator<R> targetOrder(
      Predicate<R> defaultFailoverHost, ToLongFunction<R> freeMemoryMb, Comparator<R> ids) {
    return Comparator.comparing((R r) -> !defaultFailoverHost.test(r))
        .thenComparing((a, b) -> mostFreeFirst(freeMemoryMb.applyAsLong(a), freeMemoryMb.applyAsLong(b)))
        .thenComparing(ids);
  }

  /** Of two targets other than the default failover host, the one with more free memory first (0: the ids decide). */
  public static int mostFreeFirst(long freeMemoryMbA, long freeMemoryMbB) {
    return Long.compare(freeMemoryMbB, freeMemoryMbA);
  }
}
