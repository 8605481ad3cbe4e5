package dev.vmha.ping;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * ICMP echo through {@link InetAddress#isReachable}: a raw ICMP socket when running as root; otherwise the JDK
 * falls back to a TCP connection to port 7, where a refused connection also counts as an answer.
 */
public final class IcmpPinger implements Pinger {
  private final Executor io;

  public IcmpPinger(Executor io) {
    this.io = io;
  }

  @Override
  public CompletionStage<Boolean> ping(PingTarget target, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return InetAddress.getByName(target.address()).isReachable((int) Math.max(1, timeout.toMillis()));
      } catch (IOException e) {
        return false;
      }
    }, io);
  }
}
