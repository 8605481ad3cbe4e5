package dev.vmha.watchdog;

import dev.vmha.config.WatchdogSettings;
import dev.vmha.timing.TimingRules;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The Linux watchdog API (Documentation/watchdog/watchdog-api.rst) on a device such as {@code /dev/watchdog} (softdog
 * or a hardware timer): opening it starts the timer, every write restarts it, writing 'V' before closing stops it
 * (magic close). When it fires, the kernel RESETS THE HOST — every VM stops with it. Java cannot issue the
 * WDIOC_SETTIMEOUT ioctl, so the timeout is the driver's own (softdog's soft_margin, the hardware's setting), read from
 * {@code /sys/class/watchdog/<device>/timeout} at arming: it must not exceed vmha.watchdog.timeout, which the lease
 * timing counts with, nor be shorter than two intervals. The device allows one opener: the open stream is kept for the
 * JVM, so an agent whose actor system restarts continues petting it.
 */
public record DeviceWatchdog(Path device, Duration timeout, Duration interval, Path sysfsClass, Executor io)
    implements WatchdogDriver {
  /** The open devices of this JVM: the device allows one opener. The sysfs class is {@code /sys/class/watchdog}. */
  private static final Map<Path, FileOutputStream> OPEN = new ConcurrentHashMap<>();

  @Override
  public WatchdogSettings.Type type() {
    return WatchdogSettings.Type.DEVICE;
  }

  @Override
  public CompletionStage<Optional<Firing>> arm() {
    return CompletableFuture.supplyAsync(() -> {
      checkTimeout();
      synchronized (OPEN) {
        if (!OPEN.containsKey(device)) OPEN.put(device, open());
      }
      return write(0);
    }, io);
  }

  @Override
  public CompletionStage<Optional<Firing>> pet() {
    return CompletableFuture.supplyAsync(() -> write(0), io);
  }

  @Override
  public CompletionStage<Void> disarm() {
    return CompletableFuture.runAsync(() -> {
      synchronized (OPEN) {
        FileOutputStream out = OPEN.remove(device);
        if (out == null) return;
        try (out) {
          out.write('V');
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException("magic close of " + device + " failed: the host may reset", e);
        }
      }
    }, io);
  }

  /** The driver's own timeout, its sysfs name being the device's ({@code /dev/watchdog} is watchdog0). */
  private void checkTimeout() {
    String name = device.getFileName().toString();
    Path file = sysfsClass.resolve(name.equals("watchdog") ? "watchdog0" : name).resolve("timeout");
    long seconds;
    try {
      seconds = Long.parseLong(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot read the timeout of " + device + " from " + file + ": " + e);
    }
    Duration d = Duration.ofSeconds(seconds);
    if (d.compareTo(timeout) > 0 || d.compareTo(TimingRules.minWatchdogTimeout(interval)) < 0) {
      throw new IllegalStateException(device + " fires after " + seconds + " s (" + file + "); it must fire within"
          + " vmha.watchdog.timeout = " + timeout.toSeconds() + " s and not before two intervals: set the driver's"
          + " timeout (softdog: soft_margin=" + timeout.toSeconds() + ")");
    }
  }

  private FileOutputStream open() {
    try {
      return new FileOutputStream(device.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the watchdog device " + device, e);
    }
  }

  private Optional<Firing> write(int b) {
    FileOutputStream out = OPEN.get(device);
    if (out == null) throw new IllegalStateException(device + " is not armed");
    try {
      out.write(b);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pet " + device, e);
    }
    return Optional.empty(); // a device that fired reset the host: nobody is left to report it
  }
}
