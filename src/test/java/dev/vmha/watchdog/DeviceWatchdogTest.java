package dev.vmha.watchdog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Linux watchdog API against a stand-in device file and a stand-in sysfs (this machine has no /dev/watchdog). */
class DeviceWatchdogTest {
  private static final Duration I = Duration.ofSeconds(1);
  @TempDir Path tmp;

  private DeviceWatchdog device(Path dev, long sysfsTimeout) throws Exception {
    Path sysfs = tmp.resolve("sys");
    Files.createDirectories(sysfs.resolve("watchdog0"));
    Files.writeString(sysfs.resolve("watchdog0").resolve("timeout"), sysfsTimeout + "\n");
    return new DeviceWatchdog(dev, Duration.ofSeconds(5), I, sysfs, Runnable::run);
  }

  @Test
  void armingOpensThenEveryPetWritesAndACleanStopWritesTheMagicVBeforeClosing() throws Exception {
    Path dev = tmp.resolve("watchdog");
    DeviceWatchdog d = device(dev, 5);
    assertEquals(Optional.empty(), d.arm().toCompletableFuture().join());
    d.pet().toCompletableFuture().join();
    d.pet().toCompletableFuture().join();
    d.disarm().toCompletableFuture().join();
    assertArrayEquals(new byte[] {0, 0, 0, 'V'}, Files.readAllBytes(dev));
    Throwable notArmed = assertThrows(CompletionException.class, () -> d.pet().toCompletableFuture().join());
    assertTrue(notArmed.getMessage().contains("not armed"), notArmed.getMessage());
  }

  /** A device that fires later than vmha.watchdog.timeout would break the lease timing: it is not armed. */
  @Test
  void aDeviceWhoseOwnTimeoutIsLongerThanTheSettingIsRefused() throws Exception {
    Path dev = tmp.resolve("watchdog");
    Throwable e = assertThrows(CompletionException.class, () -> device(dev, 60).arm().toCompletableFuture().join());
    assertTrue(e.getMessage().contains("soft_margin=5"), e.getMessage());
    assertTrue(Files.notExists(dev), "never opened: opening would start its timer");
  }
}
