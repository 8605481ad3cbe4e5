package dev.vmha.isolation;

import java.time.Duration;

/**
 * What the {@link FenceMachine} is configured with.
 *
 * @param interval das.failuredetectioninterval: one tick
 * @param fenceTimeout how long without proof before the host fences itself (hostTimeout)
 */
public record FenceConfig(String hostId, boolean datastoresConfigured, Duration interval, Duration fenceTimeout) {}
