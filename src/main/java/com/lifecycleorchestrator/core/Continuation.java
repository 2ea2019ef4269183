package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * What a fresh invocation needs to go on handling a lifecycle action that an earlier one handed over
 * (its time ran low) or parked (it waits for SSM's capacity): the action, the execution that serves
 * it (none while SSM still refuses the start), when the hook last heard a heartbeat, the hook's
 * global deadline, how many hand-overs and parkings came before, and how many of the latest ones in a
 * row waited for capacity.
 */
public record Continuation(
    LifecycleAction action,
    Optional<Runbook.ExecutionId> execution,
    Instant lastHeartbeat,
    Instant hookDeadline,
    int handOvers,
    int capacityWaits) {

  public Continuation {
    requireNonNull(action, "action");
    requireNonNull(execution, "execution");
    requireNonNull(lastHeartbeat, "lastHeartbeat");
    requireNonNull(hookDeadline, "hookDeadline");
    if (handOvers < 1) {
      throw new IllegalArgumentException("a continuation follows at least one hand-over, got " + handOvers);
    }
    if (capacityWaits < 0) {
      throw new IllegalArgumentException("capacity waits cannot be negative, got " + capacityWaits);
    }
  }
}
