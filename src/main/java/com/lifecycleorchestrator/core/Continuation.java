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
 * sent if Auto Scaling throttled it to the end of the invocation, the document of the runbook the
 * action was handled with (none from a continuation sent before continuations carried it), and the
 * epoch the action claimed when SSM refused its start for capacity.
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
    Optional<String> runbook,
    Optional<Claim> claim) {

  /**
   * The epoch of its seat an action claimed, and when its pre-flight (the group's deletion, the
   * agent) passed, while its start waits for SSM's capacity: the start is tried again with them,
   * the action proven active by a heartbeat, without reading the seat's record again.
   */
  public record Claim(int epoch, Instant preflightPassed) {
    public Claim {
      requireNonNull(preflightPassed, "preflightPassed");
      if (epoch < 0) {
        throw new IllegalArgumentException("an epoch cannot be negative, got " + epoch);
      }
    }
  }

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
        handOvers, capacityWaits, Optional.of(result), runbook, claim);
  }

  public Continuation {
    requireNonNull(action, "action");
    requireNonNull(execution, "execution");
    requireNonNull(lastHeartbeat, "lastHeartbeat");
    requireNonNull(hookDeadline, "hookDeadline");
    requireNonNull(hook, "hook");
    requireNonNull(pending, "pending");
    requireNonNull(runbook, "runbook");
    requireNonNull(claim, "claim");
    if (handOvers < 1) {
      throw new IllegalArgumentException("a continuation follows at least one hand-over, got " + handOvers);
    }
    if (capacityWaits < 0) {
      throw new IllegalArgumentException("capacity waits cannot be negative, got " + capacityWaits);
    }
  }
}
