package dev.vmha.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data-directory lock between processes: one agent, or any number of history readers, never both. */
class DataDirLockTest {
  @TempDir Path dir;

  @Test
  void aSecondAgentIsToldThePidOfTheFirst() throws Exception {
    Process first = LockHolder.start(dir, "agent");
    try {
      DataDirLock.Held h = assertInstanceOf(DataDirLock.Held.class, DataDirLock.agent(dir, "host1"));
      assertEquals(DataDirLock.Holder.AGENT, h.holder());
      assertTrue(h.who().startsWith("pid " + first.pid() + ", agent of host1"), h.who());
      DataDirLock.Held r = assertInstanceOf(DataDirLock.Held.class, DataDirLock.reader(dir));
      assertEquals(DataDirLock.Holder.AGENT, r.holder(), "a reader finds the agent and asks its API instead");
    } finally {
      first.getOutputStream().close();
      first.waitFor();
    }
    // the first agent is gone (its lock went with it): the next one starts
    try (DataDirLock l = assertInstanceOf(DataDirLock.Acquired.class, DataDirLock.agent(dir, "host1")).lock()) {
      assertTrue(java.nio.file.Files.readString(dir.resolve(DataDirLock.FILE))
          .startsWith("pid " + ProcessHandle.current().pid() + ","));
    }
  }

  @Test
  void readersShareTheLockAndAnAgentWaitsForThem() throws Exception {
    Process reader = LockHolder.start(dir, "reader");
    try {
      try (DataDirLock l = assertInstanceOf(DataDirLock.Acquired.class, DataDirLock.reader(dir)).lock()) {
        // a second reader beside the first
      }
      DataDirLock.Held h = assertInstanceOf(DataDirLock.Held.class, DataDirLock.agent(dir, "host1"));
      assertEquals(DataDirLock.Holder.READERS, h.holder());
    } finally {
      reader.getOutputStream().close();
      reader.waitFor();
    }
    try (DataDirLock l = assertInstanceOf(DataDirLock.Acquired.class, DataDirLock.agent(dir, "host1")).lock()) {
      // the reader is gone
    }
  }
}
