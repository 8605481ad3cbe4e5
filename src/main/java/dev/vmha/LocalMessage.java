package dev.vmha;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * A message that never leaves its JVM (timers, adapters, replies between a host's own actors): exempt from the
 * serialization check that tests turn on with {@code pekko.actor.serialize-messages}.
 */
public interface LocalMessage extends NoSerializationVerificationNeeded {}
