package dev.vmha.host;

import java.nio.file.Path;

/**
 * Another process for the lock tests: takes the data-directory lock as {@code agent} or {@code reader}, prints
 * "locked" (or what it found), and holds it until its standard input closes.
 */
public final class LockHolder {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    DataDirLock.Attempt a = args[1].equals("agent") ? DataDirLock.agent(dir, "host1") : DataDirLock.reader(dir);
    System.out.println(a instanceof DataDirLock.Acquired ? "locked" : a.toString());
    System.out.flush();
    System.in.read();
  }

  /** Starts a holder and waits until it holds the lock. */
  public static Process start(Path dir, String mode) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), LockHolder.class.getName(), dir.toString(), mode)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
    if (!"locked".equals(first)) {
      p.destroyForcibly();
      throw new IllegalStateException("the holder did not take the lock: " + first);
    }
    return p;
  }
}
