package dev.vmha;

/** Readable text for a failure that arrives wrapped (CompletionException, UncheckedIOException, ...). */
public final class Failures {
  private Failures() {}

  public static String rootMessage(Throwable t) {
    Throwable c = rootCause(t);
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }

  /** The innermost cause: what really failed. */
  public static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c != c.getCause()) c = c.getCause();
    return c;
  }
}
