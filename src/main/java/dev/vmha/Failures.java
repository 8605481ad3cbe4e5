package dev.vmha;

/** Readable text for a failure that arrives wrapped (CompletionException, UncheckedIOException, ...). */
public final class Failures {
  private Failures() {}

  public static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c != c.getCause()) c = c.getCause();
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }
}
