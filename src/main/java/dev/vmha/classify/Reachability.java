package dev.vmha.classify;

/** What Pekko Cluster membership says about a host's JVM. */
public enum Reachability {
  /** Pekko's failure detector hears the host. */
  REACHABLE,
  /** Pekko's failure detector lost the host. */
  UNREACHABLE,
  /** The host left the membership or was downed. */
  REMOVED,
  /** The host is not a member we know (e.g. known only from the datastores). */
  UNKNOWN
}
