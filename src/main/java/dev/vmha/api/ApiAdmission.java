package dev.vmha.api;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many API requests an agent serves at once ({@code vmha.api.max-requests-in-flight}). A request over the limit
 * is refused at once rather than queued: queued requests would keep the CPU that heartbeats, lease renewals and
 * fencing need busy for as long as the queue lasts (issue 20: 400 requests at once fenced every VM of two hosts).
 */
final class ApiAdmission {
  private final int limit;
  private final AtomicInteger inFlight = new AtomicInteger();

  ApiAdmission(int limit) {
    if (limit < 1) throw new IllegalArgumentException("the API must serve at least one request at once, not " + limit);
    this.limit = limit;
  }

  /** Takes a place if one is free; every true must be followed by one {@link #leave}. */
  boolean tryEnter() {
    while (true) {
      int n = inFlight.get();
      if (n >= limit) return false;
      if (inFlight.compareAndSet(n, n + 1)) return true;
    }
  }

  void leave() {
    inFlight.decrementAndGet();
  }

  int limit() {
    return limit;
  }
}
