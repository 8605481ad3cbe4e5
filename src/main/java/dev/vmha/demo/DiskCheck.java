package dev.vmha.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a VM's disk file (lines {@code <host> <seq> <epoch-microseconds>}) and finds every time two copies of the VM
 * ran at once. Each VM process numbers its lines from 1, so the lines split into incarnations (one per process
 * run); two incarnations whose time spans intersect are two copies running together. Pure.
 */
public final class DiskCheck {

  /** One run of the VM: the host it ran on and the times of its first and last write. */
  public record Incarnation(String host, long firstMicros, long lastMicros, long writes) {
    boolean overlaps(Incarnation o) {
      return firstMicros <= o.lastMicros && o.firstMicros <= lastMicros;
    }
  }

  /** Every incarnation in order of start, the overlapping pairs, and lines that could not be read. */
  public record Result(List<Incarnation> incarnations, List<String> overlaps, List<String> badLines) {
    public boolean safe() {
      return overlaps.isEmpty();
    }

    public String lastHost() {
      return incarnations.stream().max((a, b) -> Long.compare(a.lastMicros(), b.lastMicros()))
          .map(Incarnation::host).orElse(null);
    }

    public long lastWriteMicros() {
      return incarnations.stream().mapToLong(Incarnation::lastMicros).max().orElse(0);
    }
  }

  private DiskCheck() {}

  public static Result check(List<String> lines) {
    List<long[]> open = new ArrayList<>(); // per incarnation: last seq, first time, last time, writes
    List<String> hosts = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      long seq;
      long t;
      try {
        if (f.length != 3) throw new NumberFormatException();
        seq = Long.parseLong(f[1]);
        t = Long.parseLong(f[2]);
      } catch (NumberFormatException e) {
        if (!line.isBlank()) bad.add(line);
        continue;
      }
      int match = -1;
      if (seq != 1) {
        for (int i = open.size() - 1; i >= 0; i--) {
          if (hosts.get(i).equals(f[0]) && open.get(i)[0] == seq - 1) {
            match = i;
            break;
          }
        }
      }
      if (match < 0) {
        open.add(new long[] {seq, t, t, 1});
        hosts.add(f[0]);
      } else {
        long[] inc = open.get(match);
        inc[0] = seq;
        inc[2] = Math.max(inc[2], t);
        inc[1] = Math.min(inc[1], t);
        inc[3]++;
      }
    }
    List<Incarnation> incs = new ArrayList<>();
    for (int i = 0; i < open.size(); i++) {
      long[] v = open.get(i);
      incs.add(new Incarnation(hosts.get(i), v[1], v[2], v[3]));
    }
    incs.sort((a, b) -> Long.compare(a.firstMicros(), b.firstMicros()));
    List<String> overlaps = new ArrayList<>();
    for (int i = 0; i < incs.size(); i++) {
      for (int j = i + 1; j < incs.size(); j++) {
        if (incs.get(i).overlaps(incs.get(j))) overlaps.add(incs.get(i) + " overlaps " + incs.get(j));
      }
    }
    return new Result(incs, overlaps, bad);
  }
}
