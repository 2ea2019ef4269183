package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * A lifecycle hook's own timeouts, as DescribeLifecycleHooks gives them (Amazon EC2 Auto Scaling API
 * Reference, "LifecycleHook"): the heartbeat timeout that each RecordLifecycleActionHeartbeat
 * restarts, the global timeout after which the hold ends whatever the heartbeats (at most 48 hours
 * or 100 heartbeat timeouts, whichever is smaller), and the result the hook applies when either
 * passes, where known.
 */
public record HookTimeouts(Duration heartbeatTimeout, Duration globalTimeout, Optional<LifecycleResult> defaultResult) {

  /** Auto Scaling ends a hold after this long at most, whatever the heartbeats. */
  public static final Duration LONGEST_GLOBAL_TIMEOUT = Duration.ofHours(48);

  public HookTimeouts {
    requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    requireNonNull(globalTimeout, "globalTimeout");
    requireNonNull(defaultResult, "defaultResult");
    if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero() || globalTimeout.compareTo(heartbeatTimeout) < 0) {
      throw new IllegalArgumentException("a hook's heartbeat timeout is positive and no longer than its global "
          + "timeout, got " + heartbeatTimeout + " and " + globalTimeout);
    }
  }

  /**
   * What a hook with this heartbeat timeout is taken to have when it cannot be read: the global
   * timeout Auto Scaling derives from it, and an unknown default result.
   */
  public static HookTimeouts assumed(Duration heartbeatTimeout) {
    Duration global = heartbeatTimeout.multipliedBy(100);
    return new HookTimeouts(heartbeatTimeout,
        global.compareTo(LONGEST_GLOBAL_TIMEOUT) < 0 ? global : LONGEST_GLOBAL_TIMEOUT, Optional.empty());
  }
}
