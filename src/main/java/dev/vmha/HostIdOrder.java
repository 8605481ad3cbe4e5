package dev.vmha;

import java.math.BigInteger;
import java.util.Comparator;

/**
 * The one order of host ids everywhere (election tie-break, placement tie-break): runs of digits compare as
 * numbers, host2 < host10; equal numbers fall back to text.
 */
public enum HostIdOrder implements Comparator<String> {
  INSTANCE;

  @Override
  public int compare(String a, String b) {
    int i = 0, j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i), cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int ei = i, ej = j;
        while (ei < a.length() && Character.isDigit(a.charAt(ei))) ei++;
        while (ej < b.length() && Character.isDigit(b.charAt(ej))) ej++;
        int c = new BigInteger(a.substring(i, ei)).compareTo(new BigInteger(b.substring(j, ej)));
        if (c != 0) return c;
        i = ei;
        j = ej;
      } else {
        if (ca != cb) return Character.compare(ca, cb);
        i++;
        j++;
      }
    }
    int c = Integer.compare(a.length() - i, b.length() - j);
    return c != 0 ? c : a.compareTo(b);
  }
}
