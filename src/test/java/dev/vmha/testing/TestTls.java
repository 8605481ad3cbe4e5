package dev.vmha.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.vmha.security.ClusterCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * TLS is the tested default: one cluster CA and the stores of host1 .. host{@value #HOSTS} on 127.0.0.1, made once per
 * test run (JVM) in a temporary directory, for every in-JVM cluster.
 */
public final class TestTls {
  public static final int HOSTS = 5;
  private static Path dir;

  private TestTls() {}

  /** The directory ./vmha certs would have written for the test hosts. */
  public static synchronized Path dir() {
    if (dir == null) {
      try {
        Path d = Files.createTempDirectory("vmha-test-tls");
        new ClusterCa(d).issue(ClusterCa.Host.loopback(HOSTS), false);
        d.toFile().deleteOnExit();
        try (var files = Files.list(d)) {
          files.forEach(f -> f.toFile().deleteOnExit()); // deleted before their directory: the reverse order
        }
        dir = d;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return dir;
  }

  /** {@code vmha.tls.dir} for the test hosts' settings. */
  public static Config settings() {
    return ConfigFactory.empty().withValue("vmha.tls.dir", ConfigValueFactory.fromAnyRef(dir().toString()));
  }
}
