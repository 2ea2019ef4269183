package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * What a fresh invocation needs to go on handling a lifecycle action that an earlier one handed over
 * (its time ran low) or parked (it waits for SSM's capacity): the action, the execution that serves
 * it (none while SSM still refuses the start), when the hook last heard a heartbeat, the hook's
 * global deadline and its timeouts (when read; otherwise read again), how many hand-overs and parkings
 * came before, how many of the latest ones in a row waited for capacity, the result still to be
 * sent if Auto Scaling throttled it to the end of the invocation, and the document of the runbook the
 * action was handled with (none from a continuation sent before continuations carried it).
 */
public record Continuation(
    LifecycleAction action,
    Optional<Runbook.ExecutionId> execution,
    Instant lastHeartbeat,
    Instant hookDeadline,
    Optional<HookTimeouts> hook,
    int handOvers,
    int capacityWaits,
    Optional<Pending> pending,
    Optional<String> runbook) {

  /** A result known but not yet accepted by Auto Scaling (it throttled), and why it is the result. */
  public record Pending(LifecycleResult result, String reason) {
    public Pending {
      requireNonNull(result, "result");
      requireNonNull(reason, "reason");
    }
  }

  /** This continuation with {@code result} to send, unless it carries a result already. */
  public Continuation sending(Pending result) {
    return pending.isPresent() ? this : new Continuation(action, execution, lastHeartbeat, hookDeadline, hook,
        handOvers, capacityWaits, Optional.of(result), runbook);
  }

  public Continuation {
    requireNonNull(action, "action");
    requireNonNull(execution, "execution");
    requireNonNull(lastHeartbeat, "lastHeartbeat");
    requireNonNull(hookDeadline, "hookDeadline");
    requireNonNull(hook, "hook");
    requireNonNull(pending, "pending");
    requireNonNull(runbook, "runbook");
    if (handOvers < 1) {
      throw new IllegalArgumentException("a continuation follows at least one hand-over, got " + handOvers);
    }
    if (capacityWaits < 0) {
      throw new IllegalArgumentException("capacity waits cannot be negative, got " + capacityWaits);
    }
  }
}
