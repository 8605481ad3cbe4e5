package dev.vmha.ping;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Probes a host by opening a TCP connection to its port; only an accepted connection counts as an answer. For the
 * demo, whose hosts share 127.0.0.1 (which always answers ICMP): there the probe reaches the agent itself, so a dead
 * agent reads as a dead host and AGENT_UNREACHABLE cannot be told apart.
 */
public final class TcpPinger implements Pinger {
  private final Executor io;

  public TcpPinger(Executor io) {
    this.io = io;
  }

  @Override
  public CompletionStage<Boolean> ping(PingTarget target, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(target.address(), target.tcpPort()), (int) Math.max(1, timeout.toMillis()));
        return true;
      } catch (IOException e) {
        return false;
      }
    }, io);
  }
}
