package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * What a fresh invocation needs to go on handling a lifecycle action that an invocation running out
 * of time handed over: the action, the execution that serves it (none while SSM still refuses the
 * start), when the hook last heard a heartbeat, the hook's global deadline, and how many hand-overs
 * came before.
 */
public record Continuation(
    LifecycleAction action,
    Optional<Runbook.ExecutionId> execution,
    Instant lastHeartbeat,
    Instant hookDeadline,
    int handOvers) {

  public Continuation {
    requireNonNull(action, "action");
    requireNonNull(execution, "execution");
    requireNonNull(lastHeartbeat, "lastHeartbeat");
    requireNonNull(hookDeadline, "hookDeadline");
    if (handOvers < 1) {
      throw new IllegalArgumentException("a continuation follows at least one hand-over, got " + handOvers);
    }
  }
}
